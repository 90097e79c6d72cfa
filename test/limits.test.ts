import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  eventTypes,
  waitForState,
  type ToolServer,
  startEngineTest,
  type EngineTest,
} from './support/objectives.ts'
import type { TestSortie } from './support/sortie.ts'

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let engine: EngineTest
before(async () => {
  engine = await startEngineTest()
  ;({ t, fake, tools } = engine)
})
after(() => engine?.close())

const call = (usage = { input: 10, output: 2 }, delayMs?: number) => ({
  toolCalls: [{ name: 'lookup', arguments: { id: 'x' } }],
  usage,
  ...(delayMs ? { delayMs } : {}),
})

/** Runs an objective of an agent with `constraints` to its first stop. */
async function run(constraints: Record<string, number>) {
  const { agentId } = await createAgent(t, {
    modelId: MODEL_OF.openai,
    toolBaseUrl: tools.baseUrl,
    constraints,
  })
  const before = fake.requests.length
  const created = await t.api('POST', '/v1/objectives', { agentId, data: { initialMessage: 'go' } })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const id = created.body.metadata.id
  const done = await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED', 'STATE_TIMED_OUT'])
  return { id, done, requests: () => fake.requests.length - before }
}

describe('limits', () => {
  it('past maxToolCalls a call gets a toolError and a model that then answers ends its turn normally', async () => {
    fake.enqueue(call(), call(), { text: 'fine, without tools' })
    const { id, done } = await run({ maxToolCalls: 1 })
    assert.equal(done.status.state, 'STATE_WAITING', JSON.stringify(done.status))
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'assistantMessage',
      'toolError',
      'assistantMessage',
    ])
    assert.equal(events[5].data.toolError.message, 'tool call limit reached')
  })

  it('crossing maxInputTokens fails the objective with no further provider call', async () => {
    // A third request would be answered by the default responder and end the turn instead.
    fake.enqueue(call({ input: 60, output: 1 }), call({ input: 60, output: 1 }))
    const { id, done, requests } = await run({ maxInputTokens: 100 })
    assert.equal(done.status.state, 'STATE_FAILED', JSON.stringify(done.status))
    assert.match(done.status.message, /input token budget exhausted: 120 tokens used/)
    assert.match(done.status.message, /maxInputTokens is 100/)
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(requests(), 2, 'no provider call after the budget was crossed')
    const events = await allEvents(t, id)
    assert.equal(events.at(-1).data.type, 'error')
    assert.equal(events.at(-1).data.error.type, 'constraint')
    assert.equal(events.at(-2).data.type, 'notice')
    assert.equal(events.at(-2).data.notice.key, 'budget.exceeded')
    assert.equal(events.at(-3).data.type, 'toolResult', 'the crossing turn still got its result')
  })

  it('crossing maxOutputTokens fails the objective before the next model call', async () => {
    fake.enqueue(call({ input: 5, output: 50 }))
    const { done, requests } = await run({ maxOutputTokens: 40 })
    assert.equal(done.status.state, 'STATE_FAILED', JSON.stringify(done.status))
    assert.match(done.status.message, /output token budget exhausted: 50 tokens used/)
    assert.equal(requests(), 1)
  })

  it('past maxDurationSeconds the objective ends TIMED_OUT instead of calling the model again', async () => {
    fake.enqueue(call({ input: 5, output: 5 }, 1100))
    const { done, requests } = await run({ maxDurationSeconds: 1 })
    assert.equal(done.status.state, 'STATE_TIMED_OUT', JSON.stringify(done.status))
    assert.match(done.status.message, /time budget exhausted/)
    assert.match(done.status.message, /maxDurationSeconds is 1/)
    assert.equal(requests(), 1)
  })

  it('0 means unlimited', async () => {
    fake.enqueue(call({ input: 500, output: 500 }), {
      text: 'done',
      usage: { input: 5, output: 5 },
    })
    const { done, requests } = await run({
      maxInputTokens: 0,
      maxOutputTokens: 0,
      maxDurationSeconds: 0,
      maxToolCalls: 0,
    })
    assert.equal(done.status.state, 'STATE_WAITING', JSON.stringify(done.status))
    assert.equal(requests(), 2)
  })

  it('a continued objective over its budget fails again without a provider call', async () => {
    fake.enqueue(call({ input: 5, output: 50 }))
    const { id, requests } = await run({ maxOutputTokens: 40 })
    const cont = await t.api('POST', `/v1/objectives/${id}/continue`, { message: 'try again' })
    assert.equal(cont.status, 200, JSON.stringify(cont.body))
    const again = await waitForState(t, id, ['STATE_FAILED'])
    assert.match(again.status.message, /output token budget exhausted/)
    assert.equal(requests(), 1)
  })

  it('negative or fractional limits are refused when the variation is written', async () => {
    const res = await t.api('POST', '/v1/agents', {
      metadata: { name: 'bad-limits' },
      spec: {},
      defaultVariation: {
        metadata: { name: 'v' },
        spec: { constraints: { maxInputTokens: -1, maxDurationSeconds: 1.5 } },
      },
    })
    assert.equal(res.status, 400)
    const fields = res.body.details[0].fieldViolations.map((v: any) => v.field).sort()
    assert.deepEqual(fields, [
      'defaultVariation.spec.constraints.maxDurationSeconds',
      'defaultVariation.spec.constraints.maxInputTokens',
    ])
  })
})
