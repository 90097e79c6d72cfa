/**
 * A seed-003 era client (the June 2026 Ruby SDK), written from the API reference's section 6 (and
 * the shapes of sections 2-5 it amends) only: every workspace-scoped call under
 * `/v1/workspaces/{workspaceId}/...`, request bodies and query parameters in the snake_case of
 * the Ruby keyword arguments (the transcoder accepts both), responses read in camelCase, lists
 * auto-paged by `pagination.nextCursor`, and a typed reader that checks every field the era's
 * types declare. It runs a whole objective scenario against the fake provider, with the era's
 * `progressiveDiscovery` on; no call may fail on a type or a required field.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  startEngineTest,
  type EngineTest,
  type ToolServer,
} from './support/objectives.ts'
import { E, M, shapeErrors, type Shape } from './support/shapes.ts'
import type { TestSortie } from './support/sortie.ts'

// ---- The era's types (API reference section 6 over sections 2.3, 3 and 3.1) ----

const labels = M('string')
const RM: Shape = {
  id: 'string',
  accountId: 'string',
  createdAt: 'ts',
  name: 'string',
  profileId: 'string',
  workspaceId: 'string',
  'bundleKey?': 'string',
  'externalId?': 'string',
  'labels?': labels,
}
const OM: Shape = {
  id: 'string',
  accountId: 'string',
  createdAt: 'ts',
  profileId: 'string',
  workspaceId: 'string',
  'externalId?': 'string',
  'labels?': labels,
}
const AM: Shape = {
  id: 'string',
  accountId: 'string',
  name: 'string',
  profileId: 'string',
  'externalId?': 'string',
  'labels?': labels,
}
const BM: Shape = { 'id?': 'string', 'name?': 'string' }
const Profile: Shape = {
  metadata: AM,
  spec: {
    type: E(
      'PROFILE_TYPE_UNSPECIFIED',
      'PROFILE_TYPE_USER',
      'PROFILE_TYPE_API_KEY',
      'PROFILE_TYPE_SYSTEM',
    ),
    'email?': 'string',
    'name?': 'string',
  },
}
const MemoryReference: Shape = { 'memoryEntryId?': 'string', 'memoryLayerId?': 'string' }
const AgentSpec: Shape = {
  status: E(
    'AGENT_STATUS_UNSPECIFIED',
    'AGENT_STATUS_DRAFT',
    'AGENT_STATUS_PUBLISHED',
    'AGENT_STATUS_ARCHIVED',
  ),
  variationSelectionMode: E(
    'VARIATION_SELECTION_MODE_UNSPECIFIED',
    'VARIATION_SELECTION_MODE_RANDOM',
    'VARIATION_SELECTION_MODE_WEIGHTED',
  ),
  'description?': 'string',
  'inputDataSchema?': 'object',
  'outputDefinition?': 'object',
  'webhookEventsUrl?': 'string',
}
const Agent: Shape = {
  metadata: RM,
  spec: AgentSpec,
  'info?': { 'createdBy?': Profile, 'variationCount?': 'int' },
}
const VariationAssignment: Shape = { 'id?': 'string', 'tool?': BM, 'toolSet?': BM, 'agent?': BM }
const AgentVariation: Shape = {
  metadata: RM,
  spec: {
    'compactionConfig?': {
      'summarization?': { 'instructions?': 'string' },
      'toolResultClearing?': { 'preserveRecentResults?': 'int' },
      'triggerThreshold?': 'number',
    },
    'constraints?': { 'maxSubObjectives?': 'int', 'maxToolCalls?': 'int' },
    'description?': 'string',
    'enableEpisodicMemory?': 'boolean',
    'episodicMemoryTtl?': 'int',
    'modelConfig?': { 'modelId?': 'string', 'temperature?': 'number' },
    'progressiveDiscovery?': {
      'hints?': ['string'],
      'maxTools?': 'int',
      'rerankThreshold?': 'number',
    },
    'prompt?': 'string',
    'weight?': 'int',
  },
  'info?': {
    'assignments?': [VariationAssignment],
    'createdBy?': Profile,
    'feedbackCount?': 'int',
    'memoryLayerAssignments?': [{ 'id?': 'string', 'memoryLayer?': BM, 'position?': 'int' }],
    'memoryLayerCount?': 'int',
    'model?': RM,
    'score?': 'number',
    'subAgentCount?': 'int',
    'toolCount?': 'int',
    'toolSetCount?': 'int',
  },
}
const ToolSet: Shape = {
  metadata: RM,
  spec: {
    'description?': 'string',
    'adapter?': {
      'http?': { 'baseUrl?': 'string', 'headers?': M('string') },
      'mcp?': 'object',
      'openapi?': 'object',
    },
  },
  'info?': { 'agentCount?': 'int', 'createdBy?': Profile, 'lastSync?': 'ts', 'toolCount?': 'int' },
}
const Tool: Shape = {
  metadata: RM,
  spec: {
    config: {
      'http?': {
        requestMethod: E('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        'path?': 'string',
        'query?': 'string',
        'headers?': M('string'),
        'requestBodyTemplate?': 'string',
        'requestBodyContentType?': 'string',
        'toolName?': 'string',
      },
      'mcp?': 'object',
      'openapi?': 'object',
    },
    description: 'string',
    parameters: 'object',
    status: E(
      'TOOL_STATUS_UNSPECIFIED',
      'TOOL_STATUS_AVAILABLE',
      'TOOL_STATUS_OMITTED',
      'TOOL_STATUS_ARCHIVED',
    ),
    'requiresApproval?': 'boolean',
  },
  'info?': { 'createdBy?': Profile, 'toolSet?': RM },
}
const WindowData: Shape = {
  'completionTokens?': 'int',
  'objectiveId?': 'string',
  'previousWindowContinueInstructions?': 'string',
  'promptTokens?': 'int',
  'sequence?': 'int',
}
const OpInfo: Shape = { 'createdBy?': Profile, 'objective?': OM }
const ContextWindow: Shape = { data: WindowData, metadata: OM, 'info?': OpInfo }
const Objective: Shape = {
  data: {
    'agent?': Agent,
    'data?': 'json',
    'initialMessage?': 'string',
    'memoryStack?': [MemoryReference],
    'output?': 'object',
    'outputDefinition?': 'object',
    'parentObjectiveId?': 'string',
    'secrets?': [{ 'name?': 'string', 'value?': 'string' }],
    'sourceScheduleId?': 'string',
    'systemPrompt?': 'string',
    'variation?': AgentVariation,
  },
  metadata: OM,
  status: {
    state: E(
      'STATE_UNSPECIFIED',
      'STATE_PENDING',
      'STATE_RUNNING',
      'STATE_WAITING',
      'STATE_FAILED',
      'STATE_CANCELLED',
      'STATE_FINALIZED',
    ),
    'message?': 'string',
  },
  'info?': {
    'agent?': RM,
    'agentVariation?': RM,
    'createdBy?': Profile,
    'effectiveMemoryStack?': [MemoryReference],
    'totalContextWindows?': 'int',
    'totalEvents?': 'int',
    'totalInputTokens?': 'int',
    'totalOutputTokens?': 'int',
    'totalToolCalls?': 'int',
  },
  'lastFiveWindows?': [ContextWindow],
}
const callId: Shape = { 'toolCallId?': 'string' }
const EVENT_KEYS = [
  'userMessage',
  'assistantMessage',
  'toolApprovalRequested',
  'toolApproved',
  'toolDenied',
  'toolCalled',
  'toolResult',
  'toolError',
  'error',
  'contextWindowCompacted',
  'cancelled',
  'finalized',
  'memoryRead',
  'subAgentSpawned',
  'subAgentUpdated',
]
const CallableTool: Shape = { 'tool?': RM, 'agent?': RM, 'cadenyaProvidedTool?': RM }
const ObjectiveEvent: Shape = {
  metadata: OM,
  data: {
    'type?': 'string',
    'userMessage?': { 'content?': 'string' },
    'assistantMessage?': {
      'content?': 'string',
      'toolCalls?': [{ 'arguments?': 'string', 'functionName?': 'string', 'tool?': CallableTool }],
    },
    'toolApprovalRequested?': callId,
    'toolApproved?': callId,
    'toolDenied?': { 'toolCallId?': 'string', 'memo?': 'string' },
    'toolCalled?': callId,
    'toolResult?': { 'toolCallId?': 'string', 'content?': 'string' },
    'toolError?': { 'toolCallId?': 'string', 'message?': 'string' },
    'error?': { 'type?': 'string', 'message?': 'string' },
    'contextWindowCompacted?': {
      'messagesCompacted?': 'int',
      'newContextWindow?': WindowData,
      'strategies?': ['string'],
      'summary?': 'string',
    },
    'cancelled?': { 'message?': 'string' },
    'finalized?': { 'output?': 'object' },
    'memoryRead?': { 'memoryLayerId?': 'string', 'memoryEntryId?': 'string', 'message?': 'string' },
    'subAgentSpawned?': 'object',
    'subAgentUpdated?': 'object',
  },
  'contextWindowId?': 'string',
  'info?': OpInfo,
}
const ToolCall: Shape = {
  metadata: OM,
  data: {
    callable: CallableTool,
    'arguments?': 'object',
    'memo?': 'string',
    'result?': 'string',
    'statusChangedBy?': Profile,
  },
  status: E(
    'TOOL_CALL_STATUS_UNSPECIFIED',
    'TOOL_CALL_STATUS_AUTO_APPROVED',
    'TOOL_CALL_STATUS_WAITING_FOR_APPROVAL',
    'TOOL_CALL_STATUS_APPROVED',
    'TOOL_CALL_STATUS_DENIED',
  ),
  'executionStatus?': E(
    'TOOL_CALL_EXECUTION_STATUS_UNSPECIFIED',
    'TOOL_CALL_EXECUTION_STATUS_PENDING',
    'TOOL_CALL_EXECUTION_STATUS_RUNNING',
    'TOOL_CALL_EXECUTION_STATUS_COMPLETED',
    'TOOL_CALL_EXECUTION_STATUS_ERRORED',
  ),
  'info?': OpInfo,
}
const ObjectiveTool: Shape = { metadata: BM, 'snapshot?': Tool }
const ObjectiveTask: Shape = {
  metadata: BM,
  data: { number: 'int', task: 'string', completed: 'boolean', 'completedAt?': 'ts' },
}
const Feedback: Shape = {
  metadata: OM,
  data: { 'score?': 'number', 'comment?': 'string' },
  'info?': { 'submittedBy?': Profile, 'objective?': BM, 'agentVariation?': BM },
}
const Page: Shape = { items: ['json'], pagination: { 'nextCursor?': 'string', 'total?': 'int' } }

// ---- The client ----

class Seed003Client {
  constructor(
    private readonly t: TestSortie,
    private readonly workspaceId: string,
  ) {}

  private path(rest: string): string {
    return `/v1/workspaces/${this.workspaceId}${rest}`
  }

  /** One call under the workspace; anything but a 2xx fails, as the Ruby client raises. */
  async call(method: string, rest: string, body?: unknown, shape?: Shape): Promise<any> {
    const path = this.path(rest)
    const res = await this.t.api(method, path, body, {
      headers: { 'user-agent': 'Cadenya/Ruby 0.1.0' },
    })
    assert.ok(
      res.status >= 200 && res.status < 300,
      `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`,
    )
    if (shape) read(res.body, shape, `${method} ${path}`)
    return res.body
  }

  /** `auto_paging_each`: pages of `limit` items, next page by `pagination.nextCursor`. */
  async list(rest: string, item: Shape, query: Record<string, string> = {}, limit = 2) {
    const items: any[] = []
    let cursor = ''
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 100, `${rest} keeps paging`)
      const q = new URLSearchParams({
        ...query,
        limit: String(limit),
        ...(cursor ? { cursor } : {}),
      })
      const page = await this.call('GET', `${rest}?${q}`, undefined, Page)
      for (const it of page.items) read(it, item, `${rest} item`)
      assert.ok(page.items.length <= limit)
      items.push(...page.items)
      cursor = page.pagination.nextCursor ?? ''
      if (!cursor) return items
    }
  }
}

