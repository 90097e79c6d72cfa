import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FakeProvider, FakeRequest } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  eventTypes,
  waitForState,
  startEngineTest,
  until,
  type EngineTest,
  type ToolServer,
} from './support/objectives.ts'
import type { TestSortie } from './support/sortie.ts'

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let engine: EngineTest
/** One tool set of 200 HTTP tools; `lookup_weather_7` is the one the scenarios look for. */
let toolSetId: string
const TOOL_COUNT = 200

const SUBJECTS = [
  'invoice',
  'customer',
  'order',
  'shipment',
  'weather',
  'ticket',
  'refund',
  'stock',
]

before(async () => {
  engine = await startEngineTest()
  ;({ t, fake, tools } = engine)
  const set = await t.api('POST', '/v1/tool_sets', {
    metadata: { name: 'many' },
    spec: { adapter: { http: { baseUrl: tools.baseUrl } } },
  })
  assert.equal(set.status, 200, JSON.stringify(set.body))
  toolSetId = set.body.metadata.id
  for (let i = 0; i < TOOL_COUNT; i++) {
    const subject = SUBJECTS[i % SUBJECTS.length]!
    const res = await t.api('POST', `/v1/tool_sets/${toolSetId}/tools`, {
      metadata: { name: `lookup_${subject}_${i}` },
      spec: {
        description: `Looks up a ${subject} record by its id and returns its fields as JSON.`,
        parameters: {
          type: 'object',
          properties: { id: { type: 'string', description: `the ${subject} id` } },
          required: ['id'],
        },
        config: { http: { requestMethod: 'GET', path: `/lookup/${subject}-{{ id }}` } },
      },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
  }
})
after(() => engine?.close())

/** An agent with one variation whose spec adds `extra`, assigned the whole tool set. */
async function agentWith(extra: Record<string, unknown>): Promise<string> {
  const agent = await t.api('POST', '/v1/agents', {
    metadata: { name: `agent-${Math.random().toString(36).slice(2)}` },
    spec: { status: 'AGENT_STATUS_PUBLISHED' },
    defaultVariation: {
      metadata: { name: 'v1' },
      spec: { prompt: 'You look records up.', modelConfig: { modelId: MODEL_OF.openai }, ...extra },
    },
  })
  assert.equal(agent.status, 200, JSON.stringify(agent.body))
  const vars = await t.api('GET', `/v1/agents/${agent.body.metadata.id}/variations`)
  const variationId = vars.body.items[0].metadata.id
  const assigned = await t.api('POST', `/v1/agent_variations/${variationId}/assignments`, {
    toolSetId,
  })
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body))
  return agent.body.metadata.id
}

async function startObjective(agentId: string, message: string): Promise<string> {
  const created = await t.api('POST', '/v1/objectives', {
    agentId,
    data: { initialMessage: message },
  })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  return created.body.metadata.id
}

const toolNames = (req: FakeRequest): string[] =>
  (req.body.tools ?? []).map((x: any) => x.function.name)
const toolBytes = (req: FakeRequest): number =>
  Buffer.byteLength(JSON.stringify(req.body.tools ?? []))

/** The content of the tool result the model was sent last (OpenAI wire: role "tool"). */
const lastToolResult = (req: FakeRequest): string =>
  req.body.messages.filter((m: any) => m.role === 'tool').at(-1)?.content

