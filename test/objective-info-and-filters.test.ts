import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  createAgent,
  waitForState,
  type ToolServer,
  startEngineTest,
  type EngineTest,
} from './support/objectives.ts'
import type { TestSortie } from './support/sortie.ts'

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let agent: { agentId: string; variationId: string; toolId: string }
let engine: EngineTest
before(async () => {
  engine = await startEngineTest()
  ;({ t, fake, tools } = engine)
  agent = await createAgent(t, { modelId: MODEL_OF.openai, toolBaseUrl: tools.baseUrl })
})
after(() => engine?.close())

const ws = () => `/v1/workspaces/${t.workspaceId}`

async function launch(body: Record<string, unknown>): Promise<any> {
  const res = await t.api('POST', `${ws()}/objectives`, { agentId: agent.agentId, ...body })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return waitForState(t, res.body.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
}

describe('objective info: agent, variation, memory stack and schedule', () => {
  it('info names the agent and variation that run it; memory stacks and source schedule are empty', async () => {
    const o = await launch({ data: { initialMessage: 'hello' } })
    for (const path of [`${ws()}/objectives/${o.metadata.id}`, `/v1/objectives/${o.metadata.id}`]) {
      const res = await t.api('GET', path)
      assert.equal(res.status, 200)
      const { data, info } = res.body
      assert.equal(info.agent.id, agent.agentId)
      assert.equal(info.agent.workspaceId, t.workspaceId)
      assert.equal(typeof info.agent.name, 'string')
      assert.equal(info.agentVariation.id, agent.variationId)
      assert.equal(info.agentVariation.name, 'v1')
      assert.deepEqual(info.effectiveMemoryStack, [])
      assert.deepEqual(data.memoryStack, [])
      assert.equal(data.sourceScheduleId, '')
    }
    const listed = await t.api('GET', `${ws()}/objectives?includeInfo=true&limit=1`)
    assert.equal(listed.body.items[0].info.agentVariation.id, agent.variationId)
  })

  it('memory stack references to no layer are refused with a field violation per reference', async () => {
    const res = await t.api('POST', `${ws()}/objectives`, {
      agentId: agent.agentId,
      data: {
        initialMessage: 'remember',
        memoryStack: [{ memoryLayerId: 'memlyr_a' }, { memory_layer_id: 'memlyr_b' }],
      },
    })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.code, 3)
    assert.deepEqual(
      res.body.details[0].fieldViolations.map((v: any) => v.field),
      ['data.memoryStack.0.memoryLayerId', 'data.memoryStack.1.memoryLayerId'],
    )
    const malformed = await t.api('POST', `${ws()}/objectives`, {
      agentId: agent.agentId,
      data: { initialMessage: 'remember', memoryStack: ['memlyr_a'] },
    })
    assert.equal(malformed.status, 400)
    const empty = await t.api('POST', `${ws()}/objectives`, {
      agentId: agent.agentId,
      data: { initialMessage: 'no memory', memoryStack: [] },
    })
    assert.equal(empty.status, 200, JSON.stringify(empty.body))
    await waitForState(t, empty.body.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
  })

  it('the agentScheduleId filter matches no objective: none comes from a schedule', async () => {
    await launch({ data: { initialMessage: 'unscheduled' } })
    const all = await t.api('GET', `${ws()}/objectives`)
    assert.ok(all.body.items.length > 0)
    const res = await t.api('GET', `${ws()}/objectives?agentScheduleId=as_01ANY`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.items, [])
    assert.equal(res.body.pagination.total, 0)
    assert.equal(res.body.pagination.nextCursor, '')
  })
})

describe('tool call filters', () => {
  it('tool calls filter by status and executionStatus; the UNSPECIFIED values filter nothing', async () => {
    fake.enqueue({ toolCalls: [{ name: 'lookup', arguments: { id: 'r-1' } }] }, { text: 'found' })
    const o = await launch({ data: { initialMessage: 'look it up' } })
    const base = `${ws()}/objectives/${o.metadata.id}/tool_calls`
    const ids = async (query: string) => {
      const res = await t.api('GET', `${base}?${query}`)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body.items.map((c: any) => c.executionStatus)
    }
    assert.deepEqual(await ids('executionStatus=TOOL_CALL_EXECUTION_STATUS_COMPLETED'), [
      'TOOL_CALL_EXECUTION_STATUS_COMPLETED',
    ])
    assert.deepEqual(await ids('execution_status=TOOL_CALL_EXECUTION_STATUS_ERRORED'), [])
    assert.equal((await ids('executionStatus=TOOL_CALL_EXECUTION_STATUS_UNSPECIFIED')).length, 1)
    assert.equal((await ids('status=TOOL_CALL_STATUS_AUTO_APPROVED')).length, 1)
    assert.equal((await ids('status=TOOL_CALL_STATUS_UNSPECIFIED')).length, 1)
    assert.deepEqual(await ids('status=TOOL_CALL_STATUS_DENIED'), [])
    const bad = await t.api('GET', `${base}?executionStatus=DONE`)
    assert.equal(bad.status, 400)
    assert.equal(bad.body.details[0].fieldViolations[0].field, 'executionStatus')
  })
})
