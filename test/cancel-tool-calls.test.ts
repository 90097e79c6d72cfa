import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFakeProvider, type FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  providerEnv,
  startToolServer,
  waitForState,
  type ToolServer,
} from './support/objectives.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
let fake: FakeProvider
let slowTools: ToolServer
before(async () => {
  fake = await startFakeProvider('openai')
  slowTools = await startToolServer(30_000)
  t = await startTestSortie(providerEnv([fake]), { worker: true })
})
after(async () => {
  await t?.sortie.stop()
  await slowTools?.close()
  await fake?.close()
})

describe('cancel settles unfinished tool calls', () => {
  it('a tool call running when its objective is cancelled ends ERRORED, and cancelled stays the last event', async () => {
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: slowTools.baseUrl,
    })
    fake.enqueue({ toolCalls: [{ name: 'lookup', arguments: { id: 'slow' } }] })
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'look it up' },
    })
    const id = created.body.metadata.id
    const deadline = Date.now() + 15_000
    for (;;) {
      const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls`)
      const running = calls.body.items[0]?.executionStatus === 'TOOL_CALL_EXECUTION_STATUS_RUNNING'
      if (running && slowTools.requests.length > 0) break
      assert.ok(Date.now() < deadline, 'the tool call started')
      await new Promise((r) => setTimeout(r, 20))
    }
    const cancelled = await t.api('POST', `/v1/objectives/${id}/cancel`, { reason: 'enough' })
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body))
    await waitForState(t, id, ['STATE_CANCELLED'])
    const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls`)
    assert.equal(calls.body.items[0].executionStatus, 'TOOL_CALL_EXECUTION_STATUS_ERRORED')
    assert.equal(calls.body.items[0].data.result, 'the objective was cancelled')
    const events = await allEvents(t, id)
    assert.equal(events.at(-1).data.type, 'cancelled')
  })
})