function read(value: unknown, shape: Shape, what: string): void {
  assert.deepEqual(shapeErrors(value, shape), [], `${what} does not read as the era's type`)
}

// ---- The scenario ----

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let engine: EngineTest
let client: Seed003Client
before(async () => {
  engine = await startEngineTest()
  ;({ t, fake, tools } = engine)
  client = new Seed003Client(t, t.workspaceId)
})
after(() => engine?.close())

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const got = await probe()
    if (got !== undefined) return got
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const stateOf = (id: string, states: string[]) =>
  until(`objective ${id} in ${states}`, async () => {
    const o = await client.call('GET', `/objectives/${id}`, undefined, Objective)
    return states.includes(o.status.state) ? o : undefined
  })

/** WAITING with the turn over: the latest event is the model's answer `text`. */
const turnOver = (id: string, text: string) =>
  until(`objective ${id} to answer ${JSON.stringify(text)}`, async () => {
    const [latest] = (
      await client.call('GET', `/objectives/${id}/events?sort_order=desc&limit=1`, undefined, Page)
    ).items
    if (latest?.data.assistantMessage?.content !== text) return undefined
    return stateOf(id, ['STATE_WAITING'])
  })

const waitingCall = (id: string) =>
  until(`a call of ${id} waiting for approval`, async () => {
    const calls = await client.list(`/objectives/${id}/tool_calls`, ToolCall, {
      status: 'TOOL_CALL_STATUS_WAITING_FOR_APPROVAL',
    })
    return calls[0]
  })

