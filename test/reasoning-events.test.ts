/**
 * `reasoning{content}` events (HEAD): what a provider returns as reasoning (Anthropic thinking
 * blocks, OpenAI-compatible `reasoning_content`) is stored as an event before the answer, listed,
 * and streamed like every other event.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFakeProvider, type FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  eventTypes,
  providerEnv,
  startEngineTest,
  waitForState,
  type EngineTest,
} from './support/objectives.ts'
import { openStream } from './support/sse.ts'
import type { TestSortie } from './support/sortie.ts'

let e: EngineTest
let t: TestSortie
let openai: FakeProvider
let anthropic: FakeProvider
before(async () => {
  anthropic = await startFakeProvider('anthropic')
  e = await startEngineTest({ env: providerEnv([anthropic]) })
  ;({ t, fake: openai } = e)
})
after(async () => {
  await e?.close()
  await anthropic?.close()
})

const ws = () => `/v1/workspaces/${t.workspaceId}`
let n = 0

async function objectiveOn(modelId: string, message: string): Promise<string> {
  const agent = await t.api('POST', `${ws()}/agents`, {
    metadata: { name: `thinker-${++n}` },
    spec: { status: 'AGENT_STATUS_PUBLISHED' },
    defaultVariation: { metadata: { name: 'v1' }, spec: { modelConfig: { modelId } } },
  })
  assert.equal(agent.status, 200, JSON.stringify(agent.body))
  const created = await t.api('POST', `${ws()}/objectives`, {
    agentId: agent.body.metadata.id,
    data: { initialMessage: message },
  })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  return created.body.metadata.id
}

describe('reasoning events', () => {
  it('Anthropic thinking becomes a reasoning event before the assistant message, listed and streamed', async () => {
    anthropic.enqueue({ reasoning: 'The user wants a sum: 2 + 2 = 4.', text: 'It is 4.' })
    const id = await objectiveOn(MODEL_OF.anthropic, 'what is 2 + 2?')
    await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), ['userMessage', 'reasoning', 'assistantMessage'])
    assert.deepEqual(events[1].data.reasoning, { content: 'The user wants a sum: 2 + 2 = 4.' })
    assert.equal(events[2].data.assistantMessage.content, 'It is 4.')
    const sse = await openStream(t.sortie, t.token, `${ws()}/objectives/${id}/events:stream`)
    assert.equal(sse.status, 200)
    const frames = await sse.collect(3)
    assert.deepEqual(
      frames.map((f) => JSON.parse(f.data)),
      events,
      'the stream serves the reasoning event as the list does',
    )
    await sse.cancel()
  })

  it('OpenAI-compatible reasoning_content becomes a reasoning event; a model that sends none writes none', async () => {
    const key = await t.api('POST', '/v1/ai_provider_keys', {
      metadata: { name: 'local' },
      spec: {
        provider: 'AI_PROVIDER_OPENAI_COMPATIBLE',
        apiKey: 'fake-key',
        baseUrl: openai.baseUrl,
        models: [{ id: 'local/fake-llama-3', name: 'fake-llama-3' }],
      },
    })
    assert.equal(key.status, 200, JSON.stringify(key.body))
    openai.enqueue({ reasoning: 'Count the letters.', text: 'Five.' })
    const id = await objectiveOn('local/fake-llama-3', 'how many letters in "hello"?')
    await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), ['userMessage', 'reasoning', 'assistantMessage'])
    assert.equal(events[1].data.reasoning.content, 'Count the letters.')

    openai.enqueue({ text: 'Plain.' })
    const plain = await objectiveOn(MODEL_OF.openai, 'say plain')
    await waitForState(t, plain, ['STATE_WAITING', 'STATE_FAILED'])
    assert.deepEqual(eventTypes(await allEvents(t, plain)), ['userMessage', 'assistantMessage'])
  })
})
