/**
 * A seed-004 era client (the April 2026 TypeScript SDK), written from the API reference's
 * sections 1-5 only: implicit-workspace paths (`/v1/objectives`...), camelCase bodies, list
 * auto-paging by `pagination.next_cursor` (that SDK's CursorPagination reads the snake_case key),
 * and a typed reader that checks every field the era's types declare. It runs a whole objective
 * scenario against the fake provider; no call may fail on a type or a required field.
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

// ---- The era's types (API reference sections 2.3, 3 and 3.1) ----

const labels = M('string')
const RM: Shape = {
  id: 'string',
  accountId: 'string',
  createdAt: 'ts',
  name: 'string',
  profileId: 'string',
  workspaceId: 'string',
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
    type: E('PROFILE_TYPE_USER', 'PROFILE_TYPE_API_KEY', 'PROFILE_TYPE_SYSTEM'),
    'email?': 'string',
    'name?': 'string',
  },
}
const CallableTool: Shape = { 'tool?': RM, 'agent?': RM, 'cadenyaProvidedTool?': RM }
const CompactionConfig: Shape = {
  'triggerThreshold?': 'number',
  'toolResultClearing?': { 'preserveRecentResults?': 'int' },
  'summarization?': { 'instructions?': 'string' },
}
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
  'webhookEventsUrl?': 'string',
}
const Agent: Shape = {
  metadata: RM,
  spec: AgentSpec,
  'info?': { 'createdBy?': Profile, 'variationCount?': 'int' },
}
const VariationAssignment: Shape = {
  'id?': 'string',
  'tool?': BM,
  'toolSet?': BM,
  'agent?': BM,
}
const AgentVariation: Shape = {
  metadata: RM,
  spec: {
    'compactionConfig?': CompactionConfig,
    'constraints?': { 'maxToolCalls?': 'int', 'maxSubObjectives?': 'int' },
    'description?': 'string',
    'enableEpisodicMemory?': 'boolean',
    'episodicMemoryTtl?': 'int',
    'modelConfig?': { 'modelId?': 'string', 'temperature?': 'number' },
    'prompt?': 'string',
    'toolSelection?': {
      'assignedTools?': { 'allowDiscovery?': 'boolean' },
      'autoDiscovery?': { 'hints?': ['string'], 'maxTools?': 'int' },
    },
    'weight?': 'int',
  },
  'info?': {
    'assignments?': [VariationAssignment],
    'createdBy?': Profile,
    'feedbackCount?': 'int',
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
    'adapter?': { 'http?': { 'baseUrl?': 'string', 'headers?': M('string') }, 'mcp?': 'object' },
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
      'mcp?': { 'toolName?': 'string', 'toolTitle?': 'string', 'toolDescription?': 'string' },
    },
    description: 'string',
    parameters: 'object',
    status: E(
      'TOOL_STATUS_UNSPECIFIED',
      'TOOL_STATUS_AVAILABLE',
      'TOOL_STATUS_FILTERED',
      'TOOL_STATUS_ARCHIVED',
    ),
    'requiresApproval?': 'boolean',
  },
  'info?': { 'createdBy?': Profile, 'toolSet?': RM },
}
const WindowData: Shape = {
  'objectiveId?': 'string',
  'sequence?': 'int',
  'promptTokens?': 'int',
  'completionTokens?': 'int',
  'previousWindowContinueInstructions?': 'string',
}
const OpInfo: Shape = { 'createdBy?': Profile, 'objective?': OM }
const ContextWindow: Shape = { data: WindowData, metadata: OM, 'info?': OpInfo }
const STATES = [
  'STATE_UNSPECIFIED',
  'STATE_PENDING',
  'STATE_RUNNING',
  'STATE_COMPLETED',
  'STATE_FAILED',
  'STATE_CANCELLED',
]
const Objective: Shape = {
  data: {
    'agent?': Agent,
    'data?': 'json',
    'initialMessage?': 'string',
    'parentObjectiveId?': 'string',
    'secrets?': [{ 'name?': 'string', 'value?': 'string' }],
    'systemPrompt?': 'string',
    'variation?': AgentVariation,
  },
  metadata: OM,
  status: { state: E(...STATES), 'message?': 'string' },
  'info?': {
    'callableTools?': [CallableTool],
    'createdBy?': Profile,
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
  'subObjectiveCreated',
  'contextWindowCompacted',
]
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
    'subObjectiveCreated?': { 'metadata?': OM },
    'contextWindowCompacted?': {
      'messagesCompacted?': 'int',
      'newContextWindow?': WindowData,
      'strategies?': ['string'],
      'summary?': 'string',
    },
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
  metadata: BM,
  data: { 'score?': 'number', 'comment?': 'string', 'attributes?': M('string') },
  'info?': { 'submittedBy?': Profile },
}
const Page: Shape = {
  items: ['json'],
  pagination: { 'nextCursor?': 'string', 'next_cursor?': 'string', 'total?': 'int' },
}

// ---- The client ----

class Seed004Client {
  constructor(private readonly t: TestSortie) {}

  /** One call; anything but a 2xx fails, like the SDK's typed errors would. */
  async call(method: string, path: string, body?: unknown, shape?: Shape): Promise<any> {
    const res = await this.t.api(method, path, body, {
      headers: { 'x-stainless-lang': 'js', 'user-agent': 'Cadenya/JS 0.1.0' },
    })
    assert.ok(
      res.status >= 200 && res.status < 300,
      `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`,
    )
    if (shape) read(res.body, shape, `${method} ${path}`)
    return res.body
  }

  /** `for await` over a list: pages of `limit` items, next page by `pagination.next_cursor`. */
  async list(path: string, item: Shape, query: Record<string, string> = {}, limit = 2) {
    const items: any[] = []
    let cursor = ''
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 100, `${path} keeps paging`)
      const q = new URLSearchParams({
        ...query,
        limit: String(limit),
        ...(cursor ? { cursor } : {}),
      })
      const page = await this.call('GET', `${path}?${q}`, undefined, Page)
      for (const it of page.items) read(it, item, `${path} item`)
      assert.ok(page.items.length <= limit)
      items.push(...page.items)
      cursor = page.pagination.next_cursor ?? ''
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
let client: Seed004Client
before(async () => {
  engine = await startEngineTest()
  ;({ t, fake, tools } = engine)
  client = new Seed004Client(t)
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
    const o = await client.call('GET', `/v1/objectives/${id}`, undefined, Objective)
    return states.includes(o.status.state) ? o : undefined
  })