describe('a seed-003 era client (Ruby SDK, workspace in the path)', () => {
  it('runs a full objective scenario with snake_case requests, every response reading as its declared type and every list auto-paged', async () => {
    // Tool set, a tool with a query template, and one that needs approval.
    const set = await client.call(
      'POST',
      '/tool_sets',
      {
        metadata: { name: 'weather-backend', labels: { team: 'era' } },
        spec: { adapter: { http: { base_url: tools.baseUrl } } },
      },
      ToolSet,
    )
    const parameters = {
      type: 'object',
      properties: { id: { type: 'string' }, city: { type: 'string' } },
      required: ['id', 'city'],
    }
    const forecast = await client.call(
      'POST',
      `/tool_sets/${set.metadata.id}/tools`,
      {
        metadata: { name: 'forecast' },
        spec: {
          description: 'Forecast for a city',
          parameters,
          config: {
            http: {
              request_method: 'GET',
              path: '/lookup/{{ id }}',
              query: 'units=metric&city={{ city }}',
            },
          },
        },
      },
      Tool,
    )
    assert.equal(forecast.spec.config.http.query, 'units=metric&city={{ city }}')
    await client.call(
      'POST',
      `/tool_sets/${set.metadata.id}/tools`,
      {
        metadata: { name: 'alert' },
        spec: {
          description: 'Sends a weather alert',
          parameters,
          requires_approval: true,
          config: { http: { request_method: 'GET', path: '/lookup/alert-{{ id }}' } },
        },
      },
      Tool,
    )
    assert.equal((await client.list(`/tool_sets/${set.metadata.id}/tools`, Tool, {}, 1)).length, 2)
    assert.ok((await client.list('/tool_sets', ToolSet, { include_info: 'true' }, 1)).length >= 1)

    // Agent, its variation with the era's progressive discovery, assigned the tool set.
    const agent = await client.call(
      'POST',
      '/agents',
      {
        metadata: { name: 'era-003-agent' },
        spec: { status: 'AGENT_STATUS_PUBLISHED', description: 'weather agent' },
        default_variation: {
          metadata: { name: 'default' },
          spec: {
            prompt: 'You answer weather questions.',
            model_config: { model_id: MODEL_OF.openai, temperature: 0.2 },
            progressive_discovery: { hints: ['weather'], max_tools: 5, rerank_threshold: 0.8 },
          },
        },
      },
      Agent,
    )
    const agentId = agent.metadata.id
    const variations = await client.list(`/agents/${agentId}/variations`, AgentVariation, {
      include_info: 'true',
    })
    assert.equal(variations.length, 1)
    const variation = variations[0]
    assert.deepEqual(variation.spec.progressiveDiscovery, {
      hints: ['weather'],
      maxTools: 5,
      rerankThreshold: 0.8,
    })
    await client.call(
      'POST',
      `/agents/${agentId}/variations/${variation.metadata.id}/assignments`,
      { tool_set_id: set.metadata.id },
      VariationAssignment,
    )
    await client.call('GET', `/agents/${agentId}`, undefined, Agent)
    await client.list('/agents', Agent, { include_info: 'true', sort_order: 'asc' }, 1)

    // Objective: the model loads the tools, calls one with the query template, then one that
    // waits for approval.
    fake.enqueue(
      { toolCalls: [{ name: 'tool_load', arguments: { names: ['forecast', 'alert'] } }] },
      { toolCalls: [{ name: 'forecast', arguments: { id: '7', city: 'Paris' } }] },
      { toolCalls: [{ name: 'alert', arguments: { id: '8', city: 'Paris' } }] },
      { text: 'Sunny, alert sent.' },
    )
    const created = await client.call(
      'POST',
      '/objectives',
      {
        agent_id: agentId,
        data: { initial_message: 'Weather in Paris?', data: { city: 'Paris' }, secrets: [] },
        metadata: { external_id: 'era-003-obj', labels: { era: '003' } },
      },
      Objective,
    )
    const id = created.metadata.id
    const waiting = await waitingCall(id)
    assert.equal(waiting.data.callable.tool.name, 'alert')
    assert.equal((await stateOf(id, ['STATE_WAITING'])).status.state, 'STATE_WAITING')
    assert.ok(tools.requests.some((r) => r.url === '/lookup/7?units=metric&city=Paris'))
    const approved = await client.call(
      'PUT',
      `/objectives/${id}/tool_calls/${waiting.metadata.id}/approve`,
      {},
      ToolCall,
    )
    assert.equal(approved.status, 'TOOL_CALL_STATUS_APPROVED')
    await turnOver(id, 'Sunny, alert sent.')

    // Continue with a message: the model calls the approval tool again and is denied.
    fake.enqueue(
      { toolCalls: [{ name: 'alert', arguments: { id: '9', city: 'Lyon' } }] },
      { text: 'Not sent.' },
    )
    const userEvent = await client.call(
      'POST',
      `/objectives/${id}/continue`,
      { message: 'And Lyon?' },
      ObjectiveEvent,
    )
    assert.equal(userEvent.data.userMessage.content, 'And Lyon?')
    const second = await waitingCall(id)
    const denied = await client.call(
      'PUT',
      `/objectives/${id}/tool_calls/${second.metadata.id}/deny`,
      { memo: 'no alerts for Lyon' },
      ToolCall,
    )
    assert.equal(denied.status, 'TOOL_CALL_STATUS_DENIED')
    await turnOver(id, 'Not sent.')

    // Continue without a message: the turn is complete, so nothing runs (docs/api.md 5.4); the
    // answer is the latest event.
    const before = fake.requests.length
    const latest = await client.call('POST', `/objectives/${id}/continue`, {}, ObjectiveEvent)
    assert.equal(latest.data.assistantMessage.content, 'Not sent.')
    assert.equal(fake.requests.length, before)
    const done = await client.call('GET', `/objectives/${id}`, undefined, Objective)
    assert.equal(done.status.state, 'STATE_WAITING')
    assert.ok(done.lastFiveWindows.length >= 1)

    // Reads: events, tool calls, tools, windows, the objective with info, the objective list.
    const events = await client.list(`/objectives/${id}/events`, ObjectiveEvent, {
      include_info: 'true',
      sort_order: 'asc',
    })
    for (const e of events) {
      const keys = EVENT_KEYS.filter((k) => e.data[k] !== undefined)
      assert.equal(keys.length, 1, `one variant per event: ${JSON.stringify(e.data)}`)
      assert.equal(e.data.type, keys[0])
    }
    const kinds = new Set(events.map((e) => e.data.type))
    for (const k of [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'toolApprovalRequested',
      'toolApproved',
      'toolDenied',
    ]) {
      assert.ok(kinds.has(k), `${k} in ${[...kinds]}`)
    }
    const calls = await client.list(`/objectives/${id}/tool_calls`, ToolCall, {
      include_info: 'true',
    })
    assert.deepEqual(calls.map((c) => c.data.callable.tool?.name ?? 'built-in').sort(), [
      'alert',
      'alert',
      'built-in',
      'forecast',
    ])
    const objectiveTools = await client.list(`/objectives/${id}/tools`, ObjectiveTool, {}, 1)
    assert.ok(objectiveTools.length >= 2)
    await client.list(`/objectives/${id}/context_windows`, ContextWindow, { include_info: 'true' })
    const withInfo = await client.call(
      'GET',
      `/objectives/${id}?include_info=true`,
      undefined,
      Objective,
    )
    assert.equal(withInfo.info.agent.id, agentId)
    assert.ok(withInfo.info.totalToolCalls >= 4)

    // Feedback: this era's create requires metadata.
    await client.call(
      'POST',
      `/objectives/${id}/feedback`,
      { metadata: { labels: { source: 'ruby' } }, data: { score: -0.5, comment: 'slow' } },
      Feedback,
    )
    assert.equal((await client.list(`/objectives/${id}/feedback`, Feedback)).length, 1)

    // A failed turn continued without a message runs again over the same conversation, and
    // the model keeps a to-do list with the built-in task tool.
    fake.enqueue(
      { status: 400, errorMessage: 'bad request' },
      {
        toolCalls: [
          { name: 'sortie_tasks', arguments: { operation: 'add', task: 'check the radar' } },
        ],
      },
      { text: 'Planned.' },
    )
    const flaky = await client.call(
      'POST',
      '/objectives',
      { agent_id: agentId, data: { initial_message: 'Plan the day' } },
      Objective,
    )
    const failed = await stateOf(flaky.metadata.id, ['STATE_FAILED'])
    assert.ok(failed.status.message)
    await client.call('POST', `/objectives/${flaky.metadata.id}/continue`, {}, ObjectiveEvent)
    await turnOver(flaky.metadata.id, 'Planned.')
    const tasks = await client.list(`/objectives/${flaky.metadata.id}/tasks`, ObjectiveTask, {
      sort_order: 'asc',
    })
    assert.deepEqual(
      tasks.map((x) => x.data.task),
      ['check the radar'],
    )
    await client.call(
      'GET',
      `/objectives/${flaky.metadata.id}/tasks/${tasks[0].metadata.id}`,
      undefined,
      ObjectiveTask,
    )

    // Cancel an objective while its model call is in flight: a `cancelled` event ends it.
    fake.enqueue({ text: 'slow', delayMs: 10_000 })
    const slow = await client.call(
      'POST',
      '/objectives',
      { agent_id: agentId, data: { initial_message: 'Take your time' } },
      Objective,
    )
    await stateOf(slow.metadata.id, ['STATE_RUNNING'])
    const cancelled = await client.call(
      'POST',
      `/objectives/${slow.metadata.id}/cancel`,
      { reason: 'changed my mind' },
      Objective,
    )
    assert.equal(cancelled.status.state, 'STATE_CANCELLED')
    const slowEvents = await client.list(`/objectives/${slow.metadata.id}/events`, ObjectiveEvent)
    assert.ok(slowEvents.some((e) => e.data.type === 'cancelled'))

    assert.equal((await client.list('/objectives', Objective, { agent_id: agentId }, 1)).length, 3)
    const waitingOnes = await client.list('/objectives', Objective, {
      agent_id: agentId,
      state: 'STATE_WAITING',
    })
    assert.deepEqual(waitingOnes.map((o) => o.metadata.id).sort(), [id, flaky.metadata.id].sort())
  })
})
