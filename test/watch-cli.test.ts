import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createSortie, type Sortie } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createLogger } from '../src/lib/logger.ts'
import { freePort, freshDatabase } from './support/database.ts'
import { startFakeProvider, type FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  createAgent,
  providerEnv,
  startToolServer,
  type ToolServer,
} from './support/objectives.ts'
import type { TestSortie } from './support/sortie.ts'

let fake: FakeProvider
let tools: ToolServer
let databaseUrl: string
let port: number
let sortie: Sortie | undefined
const secretKey = randomBytes(32).toString('hex')
const token = `sk_test_${randomBytes(16).toString('hex')}`

/** Starts (or restarts) the server on the same database, key and port. */
async function startServer(): Promise<TestSortie> {
  const env = providerEnv([fake])
  sortie = await createSortie(
    loadConfig({
      DATABASE_URL: databaseUrl,
      SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-data-')),
      SORTIE_SECRET_KEY: secretKey,
      SORTIE_BOOTSTRAP_TOKEN: token,
      LOG_LEVEL: 'silent',
      ...env,
    }),
    { logger: createLogger('silent', false), env, worker: true },
  )
  await sortie.listen('127.0.0.1', port)
  const s = sortie
  const api: TestSortie['api'] = async (method, path, body) => {
    const res = await s.http.app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: res.status, headers: res.headers, body: await res.json() }
  }
  const ws = await api('GET', '/v1/workspaces/current')
  return {
    sortie: s,
    token,
    databaseUrl,
    workspaceId: ws.body.metadata.id,
    accountId: ws.body.metadata.accountId,
    api,
  }
}

before(async () => {
  fake = await startFakeProvider('openai')
  tools = await startToolServer()
  databaseUrl = await freshDatabase()
  port = await freePort()
})
after(async () => {
  await sortie?.stop()
  await tools?.close()
  await fake?.close()
})

function watch(id: string) {
  const child = spawn(process.execPath, ['bin/sortie.js', 'objectives', 'watch', id], {
    env: { ...process.env, SORTIE_URL: `http://127.0.0.1:${port}`, SORTIE_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = { stdout: '', stderr: '' }
  child.stdout.on('data', (d) => (out.stdout += d))
  child.stderr.on('data', (d) => (out.stderr += d))
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)))
  return { out, exited, kill: () => child.kill() }
}

async function until(ok: () => boolean, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('sortie objectives watch', () => {
  it('survives a server restart by resuming from the last event id: every event printed once, in order', async () => {
    let t = await startServer()
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    // The final answer is slow, so the server restarts in the middle of the objective; the turn
    // is run again by the restarted server's worker.
    fake.enqueue(
      { toolCalls: [{ name: 'lookup', arguments: { id: 'W-1' } }] },
      { text: 'late answer', delayMs: 30_000 },
    )
    fake.setResponder(() => ({ text: 'W-1 is there.' }))
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'find W-1' },
    })
    const id = created.body.metadata.id as string
    const cli = watch(id)
    try {
      await until(() => /← .*"found":true/.test(cli.out.stdout), 'the tool result line')
      await until(() => fake.inFlight() > 0, 'the slow model request')
      await sortie!.stop()
      sortie = undefined
      t = await startServer()
      const code = await Promise.race([
        cli.exited,
        new Promise<number>((r) => setTimeout(() => r(-2), 20_000)),
      ])
      assert.equal(code, 0, cli.out.stdout + cli.out.stderr)
      assert.match(cli.out.stderr, /connection lost .*resuming after oevt_/)
      const lines = cli.out.stdout.split('\n').filter(Boolean)
      assert.deepEqual(lines.slice(0, 4), [
        'you: find W-1',
        '  → lookup({"id":"W-1"})',
        '  ← {"id":"W-1","found":true}',
        'agent: W-1 is there.',
      ])
      assert.match(lines[4]!, /STATE_WAITING/)
      assert.equal(lines.length, 5, 'no event printed twice')
    } finally {
      cli.kill()
    }
  })

  it('an unknown objective exits 1 with the server message', async () => {
    const cli = watch('obj_unknown')
    assert.equal(await cli.exited, 1)
    assert.match(cli.out.stderr, /objective obj_unknown|not found/i)
  })
})
