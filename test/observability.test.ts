import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { AddressInfo } from 'node:net'
import { startFakeProvider, type FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  eventTypes,
  createAgent,
  providerEnv,
  startToolServer,
  until,
  waitForState,
  type ToolServer,
} from './support/objectives.ts'
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.ts'
import { parsePrometheus, type Exposition } from './support/prometheus.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

const METRICS_TOKEN = 'metrics-token-0123456789abcdef'
/** Written into the prompt and the user's message: it must never reach an exported span. */
const MARKER = 'PROMPT-CONTENT-7f3a91'

let fake: FakeProvider
let tools: ToolServer
let receiver: OtlpReceiver
let t: TestSortie

before(async () => {
  fake = await startFakeProvider('openai')
  tools = await startToolServer()
  receiver = await startOtlpReceiver()
  t = await startTestSortie(
    {
      ...providerEnv([fake]),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      SORTIE_METRICS_TOKEN: METRICS_TOKEN,
    },
    { worker: true },
  )
})
after(async () => {
  await t?.sortie.stop()
  await receiver?.close()
  await tools?.close()
  await fake?.close()
})

async function scrape(s: TestSortie, token = METRICS_TOKEN): Promise<Exposition> {
  const res = await s.sortie.http.app.request('/metrics', {
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(res.status, 200, await res.clone().text())
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  return parsePrometheus(await res.text())
}

/** One objective that calls the lookup tool once, then answers. */
async function runLookupObjective(s: TestSortie) {
  const agent = await createAgent(s, {
    modelId: MODEL_OF.openai,
    toolBaseUrl: tools.baseUrl,
    prompt: `You look records up. ${MARKER}`,
  })
  fake.enqueue(
    { toolCalls: [{ name: 'lookup', arguments: { id: 'r-42' } }], usage: { input: 11, output: 5 } },
    { text: 'Record r-42 was found.', usage: { input: 30, output: 7 } },
  )
  const created = await s.api('POST', '/v1/objectives', {
    agentId: agent.agentId,
    data: { initialMessage: `Find r-42 ${MARKER}` },
  })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const id: string = created.body.metadata.id
  const done = await waitForState(s, id, ['STATE_WAITING', 'STATE_FAILED'])
  assert.equal(done.status.state, 'STATE_WAITING', JSON.stringify(done.status))
  const events = await allEvents(s, id)
  const toolCallId: string = events.find((e) => e.data.type === 'toolCalled').data.toolCalled
    .toolCallId
  return { id, toolCallId, ...agent }
}

function spansOf(objectiveId: string): ReceivedSpan[] {
  return receiver.spans.filter((s) => s.attributes['sortie.objective.id'] === objectiveId)
}

describe('observability', () => {
  let run: Awaited<ReturnType<typeof runLookupObjective>>
  let baseline: Exposition
  let afterRun: Exposition

  before(async () => {
    baseline = await scrape(t)
    run = await runLookupObjective(t)
    afterRun = await scrape(t)
  })

  it('GET /metrics parses as the Prometheus text format and its counters move with a run', () => {
    const delta = (name: string, labels?: Record<string, string>) =>
      afterRun.sum(name, labels) - baseline.sum(name, labels)
    assert.equal(afterRun.types.get('sortie_engine_steps_total'), 'counter')
    assert.equal(afterRun.types.get('sortie_provider_latency_seconds'), 'histogram')
    assert.equal(afterRun.types.get('sortie_objectives'), 'gauge')
    // Model turn, tool call, final model turn: three steps of this process.
    assert.equal(delta('sortie_engine_steps_total', { kind: 'model' }), 2)
    assert.equal(delta('sortie_engine_steps_total', { kind: 'tool' }), 1)
    assert.equal(delta('sortie_engine_step_overhead_seconds_count'), 3)
    const model = { provider: 'openai', model: 'gpt-4.1-mini' }
    assert.equal(delta('sortie_model_tokens_total', { ...model, type: 'input' }), 41)
    assert.equal(delta('sortie_model_tokens_total', { ...model, type: 'output' }), 12)
    assert.equal(delta('sortie_provider_latency_seconds_count', { ...model, outcome: 'ok' }), 2)
    assert.equal(delta('sortie_tool_calls_total', { status: 'completed' }), 1)
    assert.ok(delta('sortie_model_cost_usd_total', model) > 0, 'priced at the catalogue')
    assert.ok(delta('sortie_engine_claim_lag_seconds_count') >= 1)
    assert.ok(afterRun.sum('sortie_objectives', { state: 'WAITING' }) >= 1)
    assert.equal(afterRun.sum('sortie_objectives', { state: 'PENDING' }), 0)
    assert.equal(afterRun.sum('sortie_queue_depth'), 0)
    assert.equal(afterRun.sum('sortie_leases_expired'), 0)
    assert.equal(afterRun.sum('sortie_sse_subscribers'), 0)
  })

  it('one objective turn exports an invoke_agent span with its chat and execute_tool spans as children, GenAI attributes and no prompt content', async () => {
    // The batch processor exports within its schedule (5 s by default).
    await until(() => spansOf(run.id).length >= 4, 'the spans of the run')
    const spans = spansOf(run.id)
    const turns = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'invoke_agent')
    const chats = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat')
    const toolSpans = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'execute_tool')
    assert.equal(turns.length, 1, 'one worker run of the loop')
    assert.equal(chats.length, 2)
    assert.equal(toolSpans.length, 1)
    const turn = turns[0]!
    assert.equal(turn.parentSpanId, undefined)
    for (const child of [...chats, ...toolSpans]) {
      assert.equal(child.traceId, turn.traceId)
      assert.equal(child.parentSpanId, turn.spanId, `${child.name} is a child of the turn`)
    }
    for (const s of spans) {
      assert.equal(s.attributes['gen_ai.agent.id'], run.agentId)
      assert.equal(s.attributes['sortie.variation.id'], run.variationId)
      assert.equal(s.resource['service.name'], 'sortie')
    }
    for (const chat of chats) {
      assert.equal(chat.name, 'chat gpt-4.1-mini')
      assert.equal(chat.kind, 3, 'SPAN_KIND_CLIENT')
      assert.equal(chat.attributes['gen_ai.provider.name'], 'openai')
      assert.equal(chat.attributes['gen_ai.request.model'], 'gpt-4.1-mini')
      const reasons = chat.attributes['gen_ai.response.finish_reasons'] as string[]
      assert.ok(Array.isArray(reasons) && reasons.length === 1 && reasons[0])
    }
    assert.deepEqual(
      chats
        .map((c) => [
          c.attributes['gen_ai.usage.input_tokens'],
          c.attributes['gen_ai.usage.output_tokens'],
        ])
        .sort(),
      [
        [11, 5],
        [30, 7],
      ],
    )
    const tool = toolSpans[0]!
    assert.equal(tool.name, 'execute_tool lookup')
    assert.equal(tool.attributes['gen_ai.tool.name'], 'lookup')
    assert.equal(tool.attributes['gen_ai.tool.call.id'], run.toolCallId)
    assert.equal(tool.attributes['sortie.tool_call.status'], 'completed')
    assert.equal(tool.attributes['gen_ai.tool.call.arguments'], undefined)
    for (const s of spans) {
      for (const key of [
        'gen_ai.input.messages',
        'gen_ai.output.messages',
        'gen_ai.system_instructions',
      ]) {
        assert.equal(s.attributes[key], undefined, `${key} is captured only on request`)
      }
    }
    assert.ok(
      receiver.bodies.every((b) => !b.includes(MARKER) && !b.includes('fake-key')),
      'no prompt, message or credential is exported',
    )
  })

  it("a compaction's summarisation call is a chat span of the turn, and its tokens are counted", async () => {
    const agent = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
      compactionConfig: { triggerThreshold: 0.5, summarization: { instructions: 'Summarise.' } },
    })
    // The first call reports over half the model's context: the run compacts before its next call.
    fake.enqueue(
      {
        toolCalls: [{ name: 'lookup', arguments: { id: 'r-7' } }],
        usage: { input: 600_000, output: 5 },
      },
      { text: 'Looked r-7 up.', usage: { input: 900, output: 17 } },
      { text: 'Done with r-7.', usage: { input: 60, output: 4 } },
    )
    const before = await scrape(t)
    const created = await t.api('POST', '/v1/objectives', {
      agentId: agent.agentId,
      data: { initialMessage: 'Find r-7' },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const id: string = created.body.metadata.id
    const done = await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    assert.equal(done.status.state, 'STATE_WAITING', JSON.stringify(done.status))
    assert.ok(eventTypes(await allEvents(t, id)).includes('contextWindowCompacted'))
    const after = await scrape(t)
    const model = { provider: 'openai', model: 'gpt-4.1-mini' }
    const delta = (type: string) =>
      after.sum('sortie_model_tokens_total', { ...model, type }) -
      before.sum('sortie_model_tokens_total', { ...model, type })
    assert.equal(delta('input'), 600_000 + 900 + 60)
    assert.equal(delta('output'), 5 + 17 + 4)
    await until(() => spansOf(id).length >= 5, 'the spans of the compacting run')
    const spans = spansOf(id)
    const turn = spans.find((s) => s.attributes['gen_ai.operation.name'] === 'invoke_agent')!
    const chats = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat')
    assert.equal(chats.length, 3, 'two turns of the loop and the summarisation call')
    for (const chat of chats) assert.equal(chat.parentSpanId, turn.spanId)
    assert.deepEqual(
      chats
        .map((c) => c.attributes['gen_ai.usage.input_tokens'])
        .sort((a, b) => Number(a) - Number(b)),
      [60, 900, 600_000],
    )
  })

  it("a sub-objective's turn joins its parent's trace, under the span that spawned it", async () => {
    const parent = await createAgent(t, { modelId: MODEL_OF.openai, toolBaseUrl: tools.baseUrl })
    const child = await createAgent(t, { modelId: MODEL_OF.openai, toolBaseUrl: tools.baseUrl })
    const assigned = await t.api('POST', `/v1/agent_variations/${parent.variationId}/assignments`, {
      subAgentId: child.agentId,
    })
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body))
    const tool = (await t.api('GET', `/v1/agents/${child.agentId}`)).body.metadata.name
    // The parent delegates, the child answers, the parent sums up: the calls come in this order.
    fake.enqueue(
      {
        toolCalls: [{ name: tool, arguments: { prompt: 'find r-9' } }],
        usage: { input: 9, output: 3 },
      },
      { text: 'r-9 found.', usage: { input: 7, output: 2 } },
      { text: 'The child found r-9.', usage: { input: 12, output: 4 } },
    )
    const created = await t.api('POST', '/v1/objectives', {
      agentId: parent.agentId,
      data: { initialMessage: 'Delegate r-9' },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const id: string = created.body.metadata.id
    const done = await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    assert.equal(done.status.state, 'STATE_WAITING', JSON.stringify(done.status))
    const kids = await t.api('GET', `/v1/objectives?parentObjectiveId=${id}`)
    const kidId: string = kids.body.items[0].metadata.id
    await until(
      () => spansOf(kidId).some((s) => s.attributes['gen_ai.operation.name'] === 'invoke_agent'),
      "the child's turn span",
    )
    const parentSpans = spansOf(id)
    const kidTurn = spansOf(kidId).find(
      (s) => s.attributes['gen_ai.operation.name'] === 'invoke_agent',
    )!
    const spawner = parentSpans.find((s) => s.spanId === kidTurn.parentSpanId)
    assert.ok(spawner, `the child's turn has a parent span of the parent objective`)
    assert.equal(kidTurn.traceId, spawner.traceId)
    // A sub-agent call is spawned within the parent's turn (or its tool step).
    assert.ok(
      ['invoke_agent', 'execute_tool'].includes(
        String(spawner.attributes['gen_ai.operation.name']),
      ),
    )
    assert.equal(kidTurn.attributes['sortie.parent_objective.id'], id)
  })

  it('with SORTIE_OTEL_CAPTURE_CONTENT=1 the spans carry the messages and tool arguments', async () => {
    const captured = await startOtlpReceiver()
    const c = await startTestSortie(
      {
        ...providerEnv([fake]),
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${captured.endpoint}/v1/traces`,
        SORTIE_OTEL_CAPTURE_CONTENT: '1',
      },
      { worker: true },
    )
    let id = ''
    try {
      id = (await runLookupObjective(c)).id
    } finally {
      // Stopping exports what is buffered.
      await c.sortie.stop()
      await captured.close()
    }
    const spans = captured.spans.filter((s) => s.attributes['sortie.objective.id'] === id)
    const chat = spans.find((s) => s.attributes['gen_ai.operation.name'] === 'chat')!
    assert.match(String(chat.attributes['gen_ai.input.messages']), new RegExp(MARKER))
    assert.match(String(chat.attributes['gen_ai.system_instructions']), new RegExp(MARKER))
    const tool = spans.find((s) => s.attributes['gen_ai.operation.name'] === 'execute_tool')!
    assert.deepEqual(JSON.parse(String(tool.attributes['gen_ai.tool.call.arguments'])), {
      id: 'r-42',
    })
    assert.match(String(tool.attributes['gen_ai.tool.call.result']), /"found":true/)
  })
})

describe('GET /metrics access', () => {
  it('with SORTIE_METRICS_TOKEN it answers only that bearer token, not an API key', async () => {
    const none = await t.api('GET', '/metrics', undefined, { token: null })
    assert.equal(none.status, 401)
    assert.equal(none.body.code, 16)
    const apiKey = await t.api('GET', '/metrics')
    assert.equal(apiKey.status, 401, 'an API key is no metrics token')
    const wrong = await t.api('GET', '/metrics', undefined, { token: `${METRICS_TOKEN}x` })
    assert.equal(wrong.status, 401)
    await scrape(t)
  })

  it('without a token it answers loopback clients only, and refuses proxied or socketless requests', async () => {
    const open = await startTestSortie()
    try {
      const inProcess = await open.api('GET', '/metrics', undefined, { token: null })
      assert.equal(inProcess.status, 403, 'no peer address: not known to be loopback')
      assert.equal(inProcess.body.code, 7)
      assert.match(inProcess.body.message, /SORTIE_METRICS_TOKEN/)
      const address: AddressInfo = await open.sortie.listen('127.0.0.1', 0)
      const url = `http://127.0.0.1:${address.port}/metrics`
      const local = await fetch(url)
      assert.equal(local.status, 200)
      const text = await local.text()
      assert.ok(parsePrometheus(text).types.has('sortie_objectives'))
      const proxied = await fetch(url, { headers: { 'x-forwarded-for': '203.0.113.9' } })
      assert.equal(proxied.status, 403, 'a proxy on this host would make every client loopback')
      await proxied.body?.cancel()
    } finally {
      await open.sortie.stop()
    }
  })

  it("a worker's metrics listener (SORTIE_METRICS_PORT) serves GET /metrics with the same rules and no API", async () => {
    const address = await t.sortie.listenMetrics('127.0.0.1', 0)
    const base = `http://127.0.0.1:${address.port}`
    const refused = await fetch(`${base}/metrics`)
    assert.equal(refused.status, 401, 'the token is required here too, loopback or not')
    assert.equal((await refused.json()).code, 16)
    const res = await fetch(`${base}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    })
    assert.equal(res.status, 200)
    assert.ok(parsePrometheus(await res.text()).types.has('sortie_engine_steps_total'))
    const api = await fetch(`${base}/v1/objectives`, {
      headers: { authorization: `Bearer ${t.token}` },
    })
    assert.equal(api.status, 404)
    await api.body?.cancel()
  })

  it('is documented in /openapi.json outside /v1', async () => {
    const doc = await t.api('GET', '/openapi.json', undefined, { token: null })
    const op = doc.body.paths['/metrics']?.get
    assert.equal(op?.operationId, 'metrics')
    assert.ok(op.responses['200'].content['text/plain'])
  })
})
