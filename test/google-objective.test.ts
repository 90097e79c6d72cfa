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
  engine = await startEngineTest({ wire: 'google', env: { SORTIE_PROVIDER_RETRY_DELAY_MS: '10' } })
  ;({ t, fake, tools } = engine)
})
after(() => engine?.close())

describe('the objective loop against the Google Gemini fake', () => {
  it('a google/ model runs a tool call through generateContent and ends WAITING with exact counters', async () => {
    const { agentId, toolId } = await createAgent(t, {
      modelId: MODEL_OF.google,
      toolBaseUrl: tools.baseUrl,
    })
    fake.enqueue(
      {
        toolCalls: [{ name: 'lookup', arguments: { id: 'g-7' } }],
        usage: { input: 13, output: 4 },
      },
      { text: 'Record g-7 was found.', usage: { input: 29, output: 6 } },
    )
    const before = fake.requests.length
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'Find g-7' },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const id = created.body.metadata.id
    const done = await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    assert.equal(done.status.state, 'STATE_WAITING', JSON.stringify(done.status))

    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'assistantMessage',
    ])
    // Event ids sort like the events themselves (the single tool call's start commits with the
    // assistant turn, and still gets the later id).
    const ids = events.map((e) => e.metadata.id)
    assert.deepEqual([...ids].sort(), ids)
    const call = events[1].data.assistantMessage.toolCalls[0]
    assert.equal(call.functionName, 'lookup')
    assert.equal(call.tool.tool.id, toolId)
    assert.deepEqual(JSON.parse(events[3].data.toolResult.content), { id: 'g-7', found: true })
    assert.equal(events[4].data.assistantMessage.content, 'Record g-7 was found.')
    assert.equal(tools.requests.at(-1)!.url, '/lookup/g-7')

    const obj = await t.api('GET', `/v1/objectives/${id}`)
    assert.equal(obj.body.info.totalInputTokens, 42)
    assert.equal(obj.body.info.totalOutputTokens, 10)
    assert.equal(obj.body.info.totalToolCalls, 1)

    // Both requests went to the model's generateContent path with the key header, the system
    // prompt as systemInstruction and the tool as a function declaration; the second carried
    // the tool's result back as a functionResponse.
    const [first, second] = fake.requests.slice(before)
    assert.equal(first!.path, '/v1beta/models/gemini-2.5-flash:generateContent')
    assert.equal(first!.headers['x-goog-api-key'], 'fake-key')
    assert.match(JSON.stringify(first!.body.systemInstruction), /You look records up/)
    assert.equal(first!.body.tools[0].functionDeclarations[0].name, 'lookup')
    const parts = second!.body.contents.flatMap((c: any) => c.parts)
    const response = parts.find((p: any) => p.functionResponse)?.functionResponse
    assert.equal(response?.name, 'lookup')
    assert.match(JSON.stringify(response.response), /g-7/)
  })

  it("a Gemini error fails the objective with the provider's message", async () => {
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.google,
      toolBaseUrl: tools.baseUrl,
    })
    fake.enqueue({ status: 400, errorMessage: 'API key not valid. Please pass a valid API key.' })
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'hello' },
    })
    const done = await waitForState(t, created.body.metadata.id, ['STATE_FAILED', 'STATE_WAITING'])
    assert.equal(done.status.state, 'STATE_FAILED')
    const events = await allEvents(t, created.body.metadata.id)
    assert.equal(events.at(-1).data.type, 'error')
    assert.match(JSON.stringify(events.at(-1).data), /API key not valid/)
  })
})
