import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { freePort } from './support/database.ts'
import { startFakeProvider, type FakeProvider } from './support/fake-provider.ts'
import {
  createAgent,
  MODEL_OF,
  providerEnv,
  startToolServer,
  type ToolServer,
} from './support/objectives.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let url: string

before(async () => {
  fake = await startFakeProvider('openai')
  tools = await startToolServer()
  t = await startTestSortie(providerEnv([fake]), { worker: true })
  const port = await freePort()
  await t.sortie.listen('127.0.0.1', port)
  url = `http://127.0.0.1:${port}`
})
after(async () => {
  await t?.sortie.stop()
  await fake?.close()
  await tools?.close()
})

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/sortie.js', 'run', ...args], {
      env: { ...process.env, SORTIE_URL: url, SORTIE_TOKEN: t.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }))
  })
}

describe('sortie run', () => {
  it('prints the tool loop live and exits 0 when the agent finishes its turn', async () => {
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    // openai/gpt-4.1-mini: $0.40 per M input, $1.60 per M output.
    fake.enqueue(
      {
        toolCalls: [{ name: 'lookup', arguments: { id: 'A-7' } }],
        usage: { input: 1000, output: 100 },
      },
      { text: 'Record A-7 exists.', usage: { input: 2000, output: 50 } },
    )
    const res = await runCli(['--agent', agentId, 'find A-7'])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /you: find A-7/)
    assert.match(res.stdout, /→ lookup\(\{"id":"A-7"\}\)/)
    assert.match(res.stdout, /← .*"found":true/)
    assert.match(res.stdout, /agent: Record A-7 exists\./)
    assert.match(
      res.stdout,
      /STATE_WAITING · 1 tool calls · 3000 in \/ 150 out tokens · \$0\.00144$/m,
    )
  })

  it('accepts an agent external id and exits non-zero when the objective fails', async () => {
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    await t.api('PATCH', `/v1/agents/${agentId}`, {
      metadata: { externalId: 'cli-failing' },
      updateMask: 'metadata.externalId',
    })
    fake.enqueue(...Array.from({ length: 6 }, () => ({ status: 400, errorMessage: 'bad request' })))
    const res = await runCli(['--agent', 'cli-failing', 'hello'])
    assert.equal(res.code, 1, res.stdout + res.stderr)
    assert.match(res.stdout, /error: .*bad request/)
    assert.match(res.stdout, /STATE_FAILED/)
  })

  it('without a token the command explains what to set and exits non-zero', async () => {
    const child = spawn(process.execPath, ['bin/sortie.js', 'run', '--agent', 'x', 'hi'], {
      env: { ...process.env, SORTIE_URL: url, SORTIE_TOKEN: '', SORTIE_API_KEY: '' },
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const code = await new Promise((r) => child.on('exit', r))
    assert.notEqual(code, 0)
    assert.match(stderr, /^sortie run: no API key.*SORTIE_TOKEN/)
  })
})
