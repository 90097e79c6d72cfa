import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { startFakeProvider, type FakeProvider, type FakeRequest } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  eventTypes,
  providerEnv,
  startToolServer,
  until,
  waitForState,
  type ToolServer,
} from './support/objectives.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'
import { startWorkerProcess as startWorker } from './support/worker-process.ts'

const secretKey = randomBytes(32).toString('hex')
let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
const children: ChildProcess[] = []

const toolNames = (req: FakeRequest): string[] =>
  (req.body.tools ?? []).map((x: any) => x.function.name)
const toolResults = (req: FakeRequest) =>
  (req.body.messages as { role: string }[]).filter((m) => m.role === 'tool').length

before(async () => {
  fake = await startFakeProvider('openai')
  // Load lookup_b, then call it (slowly the first time: the worker is killed meanwhile), then answer.
  let slowOnce = true
  fake.setResponder((req) => {
    const results = toolResults(req)
    if (results === 0)
      return { toolCalls: [{ name: 'tool_load', arguments: { names: ['lookup_b'] } }] }
    if (results === 1) {
      const delayMs = slowOnce ? 10_000 : 0
      slowOnce = false
      return { toolCalls: [{ name: 'lookup_b', arguments: { id: 'b1' } }], delayMs }
    }
    return { text: 'found it' }
  })
  tools = await startToolServer()
  // The API runs here without a worker; workers run as separate processes on the same database.
  t = await startTestSortie({ ...providerEnv([fake]), SORTIE_SECRET_KEY: secretKey })
})
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  await t?.sortie.stop()
  await tools?.close()
  await fake?.close()
})

async function startWorkerProcess(): Promise<ChildProcess> {
  const child = await startWorker({
    DATABASE_URL: t.databaseUrl,
    SORTIE_SECRET_KEY: secretKey,
    SORTIE_LEASE_SECONDS: '2',
    SORTIE_POLL_MS: '200',
    ...providerEnv([fake]),
  })
  children.push(child)
  return child
}

describe('progressive tool discovery across a crash', () => {
  it('a worker SIGKILLed after a tool_load committed leaves the tool loaded: the next worker offers it and runs its call', async () => {
    const set = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'abc' },
      spec: { adapter: { http: { baseUrl: tools.baseUrl } } },
    })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    for (const name of ['lookup_a', 'lookup_b', 'lookup_c']) {
      const tool = await t.api('POST', `/v1/tool_sets/${set.body.metadata.id}/tools`, {
        metadata: { name },
        spec: {
          description: `Looks a record up (${name})`,
          parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
          config: { http: { requestMethod: 'GET', path: '/lookup/{{ id }}' } },
        },
      })
      assert.equal(tool.status, 200, JSON.stringify(tool.body))
    }
    const agent = await t.api('POST', '/v1/agents', {
      metadata: { name: 'discoverer' },
      spec: { status: 'AGENT_STATUS_PUBLISHED' },
      defaultVariation: {
        metadata: { name: 'v1' },
        spec: {
          prompt: 'You look records up.',
          modelConfig: { modelId: MODEL_OF.openai },
          progressiveDiscovery: {},
        },
      },
    })
    assert.equal(agent.status, 200, JSON.stringify(agent.body))
    const vars = await t.api('GET', `/v1/agents/${agent.body.metadata.id}/variations`)
    const assigned = await t.api(
      'POST',
      `/v1/agent_variations/${vars.body.items[0].metadata.id}/assignments`,
      { toolSetId: set.body.metadata.id },
    )
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body))

    const first = await startWorkerProcess()
    const created = await t.api('POST', '/v1/objectives', {
      agentId: agent.body.metadata.id,
      data: { initialMessage: 'find b1' },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const id = created.body.metadata.id
    // Killed while the model is asked with the load committed (the slow request).
    await until(() => fake.requests.some((r) => toolResults(r) === 1), 'the request after the load')
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))
    assert.equal(tools.requests.length, 0)

    await startWorkerProcess()
    await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'], 30_000)
    const afterLoad = fake.requests.filter((r) => toolResults(r) >= 1)
    assert.ok(afterLoad.length >= 3, `requests after the load: ${afterLoad.length}`)
    for (const req of afterLoad) {
      assert.deepEqual(toolNames(req).sort(), [
        'lookup_b',
        'sortie_tasks',
        'tool_load',
        'tool_search',
      ])
    }
    assert.deepEqual(toolNames(fake.requests[0]!).sort(), [
      'sortie_tasks',
      'tool_load',
      'tool_search',
    ])
    assert.deepEqual(
      tools.requests.map((r) => r.url),
      ['/lookup/b1'],
    )
    assert.deepEqual(eventTypes(await allEvents(t, id)), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'assistantMessage',
    ])
  })
})
