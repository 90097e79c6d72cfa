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

const tasks = (args: Record<string, unknown>) => ({ name: 'sortie_tasks', arguments: args })

async function runObjective(): Promise<string> {
  const { agentId } = await createAgent(t, { modelId: MODEL_OF.openai, toolBaseUrl: tools.baseUrl })
  const created = await t.api('POST', '/v1/objectives', {
    agentId,
    data: { initialMessage: 'plan' },
  })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const id = created.body.metadata.id
  await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
  return id
}

describe('objective tasks', () => {
  it('the model keeps a to-do list with the built-in tool and the API serves it', async () => {
    fake.enqueue(
      {
        toolCalls: [
          tasks({ operation: 'add', task: 'write tests' }),
          tasks({ operation: 'add', task: 'ship' }),
        ],
      },
      { toolCalls: [tasks({ operation: 'complete', number: 1 })] },
      { text: 'half done' },
    )
    const before = fake.requests.length
    const id = await runObjective()
    const offered = fake.requests[before]!.body.tools.map((x: any) => x.function.name)
    assert.ok(offered.includes('sortie_tasks'), JSON.stringify(offered))
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'toolCalled',
      'toolResult',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'assistantMessage',
    ])
    assert.deepEqual(JSON.parse(events[8].data.toolResult.content), {
      tasks: [
        { number: 1, task: 'write tests', completed: true },
        { number: 2, task: 'ship', completed: false },
      ],
    })
    const callable = events[1].data.assistantMessage.toolCalls[0].tool
    assert.equal(callable.cadenyaProvidedTool.name, 'sortie_tasks')

    const list = await t.api('GET', `/v1/objectives/${id}/tasks`)
    assert.equal(list.status, 200, JSON.stringify(list.body))
    assert.equal(list.body.pagination.total, 2)
    const [first, second] = list.body.items
    assert.match(first.metadata.id, /^otask_/)
    assert.equal(first.data.number, 1)
    assert.equal(first.data.task, 'write tests')
    assert.equal(first.data.completed, true)
    assert.ok(!Number.isNaN(Date.parse(first.data.completedAt)))
    assert.deepEqual(second.data, { number: 2, task: 'ship', completed: false })
    const one = await t.api(
      'GET',
      `/v1/workspaces/${t.workspaceId}/objectives/${id}/tasks/${second.metadata.id}`,
    )
    assert.equal(one.status, 200)
    assert.deepEqual(one.body, second)
    const page = await t.api('GET', `/v1/objectives/${id}/tasks?limit=1&sortOrder=desc`)
    assert.equal(page.body.items[0].data.number, 2)
    assert.ok(page.body.pagination.nextCursor)

    const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls`)
    assert.ok(
      calls.body.items.every(
        (c: any) => c.data.callable.cadenyaProvidedTool?.name === 'sortie_tasks',
      ),
    )
    assert.ok(
      calls.body.items.every(
        (c: any) => c.executionStatus === 'TOOL_CALL_EXECUTION_STATUS_COMPLETED',
      ),
    )
    const obj = await t.api('GET', `/v1/objectives/${id}`)
    const names = obj.body.info.callableTools.map(
      (c: any) => c.tool?.name ?? c.cadenyaProvidedTool?.name,
    )
    assert.deepEqual(names, ['lookup', 'sortie_tasks'])
  })

  it('bad task operations come back to the model as tool errors and change nothing', async () => {
    fake.enqueue(
      {
        toolCalls: [
          tasks({ operation: 'complete', number: 9 }),
          tasks({ operation: 'add', task: '   ' }),
          tasks({ operation: 'delete' }),
        ],
      },
      { text: 'ok' },
    )
    const id = await runObjective()
    const events = await allEvents(t, id)
    const errors = events
      .filter((e) => e.data.type === 'toolError')
      .map((e) => e.data.toolError.message)
    assert.equal(errors.length, 3, JSON.stringify(eventTypes(events)))
    assert.ok(errors.some((m) => /no task number 9/.test(m)))
    assert.ok(errors.some((m) => /non-empty "task"/.test(m)))
    assert.ok(errors.some((m) => /invalid arguments/.test(m)))
    const list = await t.api('GET', `/v1/objectives/${id}/tasks`)
    assert.equal(list.body.items.length, 0)
  })

  it('an unknown task or objective is 404', async () => {
    fake.enqueue({ text: 'nothing to do' })
    const id = await runObjective()
    assert.equal((await t.api('GET', `/v1/objectives/${id}/tasks/otask_nope`)).status, 404)
    assert.equal((await t.api('GET', '/v1/objectives/obj_nope/tasks')).status, 404)
  })
})
