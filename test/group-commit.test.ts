import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFakeProvider, type FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  eventTypes,
  providerEnv,
  startToolServer,
  waitForState,
  type ToolServer,
} from './support/objectives.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
before(async () => {
  fake = await startFakeProvider('openai')
  // Every tool answer takes the same time, so the objectives' result steps become ready together.
  tools = await startToolServer(50)
  t = await startTestSortie(providerEnv([fake]), { worker: true })
})
after(async () => {
  await t?.sortie.stop()
  await tools?.close()
  await fake?.close()
})

const TURNS = 3

/** 1e-11 USD units of a decimal dollar string, to compare amounts exactly. */
const units = (usd: string) => {
  const [whole = '0', frac = ''] = usd.split('.')
  return BigInt(whole) * 10n ** 11n + BigInt((frac + '0'.repeat(11)).slice(0, 11))
}

describe('group commit', () => {
  it('objectives whose steps commit together each keep contiguous events, counters equal to their rows, and the model sees every result', async () => {
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    fake.setResponder((req) => {
      const results = (req.body?.messages ?? []).filter((m: any) => m.role === 'tool')
      if (results.length < TURNS) {
        return {
          toolCalls: [{ name: 'lookup', arguments: { id: `r${results.length}` } }],
          usage: { input: 10, output: 2 },
        }
      }
      // The answer names what the last result said: a lost or misplaced result shows here.
      return { text: `last: ${results.at(-1)?.content}`, usage: { input: 10, output: 1 } }
    })
    // The catalogue's prices are US cents per million tokens; amounts compare in 1e-11 USD.
    const model = await t.api('GET', `/v1/models/${MODEL_OF.openai}`)
    assert.equal(model.status, 200, JSON.stringify(model.body))
    const milli = (cents: string) => BigInt(Math.round(Number(cents) * 1000))
    const expectedCost =
      BigInt(10 * (TURNS + 1)) * milli(model.body.spec.inputPricePerMillionTokens) +
      BigInt(2 * TURNS + 1) * milli(model.body.spec.outputPricePerMillionTokens)
    const ids = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const res = await t.api('POST', '/v1/objectives', {
          agentId,
          data: { initialMessage: `objective ${i}` },
        })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        return res.body.metadata.id as string
      }),
    )
    for (const id of ids) {
      await waitForState(t, id, ['STATE_WAITING'])
      const events = await allEvents(t, id)
      const turn = ['assistantMessage', 'toolCalled', 'toolResult']
      assert.deepEqual(eventTypes(events), [
        'userMessage',
        ...Array.from({ length: TURNS }, () => turn).flat(),
        'assistantMessage',
      ])
      const seqs = await t.sortie.deps.db
        .selectFrom('objective_events')
        .select('seq')
        .where('objective_id', '=', id)
        .orderBy('seq')
        .execute()
      assert.deepEqual(
        seqs.map((r) => r.seq),
        events.map((_: any, i: number) => i + 1),
      )
      assert.match(events.at(-1).data.assistantMessage.content, /"id":"r2"/)
      const obj = await t.api('GET', `/v1/objectives/${id}`)
      assert.equal(obj.body.info.totalEvents, events.length)
      assert.equal(obj.body.info.totalToolCalls, TURNS)
      // Model turns are batched too: their call count and cost land on the objective and window.
      assert.equal(obj.body.info.totalModelCalls, TURNS + 1)
      assert.equal(units(obj.body.info.totalCostUsd), expectedCost)
      const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls`)
      assert.deepEqual(
        calls.body.items.map((c: any) => c.executionStatus),
        Array(TURNS).fill('TOOL_CALL_EXECUTION_STATUS_COMPLETED'),
      )
      const windows = await t.api('GET', `/v1/objectives/${id}/context_windows`)
      assert.equal(windows.body.items[0].data.promptTokens, 10 * (TURNS + 1))
      assert.equal(windows.body.items[0].data.completionTokens, 2 * TURNS + 1)
      assert.equal(units(windows.body.items[0].data.costUsd), expectedCost)
    }
  })
})