describe('progressive tool discovery', () => {
  it('with 200 tools the first request carries under 4 KB of tool definitions; the model searches, loads and calls one tool, which runs and stays loaded in later turns', async () => {
    const agentId = await agentWith({ progressiveDiscovery: { maxTools: 5, hints: ['weather'] } })
    fake.enqueue(
      { toolCalls: [{ name: 'tool_search', arguments: { query: 'weather lookup' } }] },
      // Calling a tool before loading it is refused with the way to load it.
      { toolCalls: [{ name: 'lookup_weather_4', arguments: { id: 'x' } }] },
      { toolCalls: [{ name: 'tool_load', arguments: { names: ['lookup_weather_4', 'nope'] } }] },
      { toolCalls: [{ name: 'lookup_weather_4', arguments: { id: 'paris' } }] },
      { text: 'sunny' },
    )
    const first = fake.requests.length
    const id = await startObjective(agentId, 'weather in paris?')
    await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    const reqs = fake.requests.slice(first)
    assert.equal(reqs.length, 5)

    const bytes = toolBytes(reqs[0]!)
    assert.ok(bytes < 4096, `first request carries ${bytes} bytes of tools`)
    assert.deepEqual(toolNames(reqs[0]!).sort(), ['sortie_tasks', 'tool_load', 'tool_search'])
    assert.match(
      reqs[0]!.body.tools.find((x: any) => x.function.name === 'tool_search').function.description,
      /200 tools.*Hints: weather/,
    )

    // Search: bounded by maxTools, names with short descriptions, the best matches first.
    const found = JSON.parse(lastToolResult(reqs[1]!))
    assert.equal(found.tools.length, 5)
    // Every tool matches "lookup"; the ones that also match "weather" rank first.
    assert.equal(found.matched, TOOL_COUNT)
    for (const hit of found.tools) {
      assert.match(hit.name, /^lookup_weather_\d+$/)
      assert.match(hit.description, /weather record/)
      assert.equal(hit.loaded, false)
    }

    // The unloaded call: a toolError that says how to load it; still not offered.
    assert.match(lastToolResult(reqs[2]!), /not loaded yet: call tool_load/)
    assert.ok(!toolNames(reqs[2]!).includes('lookup_weather_4'))

    // Loaded: the tool's full schema is in every request from the next one on.
    assert.deepEqual(JSON.parse(lastToolResult(reqs[3]!)), {
      loaded: ['lookup_weather_4'],
      unknown: ['nope'],
    })
    for (const req of reqs.slice(3)) {
      const loaded = req.body.tools.find((x: any) => x.function.name === 'lookup_weather_4')
      assert.ok(loaded, 'the loaded tool is offered')
      assert.deepEqual(loaded.function.parameters.required, ['id'])
      assert.equal(toolNames(req).length, 4)
    }
    assert.ok(tools.requests.some((r) => r.url === '/lookup/weather-paris'))
    assert.deepEqual(JSON.parse(lastToolResult(reqs[4]!)), { id: 'weather-paris', found: true })

    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'assistantMessage',
      'toolError',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'assistantMessage',
    ])
    const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls`)
    const search = calls.body.items.find((c: any) => c.data.callable.cadenyaProvidedTool?.name)
    assert.equal(search.data.callable.cadenyaProvidedTool.name, 'tool_search')

    // A new run of the objective (continue) rebuilds the loaded set from the recorded calls.
    fake.enqueue({ text: 'still sunny' })
    const next = fake.requests.length
    const cont = await t.api('POST', `/v1/objectives/${id}/continue`, { message: 'and now?' })
    assert.equal(cont.status, 200, JSON.stringify(cont.body))
    await until(() => fake.requests.length > next, 'the continued turn')
    assert.ok(toolNames(fake.requests[next]!).includes('lookup_weather_4'))
    assert.equal(toolNames(fake.requests[next]!).length, 4)
  })

  it('seed-004 toolSelection.autoDiscovery turns discovery on too, and its callable tools list the two built-ins', async () => {
    const agentId = await agentWith({ toolSelection: { autoDiscovery: { maxTools: 3 } } })
    fake.enqueue(
      { toolCalls: [{ name: 'tool_search', arguments: { query: 'refund' } }] },
      { text: 'ok' },
    )
    const first = fake.requests.length
    const id = await startObjective(agentId, 'refunds?')
    await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    assert.ok(toolBytes(fake.requests[first]!) < 4096)
    assert.equal(JSON.parse(lastToolResult(fake.requests[first + 1]!)).tools.length, 3)
    const got = await t.api('GET', `/v1/objectives/${id}?includeInfo=true`)
    const builtins = got.body.info.callableTools
      .filter((c: any) => c.cadenyaProvidedTool)
      .map((c: any) => c.cadenyaProvidedTool.name)
    assert.ok(builtins.includes('tool_search') && builtins.includes('tool_load'), builtins)
    const listed = await t.api('GET', `/v1/objectives/${id}/tools?limit=500`)
    const names = listed.body.items.map((x: any) => x.metadata.name)
    assert.ok(names.includes('tool_search') && names.includes('tool_load'), names)
    assert.equal(names.length, TOOL_COUNT + 2)
  })

  it("a variation written with one era's discovery name reads with the other era's name on the other family, and keeps what was written", async () => {
    const ws = `/v1/workspaces/${t.workspaceId}`
    const seed004 = await agentWith({
      toolSelection: { autoDiscovery: { hints: ['billing'], maxTools: 4 } },
    })
    const read004 = await t.api('GET', `${ws}/agents/${seed004}/variations`)
    assert.deepEqual(read004.body.items[0].spec.progressiveDiscovery, {
      hints: ['billing'],
      maxTools: 4,
    })
    assert.deepEqual(read004.body.items[0].spec.toolSelection, {
      autoDiscovery: { hints: ['billing'], maxTools: 4 },
    })
    const seed003 = await agentWith({ progressiveDiscovery: { maxTools: 6, rerankThreshold: 0.8 } })
    const read003 = await t.api('GET', `/v1/agents/${seed003}/variations`)
    const spec = read003.body.items[0].spec
    assert.deepEqual(spec.toolSelection, { autoDiscovery: { maxTools: 6 } })
    assert.deepEqual(spec.progressiveDiscovery, { maxTools: 6, rerankThreshold: 0.8 })
    const one = await t.api(
      'GET',
      `/v1/agents/${seed003}/variations/${read003.body.items[0].metadata.id}`,
    )
    assert.deepEqual(one.body.spec.toolSelection, { autoDiscovery: { maxTools: 6 } })
    // The objective's variation snapshot reads the same way.
    fake.enqueue({ text: 'ok' })
    const id = await startObjective(seed004, 'hi')
    await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    const got = await t.api('GET', `${ws}/objectives/${id}`)
    assert.deepEqual(got.body.data.variation.spec.progressiveDiscovery, {
      hints: ['billing'],
      maxTools: 4,
    })
  })

  it('without discovery (or with assignedTools) every assigned tool is offered, as before', async () => {
    for (const extra of [{}, { toolSelection: { assignedTools: { allowDiscovery: true } } }]) {
      const agentId = await agentWith(extra)
      fake.enqueue({ text: 'ok' })
      const first = fake.requests.length
      const id = await startObjective(agentId, 'hi')
      await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
      const names = toolNames(fake.requests[first]!)
      assert.equal(names.length, TOOL_COUNT + 1)
      assert.ok(!names.includes('tool_search'))
    }
  })
})
