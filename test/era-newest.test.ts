/**
 * One scenario written against the newest API (spec API.md section 7, HEAD) alone: workspace
 * paths, colon verbs, discriminated events, the SSE stream, tool sets of every kind (http, mcp,
 * openapi, bare), approval, a bare tool answered with `:setContent`, diagnostics, `:continue`
 * and `:cancel`; every read is checked the way a typed HEAD client reads it.
 * The variation uses `systemPromptTemplate` and `firstUserMessageTemplate`; the objective is
 * created with the newest body (`systemPromptData`, `firstUserMessageData`).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startMcpServer, type TestMcpServer } from './support/mcp-server.ts'
import { startOpenApiServer, type OpenApiServer } from './support/openapi-server.ts'
import { MODEL_OF, startEngineTest, waitForState, type EngineTest } from './support/objectives.ts'
import { openStream } from './support/sse.ts'
import type { TestSortie } from './support/sortie.ts'

let e: EngineTest
let t: TestSortie
let mcp: TestMcpServer
let pets: OpenApiServer
before(async () => {
  e = await startEngineTest()
  t = e.t
  mcp = await startMcpServer()
  pets = await startOpenApiServer()
})
after(async () => {
  await e?.close()
  await mcp?.close()
  await pets?.close()
})

const ws = () => `/v1/workspaces/${t.workspaceId}`

/** What a typed HEAD client asserts of any resource: metadata with an id, and a spec. */
function resource(body: any, kind: string): string {
  assert.equal(typeof body?.metadata?.id, 'string', `${kind} has metadata.id`)
  assert.equal(typeof body.spec, 'object', `${kind} has a spec`)
  return body.metadata.id
}

/** An ObjectiveEvent as HEAD's discriminated union: `data.type` names the one variant present. */
function checkEvent(ev: any): void {
  assert.equal(typeof ev.metadata.id, 'string')
  assert.equal(typeof ev.contextWindowId, 'string')
  const type = ev.data.type
  assert.equal(typeof ev.data[type], 'object', `variant ${type} is present`)
  const variants = Object.keys(ev.data).filter((k) => k !== 'type')
  assert.deepEqual(variants, [type], 'exactly one variant')
}

async function post(path: string, body?: unknown) {
  const res = await t.api('POST', `${ws()}${path}`, body)
  assert.equal(res.status, 200, `POST ${path}: ${JSON.stringify(res.body)}`)
  return res.body
}

async function get(path: string) {
  const res = await t.api('GET', `${ws()}${path}`)
  assert.equal(res.status, 200, `GET ${path}: ${JSON.stringify(res.body)}`)
  return res.body
}

