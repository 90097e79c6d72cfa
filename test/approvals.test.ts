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

const ws = () => `/v1/workspaces/${t.workspaceId}`
const lookup = (id: string) => ({ name: 'lookup', arguments: { id } })

/** An agent whose `lookup` tool needs a human's approval. */
async function approvalAgent(): Promise<string> {
  const { agentId, toolId } = await createAgent(t, {
    modelId: MODEL_OF.openai,
    toolBaseUrl: tools.baseUrl,
  })
  const row = await t.sortie.deps.db
    .selectFrom('tools')
    .select(['tool_set_id'])
    .where('id', '=', toolId)
    .executeTakeFirstOrThrow()
  const tool = await t.api('GET', `/v1/tool_sets/${row.tool_set_id}/tools/${toolId}`)
  const updated = await t.api('PUT', `/v1/tool_sets/${row.tool_set_id}/tools/${toolId}`, {
    spec: { ...tool.body.spec, requiresApproval: true },
    updateMask: 'spec.requiresApproval',
  })
  assert.equal(updated.status, 200, JSON.stringify(updated.body))
  assert.equal(updated.body.spec.requiresApproval, true)
  return agentId
}

/** Starts an objective and waits until it is parked for approval; returns ids of its calls. */
async function parked(agentId: string, message = 'look it up') {
  const created = await t.api('POST', '/v1/objectives', {
    agentId,
    data: { initialMessage: message },
  })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const id = created.body.metadata.id
  const obj = await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
  assert.equal(obj.status.state, 'STATE_WAITING', JSON.stringify(obj.status))
  const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls?sortOrder=asc`)
  return { id, callIds: calls.body.items.map((c: any) => c.metadata.id as string) }
}

async function objectiveRow(id: string) {
  return t.sortie.deps.db
    .selectFrom('objectives')
    .select(['state', 'wait_reason', 'lease_owner'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
}

describe('tool-call approval', () => {
  it('a call of a requiresApproval tool waits for approval, parking the objective without a lease', async () => {
    const agentId = await approvalAgent()
    const backend = tools.requests.length
    fake.enqueue({ toolCalls: [lookup('r-1')] })
    const { id, callIds } = await parked(agentId)
    assert.equal(callIds.length, 1)
    const row = await objectiveRow(id)
    assert.deepEqual(row, { state: 'WAITING', wait_reason: 'approval', lease_owner: null })
    const implicit = await t.api('GET', `/v1/objectives/${id}`)
    assert.equal(
      implicit.body.status.state,
      'STATE_RUNNING',
      'seed-004 shows a parked turn running',
    )
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolApprovalRequested',
    ])
    assert.equal(events[2].data.toolApprovalRequested.toolCallId, callIds[0])
    const call = await t.api('GET', `/v1/objectives/${id}/tool_calls/${callIds[0]}`)
    assert.equal(call.body.status, 'TOOL_CALL_STATUS_WAITING_FOR_APPROVAL')
    assert.equal(call.body.executionStatus, 'TOOL_CALL_EXECUTION_STATUS_PENDING')
    const waiting = await t.api(
      'GET',
      `/v1/objectives/${id}/tool_calls?status=TOOL_CALL_STATUS_WAITING_FOR_APPROVAL`,
    )
    assert.equal(waiting.body.items.length, 1)
    assert.equal(tools.requests.length, backend, 'nothing ran before approval')
  })

  it('approve records who approved, writes toolApproved, runs the call and resumes the loop', async () => {
    const agentId = await approvalAgent()
    fake.enqueue({ toolCalls: [lookup('r-2')] })
    const { id, callIds } = await parked(agentId)
    fake.enqueue({ text: 'r-2 exists' })
    const backend = tools.requests.length
    const res = await t.api('PUT', `${ws()}/objectives/${id}/tool_calls/${callIds[0]}/approve`, {})
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.status, 'TOOL_CALL_STATUS_APPROVED')
    const objective = await t.api('GET', `/v1/objectives/${id}`)
    assert.equal(res.body.data.statusChangedBy.metadata.id, objective.body.metadata.profileId)
    const done = await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    assert.equal((await objectiveRow(id)).wait_reason, 'turn_complete', JSON.stringify(done.status))
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolApprovalRequested',
      'toolApproved',
      'toolCalled',
      'toolResult',
      'assistantMessage',
    ])
    assert.equal(events[3].data.toolApproved.toolCallId, callIds[0])
    assert.equal(tools.requests.length, backend + 1, 'the approved call ran once')
    const call = await t.api('GET', `/v1/objectives/${id}/tool_calls/${callIds[0]}`)
    assert.equal(call.body.status, 'TOOL_CALL_STATUS_APPROVED')
    assert.equal(call.body.executionStatus, 'TOOL_CALL_EXECUTION_STATUS_COMPLETED')
    assert.ok(call.body.data.statusChangedBy, 'statusChangedBy is served on reads too')
  })

  it('deny (POST :deny alias) feeds the memo to the model as the result and never runs the tool', async () => {
    const agentId = await approvalAgent()
    fake.enqueue({ toolCalls: [lookup('r-3')] })
    const { id, callIds } = await parked(agentId)
    fake.enqueue({ text: 'understood, I will not look it up' })
    const backend = tools.requests.length
    const before = fake.requests.length
    const memo = 'customer records are off limits today'
    const res = await t.api('POST', `/v1/objectives/${id}/tool_calls/${callIds[0]}:deny`, { memo })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.status, 'TOOL_CALL_STATUS_DENIED')
    assert.equal(res.body.data.memo, memo)
    assert.ok(res.body.data.statusChangedBy)
    await waitForState(t, id, ['STATE_WAITING'])
    assert.equal((await objectiveRow(id)).wait_reason, 'turn_complete')
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolApprovalRequested',
      'toolDenied',
      'assistantMessage',
    ])
    assert.equal(events[3].data.toolDenied.memo, memo)
    assert.equal(tools.requests.length, backend, 'a denied call is never executed')
    const sent = fake.requests[before]!.body.messages
    const toolMessage = sent.find((m: any) => m.role === 'tool')
    assert.ok(toolMessage, JSON.stringify(sent))
    assert.match(JSON.stringify(toolMessage.content), /off limits today/)
  })

  it('a turn with two waiting calls resumes only when both are decided', async () => {
    const agentId = await approvalAgent()
    fake.enqueue({ toolCalls: [lookup('a'), lookup('b')] })
    const { id, callIds } = await parked(agentId)
    assert.equal(callIds.length, 2)
    fake.enqueue({ text: 'a found, b refused' })
    const before = fake.requests.length
    const first = await t.api('POST', `/v1/objectives/${id}/tool_calls/${callIds[0]}:approve`)
    assert.equal(first.status, 200, JSON.stringify(first.body))
    await new Promise((r) => setTimeout(r, 300))
    assert.deepEqual(await objectiveRow(id), {
      state: 'WAITING',
      wait_reason: 'approval',
      lease_owner: null,
    })
    assert.equal(fake.requests.length, before, 'no model call while a call is undecided')
    const second = await t.api('PUT', `/v1/objectives/${id}/tool_calls/${callIds[1]}/deny`, {
      memo: 'not b',
    })
    assert.equal(second.status, 200, JSON.stringify(second.body))
    await waitForState(t, id, ['STATE_WAITING'])
    assert.equal((await objectiveRow(id)).wait_reason, 'turn_complete')
    const types = eventTypes(await allEvents(t, id))
    assert.deepEqual(types, [
      'userMessage',
      'assistantMessage',
      'toolApprovalRequested',
      'toolApprovalRequested',
      'toolApproved',
      'toolDenied',
      'toolCalled',
      'toolResult',
      'assistantMessage',
    ])
    assert.equal(fake.requests.length, before + 1)
  })

  it('continuing an objective parked for approval needs enqueue', async () => {
    const agentId = await approvalAgent()
    fake.enqueue({ toolCalls: [lookup('c')] })
    const { id } = await parked(agentId)
    const res = await t.api('POST', `/v1/objectives/${id}/continue`, { message: 'hello?' })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 9)
    assert.match(res.body.message, /approval/)
  })

  it('deciding a call that is not waiting is 409 ABORTED; an unknown call is 404', async () => {
    const agentId = await approvalAgent()
    fake.enqueue({ toolCalls: [lookup('d')] })
    const { id, callIds } = await parked(agentId)
    fake.enqueue({ text: 'ok' })
    assert.equal(
      (await t.api('PUT', `/v1/objectives/${id}/tool_calls/${callIds[0]}/approve`)).status,
      200,
    )
    const again = await t.api('PUT', `/v1/objectives/${id}/tool_calls/${callIds[0]}/deny`, {})
    assert.equal(again.status, 409)
    assert.equal(again.body.code, 10)
    assert.equal(again.headers.get('x-should-retry'), 'false')
    const missing = await t.api('PUT', `/v1/objectives/${id}/tool_calls/otc_nope/approve`)
    assert.equal(missing.status, 404)
    const bad = await t.api('PUT', `/v1/objectives/${id}/tool_calls/${callIds[0]}/deny`, {
      memo: 42,
    })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.details[0].fieldViolations[0].field, 'memo')
    await waitForState(t, id, ['STATE_WAITING'])
  })
})

describe('approval races', () => {
  it('of two concurrent approvals exactly one wins, the other is 409, and the tool runs once', async () => {
    const agentId = await approvalAgent()
    fake.enqueue({ toolCalls: [lookup('race')] })
    const { id, callIds } = await parked(agentId)
    fake.enqueue({ text: 'done racing' })
    const backend = tools.requests.length
    const path = `/v1/objectives/${id}/tool_calls/${callIds[0]}`
    const results = await Promise.all([
      t.api('PUT', `${path}/approve`, {}),
      t.api('POST', `${path}:approve`, {}),
      t.api('PUT', `${path}/deny`, { memo: 'no' }),
    ])
    const won = results.filter((r) => r.status === 200)
    const lost = results.filter((r) => r.status === 409)
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.body)))
    assert.equal(lost.length, 2)
    assert.ok(lost.every((r) => r.body.code === 10))
    await waitForState(t, id, ['STATE_WAITING'])
    assert.equal((await objectiveRow(id)).wait_reason, 'turn_complete')
    const types = eventTypes(await allEvents(t, id))
    assert.equal(types.filter((x) => x === 'toolApproved' || x === 'toolDenied').length, 1)
    assert.equal(
      types.filter((x) => x === 'toolCalled').length,
      won[0]!.body.status === 'TOOL_CALL_STATUS_APPROVED' ? 1 : 0,
    )
    assert.ok(tools.requests.length - backend <= 1, 'the tool ran at most once')
  })

  it('approve racing cancel: the objective ends CANCELLED and nothing runs after the cancel', async () => {
    for (let round = 0; round < 3; round++) {
      const agentId = await approvalAgent()
      fake.enqueue({ toolCalls: [lookup(`rc-${round}`)] })
      const { id, callIds } = await parked(agentId)
      const [approve, cancel] = await Promise.all([
        t.api('PUT', `/v1/objectives/${id}/tool_calls/${callIds[0]}/approve`, {}),
        t.api('POST', `/v1/objectives/${id}/cancel`, { reason: 'race' }),
      ])
      assert.equal(cancel.status, 200, JSON.stringify(cancel.body))
      if (approve.status !== 200) {
        assert.equal(approve.status, 400, JSON.stringify(approve.body))
        assert.equal(approve.body.code, 9)
      }
      await new Promise((r) => setTimeout(r, 300))
      const obj = await t.api('GET', `${ws()}/objectives/${id}`)
      assert.equal(obj.body.status.state, 'STATE_CANCELLED')
      const types = eventTypes(await allEvents(t, id))
      assert.equal(types.at(-1), 'cancelled', JSON.stringify(types))
      assert.ok(types.filter((x) => x === 'toolCalled').length <= 1)
      const late = await t.api('PUT', `/v1/objectives/${id}/tool_calls/${callIds[0]}/approve`)
      assert.equal(late.status, 400)
      assert.equal(late.body.code, 9)
    }
  })

  it('approving a call of a cancelled objective is 400 FAILED_PRECONDITION', async () => {
    const agentId = await approvalAgent()
    fake.enqueue({ toolCalls: [lookup('late')] })
    const { id, callIds } = await parked(agentId)
    const cancel = await t.api('POST', `/v1/objectives/${id}:cancel`, {})
    assert.equal(cancel.status, 200)
    const res = await t.api('POST', `/v1/objectives/${id}/tool_calls/${callIds[0]}:approve`)
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 9)
    const call = await t.api('GET', `/v1/objectives/${id}/tool_calls/${callIds[0]}`)
    assert.equal(call.body.status, 'TOOL_CALL_STATUS_WAITING_FOR_APPROVAL')
  })
})
