import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { freePort, freshDatabase } from './support/database.ts'

const BIN = join(import.meta.dirname, '..', 'bin', 'sortie.js')
const started: ChildProcess[] = []

after(() => {
  // Only a failed test leaves a server behind; stop exactly the processes this file started.
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL')
})

type Env = {
  DATABASE_URL: string
  SORTIE_DATA_DIR: string
  SORTIE_SECRET_KEY: string
  SORTIE_BOOTSTRAP_TOKEN: string
}

async function freshEnv(): Promise<Env> {
  return {
    DATABASE_URL: await freshDatabase(),
    SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-serve-')),
    SORTIE_SECRET_KEY: randomBytes(32).toString('hex'),
    SORTIE_BOOTSTRAP_TOKEN: `sk_test_${randomBytes(16).toString('hex')}`,
  }
}

function run(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  started.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited, out: () => stdout, err: () => stderr }
}

/** Polls /healthz over the socket until it answers 200 (or the process dies). */
async function waitHealthy(base: string, proc: ReturnType<typeof run>): Promise<void> {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`server exited early: ${proc.err()}`)
    const res = await fetch(`${base}/healthz`).catch(() => undefined)
    if (res?.status === 200) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`server did not become healthy: ${proc.err()}`)
}

describe('sortie serve (real process, real socket)', () => {
  it('serves the API over a socket with the bootstrap token and exits 0 on SIGTERM', async () => {
    const env = await freshEnv()
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const proc = run(['serve'], { ...env, PORT: String(port) })
    await waitHealthy(base, proc)
    const agents = await fetch(`${base}/v1/agents`, {
      headers: { authorization: `Bearer ${env.SORTIE_BOOTSTRAP_TOKEN}` },
    })
    assert.equal(agents.status, 200)
    const body = (await agents.json()) as { items: unknown[]; pagination: { total: number } }
    assert.deepEqual(body.items, [])
    assert.equal(body.pagination.total, 0)
    const anonymous = await fetch(`${base}/v1/agents`)
    assert.equal(anonymous.status, 401)
    proc.child.kill('SIGTERM')
    assert.equal(await proc.exited, 0, proc.err())
  })
})

describe('sortie keys create', () => {
  it('prints a token that the server then accepts, for the first workspace by default', async () => {
    const env = await freshEnv()
    const cli = run(['keys', 'create', '--name', 'from-cli'], { ...env })
    assert.equal(await cli.exited, 0, cli.err())
    const token = cli.out().trim()
    assert.match(token, /^sk_[A-Za-z0-9_-]+$/)
    const workspaceId = cli.err().match(/in workspace (ws_\w+)/)?.[1]
    assert.ok(workspaceId, cli.err())

    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const proc = run(['serve'], { ...env, PORT: String(port) })
    await waitHealthy(base, proc)
    const current = await fetch(`${base}/v1/workspaces/current`, {
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(current.status, 200)
    const ws = (await current.json()) as { metadata: { id: string } }
    assert.equal(ws.metadata.id, workspaceId)
    const keys = await fetch(`${base}/v1/api_keys?prefix=from-cli`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const list = (await keys.json()) as { items: { metadata: { name: string } }[] }
    assert.deepEqual(
      list.items.map((k) => k.metadata.name),
      ['from-cli'],
    )
    proc.child.kill('SIGTERM')
    assert.equal(await proc.exited, 0, proc.err())
  })

  it('an unknown --workspace fails with exit code 1, a message and no token', async () => {
    const env = await freshEnv()
    const cli = run(['keys', 'create', '--workspace', 'ws_01J00000000000000000000000'], env)
    assert.equal(await cli.exited, 1, cli.err() + cli.out())
    assert.equal(cli.out(), '')
    assert.match(cli.err(), /workspace "ws_01J00000000000000000000000" not found/)
  })

  it("a short bootstrap token such as the clients' 'My API Key' works, with a warning in the log", async () => {
    const env = { ...(await freshEnv()), SORTIE_BOOTSTRAP_TOKEN: 'My API Key' }
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const proc = run(['serve'], { ...env, PORT: String(port) })
    await waitHealthy(base, proc)
    const agents = await fetch(`${base}/v1/agents`, {
      headers: { authorization: 'Bearer My API Key' },
    })
    assert.equal(agents.status, 200, 'the whole value after "Bearer " is the token')
    const wrong = await fetch(`${base}/v1/agents`, { headers: { authorization: 'Bearer My API' } })
    assert.equal(wrong.status, 401)
    proc.child.kill('SIGTERM')
    assert.equal(await proc.exited, 0, proc.err())
    assert.match(proc.err() + proc.out(), /SORTIE_BOOTSTRAP_TOKEN is shorter than 16 characters/)
  })
})

describe('sortie worker (real process)', () => {
  it('serves GET /metrics alone on SORTIE_METRICS_PORT to a loopback client, and exits 0 on SIGTERM', async () => {
    const env = await freshEnv()
    const port = await freePort()
    const proc = run(['worker'], { ...env, SORTIE_METRICS_PORT: String(port) })
    const url = `http://127.0.0.1:${port}/metrics`
    const deadline = Date.now() + 60_000
    let res: Response | undefined
    while (!res && Date.now() < deadline) {
      if (proc.child.exitCode !== null) throw new Error(`worker exited early: ${proc.err()}`)
      res = await fetch(url).catch(() => undefined)
      if (!res) await new Promise((r) => setTimeout(r, 200))
    }
    assert.equal(res?.status, 200, proc.err())
    assert.match(await res.text(), /^# TYPE sortie_engine_steps_total counter$/m)
    const api = await fetch(`http://127.0.0.1:${port}/healthz`)
    assert.equal(api.status, 404, 'a worker serves no API')
    await api.body?.cancel()
    proc.child.kill('SIGTERM')
    assert.equal(await proc.exited, 0, proc.err())
  })
})