describe('the newest API, end to end', () => {
  it('tool sets of each kind, approval, a bare tool answered with setContent, diagnostics, continue, cancel, all streamed', async () => {
    // Tool sets of each kind.
    const http = await post('/tool_sets', {
      metadata: { name: 'records' },
      spec: { adapter: { http: { baseUrl: e.tools.baseUrl } } },
    })
    const lookup = await post(`/tool_sets/${resource(http, 'tool set')}/tools`, {
      metadata: { name: 'lookup' },
      spec: {
        description: 'Looks a record up',
        parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        config: { http: { requestMethod: 'GET', path: '/lookup/{{ id }}' } },
        requiresApproval: true,
      },
    })
    const mcpSet = await post('/tool_sets', {
      metadata: { name: 'mcp' },
      spec: { adapter: { mcp: { url: mcp.url } } },
    })
    assert.ok(mcpSet.info.toolCount > 0, 'the MCP set synced its tools')
    const openapiSet = await post('/tool_sets', {
      metadata: { name: 'pets' },
      spec: { adapter: { openapi: { url: pets.documentUrl } } },
    })
    assert.ok(openapiSet.info.toolCount > 0, 'the OpenAPI set synced its operations')
    const bareSet = await post('/tool_sets', { metadata: { name: 'eyes' }, spec: {} })
    assert.deepEqual(bareSet.spec.adapter, { type: 'bare', bare: {} })
    const snapshot = await post(`/tool_sets/${resource(bareSet, 'tool set')}/tools`, {
      metadata: { name: 'snapshot' },
      spec: { description: 'A picture of the room', parameters: { type: 'object' } },
    })
    for (const set of [http, mcpSet, openapiSet, bareSet]) {
      const tools = await get(`/tool_sets/${set.metadata.id}/tools`)
      assert.ok(Array.isArray(tools.items) && tools.items.length > 0)
      for (const tool of tools.items) resource(tool, 'tool')
      assert.equal(typeof tools.nextCursor === 'string' || tools.nextCursor === undefined, true)
    }

    // An agent (published with the verb) whose variation may call lookup and snapshot.
    const agent = await post('/agents', { metadata: { name: 'clerk' }, spec: {} })
    const agentId = resource(agent, 'agent')
    assert.equal((await post(`/agents/${agentId}:publish`)).spec.status, 'AGENT_STATUS_PUBLISHED')
    const variation = await post(`/agents/${agentId}/variations`, {
      metadata: { name: 'v1' },
      spec: {
        systemPromptTemplate: 'You help {{ team }} with records.',
        firstUserMessageTemplate: 'Check record {{ record }} and the room.',
        modelConfig: { modelId: MODEL_OF.openai },
      },
    })
    for (const tool of [lookup, snapshot]) {
      await post(`/agent_variations/${variation.metadata.id}/assignments`, {
        toolId: tool.metadata.id,
      })
    }

    // The objective: approval, then the bare tool, then an answer with reasoning.
    e.fake.enqueue(
      { toolCalls: [{ name: 'lookup', arguments: { id: 'r-7' } }] },
      { toolCalls: [{ name: 'snapshot', arguments: {} }] },
      { text: 'r-7 exists and the room is tidy.' },
    )
    const objective = await post('/objectives', {
      agentId,
      variationId: variation.metadata.id,
      systemPromptData: { team: 'the archive' },
      firstUserMessageData: { record: 'r-7' },
    })
    const id = objective.metadata.id
    assert.equal(objective.systemPrompt, 'You help the archive with records.')
    assert.equal(objective.firstUserMessage, 'Check record r-7 and the room.')
    let state = await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    assert.equal(state.status.state, 'STATE_WAITING')
    let calls = await get(`/objectives/${id}/tool_calls`)
    const approval = calls.items.find((c: any) => c.toolName === 'lookup')
    assert.equal(approval.status, 'TOOL_CALL_STATUS_WAITING_FOR_APPROVAL')
    assert.equal(
      (await post(`/objectives/${id}/tool_calls/${approval.metadata.id}:approve`, {})).status,
      'TOOL_CALL_STATUS_APPROVED',
    )

    await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    calls = await get(
      `/objectives/${id}/tool_calls?executionStatus=TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT`,
    )
    assert.equal(calls.items.length, 1)
    const waiting = calls.items[0]
    assert.equal(waiting.toolName, 'snapshot')
    const answered = await post(`/objectives/${id}/tool_calls/${waiting.metadata.id}:setContent`, {
      content: [{ type: 'text', text: { text: 'a tidy room' } }],
    })
    assert.deepEqual(answered.result.content, [{ type: 'text', text: { text: 'a tidy room' } }])
    state = await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    assert.equal(state.status.state, 'STATE_WAITING')
    const withResult = await get(`/objectives/${id}/tool_calls/${approval.metadata.id}`)
    assert.equal(withResult.executionStatus, 'TOOL_CALL_EXECUTION_STATUS_COMPLETED')
    assert.equal(withResult.result.content[0].type, 'text')

    // Diagnostics.
    const diagnostics = await get(`/objectives/${id}/diagnostics`)
    for (const part of ['systemPrompt', 'tools', 'messages', 'memory', 'total']) {
      assert.equal(typeof diagnostics.contextLength[part].chars, 'number', part)
      assert.equal(typeof diagnostics.contextLength[part].estimatedTokens, 'number', part)
    }
    assert.ok(diagnostics.inputTokens > 0)

    // Continue, then cancel.
    e.fake.enqueue({ text: 'Nothing else to check.' })
    const continued = await post(`/objectives/${id}:continue`, { message: 'anything else?' })
    checkEvent(continued)
    assert.equal(continued.data.userMessage.content, 'anything else?')
    await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    await post(`/objectives/${id}:cancel`, { reason: 'done here' })
    state = await waitForState(t, id, ['STATE_CANCELLED'])

    // The stream (SSE) from the start: every event, in order, as the list serves them.
    const stream = await openStream(t.sortie, t.token, `${ws()}/objectives/${id}/events:stream`)
    assert.equal(stream.status, 200)
    assert.match(stream.contentType, /^text\/event-stream/)
    const frames = await stream.collect()
    const listed = await get(`/objectives/${id}/events?limit=100`)
    assert.deepEqual(
      frames.map((f) => f.id),
      listed.items.map((ev: any) => ev.metadata.id),
    )
    for (const f of frames) checkEvent(JSON.parse(f.data))
    const types = listed.items.map((ev: any) => ev.data.type)
    for (const type of [
      'userMessage',
      'assistantMessage',
      'toolApprovalRequested',
      'toolApproved',
      'toolCalled',
      'toolResult',
      'cancelled',
    ]) {
      assert.ok(types.includes(type), `${type} in ${types}`)
    }
    const bareResult = listed.items.find(
      (ev: any) =>
        ev.data.type === 'toolResult' && ev.data.toolResult.toolCallId === waiting.metadata.id,
    )
    assert.deepEqual(bareResult.data.toolResult.result.content, answered.result.content)

    // Resuming with Last-Event-ID gives the rest and nothing twice.
    const resumed = await openStream(t.sortie, t.token, `${ws()}/objectives/${id}/events:stream`, {
      'last-event-id': frames[2]!.id!,
    })
    const rest = await resumed.collect()
    assert.deepEqual(
      rest.map((f) => f.id),
      frames.slice(3).map((f) => f.id),
    )
  })
})