const waitingCall = (id: string) =>
  until(`a call of ${id} waiting for approval`, async () => {
    const calls = await client.list(`/v1/objectives/${id}/tool_calls`, ToolCall, {
      status: 'TOOL_CALL_STATUS_WAITING_FOR_APPROVAL',
    })
    return calls[0]
  })

describe('a seed-004 era client (TS SDK, implicit workspace)', () => {
  it('runs a full objective scenario with every response reading as its declared type and every list auto-paged', async () => {
    // Tool set, a tool with a query template, and one that needs approval.
    const set = await client.call(
      'POST',
      '/v1/tool_sets',
      {
        metadata: { name: 'weather-backend', labels: { team: 'era' } },
        spec: {
          description: 'weather',
          adapter: { http: { baseUrl: tools.baseUrl, headers: {} } },
        },
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
      `/v1/tool_sets/${set.metadata.id}/tools`,
      {
        metadata: { name: 'forecast' },
        spec: {
          description: 'Forecast for a city',
          parameters,
          config: {
            http: {
              requestMethod: 'GET',
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
      `/v1/tool_sets/${set.metadata.id}/tools`,
      {
        metadata: { name: 'alert' },
        spec: {
          description: 'Sends a weather alert',
          parameters,
          requiresApproval: true,
          config: { http: { requestMethod: 'GET', path: '/lookup/alert-{{ id }}' } },
        },
      },
      Tool,
    )
    const setTools = await client.list(`/v1/tool_sets/${set.metadata.id}/tools`, Tool, {}, 1)
    assert.equal(setTools.length, 2)
    assert.ok((await client.list('/v1/tool_sets', ToolSet, {}, 1)).length >= 1)

    // Agent with its default variation, assigned the tool set.
    const agent = await client.call(
      'POST',
      '/v1/agents',
      {
        metadata: { name: 'era-004-agent' },
        spec: { status: 'AGENT_STATUS_PUBLISHED', description: 'weather agent' },
        defaultVariation: {
          metadata: { name: 'default' },
          spec: {
            prompt: 'You answer weather questions.',
            modelConfig: { modelId: MODEL_OF.openai, temperature: 0.2 },
            constraints: { maxToolCalls: 0 },
          },
        },
      },
      Agent,
    )
    const agentId = agent.metadata.id
    const variations = await client.list(`/v1/agents/${agentId}/variations`, AgentVariation, {
      includeInfo: 'true',
    })
    assert.equal(variations.length, 1)
    const variationId = variations[0].metadata.id
    await client.call(
      'POST',
      `/v1/agent_variations/${variationId}/assignments`,
      { toolSetId: set.metadata.id },
      VariationAssignment,
    )
    await client.call('GET', `/v1/agents/${agentId}`, undefined, Agent)
    await client.list('/v1/agents', Agent, { includeInfo: 'true' }, 1)

    // Objective: a tool call with the query template, then a call waiting for approval.
    fake.enqueue(
      { toolCalls: [{ name: 'forecast', arguments: { id: '7', city: 'Paris' } }] },
      { toolCalls: [{ name: 'alert', arguments: { id: '8', city: 'Paris' } }] },
      { text: 'Sunny, alert sent.' },
    )
    const created = await client.call(
      'POST',
      '/v1/objectives',
      {
        agentId,
        data: { initialMessage: 'Weather in Paris?', data: { city: 'Paris' }, secrets: [] },
        metadata: { externalId: 'era-004-obj', labels: { era: '004' } },
      },
      Objective,
    )
    const id = created.metadata.id
    const waiting = await waitingCall(id)
    assert.equal(waiting.data.callable.tool.name, 'alert')
    assert.ok(tools.requests.some((r) => r.url === '/lookup/7?units=metric&city=Paris'))
    const approved = await client.call(
      'PUT',
      `/v1/objectives/${id}/tool_calls/${waiting.metadata.id}/approve`,
      {},
      ToolCall,
    )
    assert.equal(approved.status, 'TOOL_CALL_STATUS_APPROVED')
    await stateOf(id, ['STATE_COMPLETED'])

    // Continue with a message: the model calls the approval tool again and is denied.
    fake.enqueue(
      { toolCalls: [{ name: 'alert', arguments: { id: '9', city: 'Lyon' } }] },
      { text: 'Not sent.' },
    )
    const userEvent = await client.call(
      'POST',
      `/v1/objectives/${id}/continue`,
      { message: 'And Lyon?' },
      ObjectiveEvent,
    )
    assert.equal(userEvent.data.userMessage.content, 'And Lyon?')
    const second = await waitingCall(id)
    const denied = await client.call(
      'PUT',
      `/v1/objectives/${id}/tool_calls/${second.metadata.id}/deny`,
      { memo: 'no alerts for Lyon' },
      ToolCall,
    )
    assert.equal(denied.status, 'TOOL_CALL_STATUS_DENIED')
    await stateOf(id, ['STATE_COMPLETED'])

    // Continue without a message: the turn is complete, so nothing runs (docs/api.md 5.4); the
    // answer is the latest event.
    const before = fake.requests.length
    const latest = await client.call('POST', `/v1/objectives/${id}/continue`, {}, ObjectiveEvent)
    assert.equal(latest.data.assistantMessage.content, 'Not sent.')
    assert.equal(fake.requests.length, before)
    const done = await stateOf(id, ['STATE_COMPLETED'])
    assert.ok(done.lastFiveWindows.length >= 1)

    // Reads: the objective, its events, tool calls, tools, windows, and the objective list.
    const events = await client.list(`/v1/objectives/${id}/events`, ObjectiveEvent, {
      includeInfo: 'true',
      sortOrder: 'asc',
    })
    for (const e of events) {
      const keys = EVENT_KEYS.filter((k) => e.data[k] !== undefined)
      assert.equal(keys.length, 1, `one variant per event: ${JSON.stringify(e.data)}`)
      assert.equal(e.data.type, keys[0])
    }
    const kinds = events.map((e) => e.data.type)
    for (const k of ['userMessage', 'assistantMessage', 'toolCalled', 'toolResult']) {
      assert.ok(kinds.includes(k), `${k} in ${kinds}`)
    }
    for (const k of ['toolApprovalRequested', 'toolApproved', 'toolDenied']) {
      assert.ok(kinds.includes(k), `${k} in ${kinds}`)
    }
    const calls = await client.list(`/v1/objectives/${id}/tool_calls`, ToolCall, {
      includeInfo: 'true',
    })
    assert.equal(calls.length, 3)
    const objectiveTools = await client.list(`/v1/objectives/${id}/tools`, ObjectiveTool, {}, 1)
    assert.ok(objectiveTools.length >= 2)
    await client.list(`/v1/objectives/${id}/context_windows`, ContextWindow, {
      includeInfo: 'true',
    })
    const withInfo = await client.call(
      'GET',
      `/v1/objectives/${id}?includeInfo=true`,
      undefined,
      Objective,
    )
    assert.ok(withInfo.info.totalToolCalls >= 3)

    // Feedback.
    await client.call(
      'POST',
      `/v1/objectives/${id}/feedback`,
      { data: { score: 0.5, comment: 'good', attributes: { user_id: 'u-1' } } },
      Feedback,
    )
    const feedback = await client.list(`/v1/objectives/${id}/feedback`, Feedback)
    assert.equal(feedback.length, 1)

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
      '/v1/objectives',
      { agentId, data: { initialMessage: 'Plan the day' }, metadata: {} },
      Objective,
    )
    const failed = await stateOf(flaky.metadata.id, ['STATE_FAILED'])
    assert.ok(failed.status.message)
    await client.call('POST', `/v1/objectives/${flaky.metadata.id}/continue`, {}, ObjectiveEvent)
    await stateOf(flaky.metadata.id, ['STATE_COMPLETED'])
    const tasks = await client.list(`/v1/objectives/${flaky.metadata.id}/tasks`, ObjectiveTask, {
      sortOrder: 'asc',
    })
    assert.deepEqual(
      tasks.map((x) => x.data.task),
      ['check the radar'],
    )
    await client.call(
      'GET',
      `/v1/objectives/${flaky.metadata.id}/tasks/${tasks[0].metadata.id}`,
      undefined,
      ObjectiveTask,
    )

    // Cancel an objective while its model call is in flight.
    fake.enqueue({ text: 'slow', delayMs: 10_000 })
    const slow = await client.call(
      'POST',
      '/v1/objectives',
      { agentId, data: { initialMessage: 'Take your time' }, metadata: {} },
      Objective,
    )
    await stateOf(slow.metadata.id, ['STATE_RUNNING'])
    const cancelled = await client.call(
      'POST',
      `/v1/objectives/${slow.metadata.id}/cancel`,
      { reason: 'changed my mind' },
      Objective,
    )
    assert.equal(cancelled.status.state, 'STATE_CANCELLED')

    const all = await client.list('/v1/objectives', Objective, { agentId }, 1)
    assert.equal(all.length, 3)
    const completed = await client.list('/v1/objectives', Objective, {
      agentId,
      state: 'STATE_COMPLETED',
    })
    assert.deepEqual(completed.map((o) => o.metadata.id).sort(), [id, flaky.metadata.id].sort())
  })
})
