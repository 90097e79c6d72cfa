import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFakeProvider, type FakeKind, type FakeProvider } from './support/fake-provider.ts'
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
let fakes: Record<FakeKind, FakeProvider>
let tools: ToolServer
before(async () => {
  fakes = {
    openai: await startFakeProvider('openai'),
    anthropic: await startFakeProvider('anthropic'),
  }
  tools = await startToolServer()
  t = await startTestSortie(
    {
      ...providerEnv([fakes.openai, fakes.anthropic]),
      SORTIE_PROVIDER_MAX_ATTEMPTS: '2',
      SORTIE_PROVIDER_RETRY_DELAY_MS: '10',
    },
    { worker: true },
  )
})
after(async () => {
  await t?.sortie.stop()
  await tools?.close()
  await fakes?.openai.close()
  await fakes?.anthropic.close()
})

async function seqs(objectiveId: string): Promise<number[]> {
  const rows = await t.sortie.deps.db
    .selectFrom('objective_events')
    .select('seq')
    .where('objective_id', '=', objectiveId)
    .orderBy('seq')
    .execute()
  return rows.map((r) => r.seq)
}

async function assertCountersMatchRows(objectiveId: string) {
  const obj = await t.api('GET', `/v1/objectives/${objectiveId}`)
  const events = await allEvents(t, objectiveId)
  const calls = await t.api('GET', `/v1/objectives/${objectiveId}/tool_calls?limit=500`)
  const windows = await t.api('GET', `/v1/objectives/${objectiveId}/context_windows`)
  assert.equal(obj.body.info.totalEvents, events.length)
  assert.equal(obj.body.info.totalToolCalls, calls.body.items.length)
  assert.equal(obj.body.info.totalContextWindows, windows.body.items.length)
  const prompt = windows.body.items.reduce((n: number, w: any) => n + w.data.promptTokens, 0)
  const completion = windows.body.items.reduce(
    (n: number, w: any) => n + w.data.completionTokens,
    0,
  )
  assert.equal(obj.body.info.totalInputTokens, prompt)
  assert.equal(obj.body.info.totalOutputTokens, completion)
  const s = await seqs(objectiveId)
  assert.deepEqual(
    s,
    s.map((_, i) => i + 1),
    'event sequence numbers are contiguous from 1',
  )
}

for (const kind of ['openai', 'anthropic'] as const) {
  describe(`the objective loop against the ${kind} fake`, () => {
    it('runs a tool call then answers, ending WAITING with exactly the five expected events', async () => {
      const fake = fakes[kind]
      const { agentId, toolId } = await createAgent(t, {
        modelId: MODEL_OF[kind],
        toolBaseUrl: tools.baseUrl,
      })
      fake.enqueue(
        {
          toolCalls: [{ name: 'lookup', arguments: { id: 'r-42' } }],
          usage: { input: 11, output: 5 },
        },
        { text: 'Record r-42 was found.', usage: { input: 30, output: 7 } },
      )
      const before = fake.requests.length
      const created = await t.api('POST', '/v1/objectives', {
        agentId,
        data: { initialMessage: 'Find r-42' },
      })
      assert.equal(created.status, 200, JSON.stringify(created.body))
      const id = created.body.metadata.id
      assert.match(id, /^obj_/)
      const done = await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
      assert.equal(done.status.state, 'STATE_WAITING', JSON.stringify(done.status))

      const events = await allEvents(t, id)
      assert.deepEqual(eventTypes(events), [
        'userMessage',
        'assistantMessage',
        'toolCalled',
        'toolResult',
        'assistantMessage',
      ])
      assert.equal(events[0].data.userMessage.content, 'Find r-42')
      const call = events[1].data.assistantMessage.toolCalls[0]
      assert.equal(call.functionName, 'lookup')
      assert.deepEqual(JSON.parse(call.arguments), { id: 'r-42' })
      assert.equal(call.tool.tool.id, toolId)
      assert.deepEqual(JSON.parse(events[3].data.toolResult.content), { id: 'r-42', found: true })
      assert.equal(events[4].data.assistantMessage.content, 'Record r-42 was found.')
      assert.ok(events.every((e) => e.contextWindowId === events[0].contextWindowId))

      const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls`)
      assert.equal(calls.body.items.length, 1)
      const row = calls.body.items[0]
      assert.equal(row.metadata.id, events[2].data.toolCalled.toolCallId)
      assert.equal(row.toolName, 'lookup', "seed 001 reads call.tool_name: the tool's name")
      assert.equal(row.status, 'TOOL_CALL_STATUS_AUTO_APPROVED')
      assert.equal(row.executionStatus, 'TOOL_CALL_EXECUTION_STATUS_COMPLETED')
      assert.deepEqual(JSON.parse(row.data.result), { id: 'r-42', found: true })
      assert.deepEqual(row.data.arguments, { id: 'r-42' })
      const one = await t.api('GET', `/v1/objectives/${id}/tool_calls/${row.metadata.id}`)
      assert.equal(one.body.metadata.id, row.metadata.id)

      const backend = tools.requests.at(-1)!
      assert.equal(backend.url, '/lookup/r-42')
      assert.equal(backend.headers['idempotency-key'], row.metadata.id)

      const obj = await t.api('GET', `/v1/objectives/${id}`)
      assert.equal(obj.body.status.state, 'STATE_COMPLETED', 'the implicit family says COMPLETED')
      assert.equal(obj.body.info.totalInputTokens, 41)
      assert.equal(obj.body.info.totalOutputTokens, 12)
      await assertCountersMatchRows(id)
      // The second model request carried the tool result back.
      const second = fake.requests[before + 1]!
      assert.match(JSON.stringify(second.body), /r-42/)
      assert.match(JSON.stringify(second.body), /found/)
    })
  })
}

describe('continuing', () => {
  it('continue from WAITING resumes with the whole conversation', async () => {
    const fake = fakes.openai
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    fake.enqueue({ text: 'first answer' })
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'Q1' },
    })
    const id = created.body.metadata.id
    await waitForState(t, id, ['STATE_WAITING'])
    fake.enqueue({ text: 'second answer' })
    const before = fake.requests.length
    const cont = await t.api('POST', `/v1/objectives/${id}/continue`, { message: 'Q2' })
    assert.equal(cont.status, 200, JSON.stringify(cont.body))
    assert.equal(cont.body.data.type, 'userMessage')
    assert.equal(cont.body.data.userMessage.content, 'Q2')
    assert.match(cont.body.metadata.id, /^oevt_/)
    await waitForState(t, id, ['STATE_WAITING'])
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'userMessage',
      'assistantMessage',
    ])
    assert.equal(events[2].metadata.id, cont.body.metadata.id)
    const sent = JSON.stringify(fake.requests[before]!.body.messages)
    for (const text of ['Q1', 'first answer', 'Q2']) assert.ok(sent.includes(text), text)
    await assertCountersMatchRows(id)
  })

  it('continue while running needs enqueue; an enqueued message is taken after the turn', async () => {
    const fake = fakes.openai
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    fake.enqueue({ text: 'slow answer', delayMs: 600 }, { text: 'answer to the queued one' })
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'Q1' },
    })
    const id = created.body.metadata.id
    await waitForState(t, id, ['STATE_RUNNING'])
    const refused = await t.api('POST', `/v1/objectives/${id}/continue`, { message: 'now?' })
    assert.equal(refused.status, 400)
    assert.equal(refused.body.code, 9)
    const queued = await t.api('POST', `/v1/objectives/${id}:continue`, {
      message: 'queued',
      enqueue: true,
    })
    assert.equal(queued.status, 200, JSON.stringify(queued.body))
    await waitForState(t, id, ['STATE_WAITING'])
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'userMessage',
      'assistantMessage',
    ])
    assert.equal(events[2].metadata.id, queued.body.metadata.id)
    assert.equal(events[2].data.userMessage.content, 'queued')
    assert.equal(events[3].data.assistantMessage.content, 'answer to the queued one')
    await assertCountersMatchRows(id)
  })
})

describe('continuing without a message (seed 004: message is optional)', () => {
  it('continue with no message resumes a FAILED objective as it is: the model is called again with the same conversation and no user message is added', async () => {
    const fake = fakes.openai
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    fake.enqueue({ status: 400, errorMessage: 'bad request' })
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'Q1' },
    })
    const id = created.body.metadata.id
    await waitForState(t, id, ['STATE_FAILED'])
    const failedEvents = await allEvents(t, id)
    fake.enqueue({ text: 'second try worked' })
    const before = fake.requests.length
    const cont = await t.api('POST', `/v1/objectives/${id}/continue`, {})
    assert.equal(cont.status, 200, JSON.stringify(cont.body))
    assert.equal(cont.body.metadata.id, failedEvents.at(-1).metadata.id, 'the latest event')
    await waitForState(t, id, ['STATE_WAITING'])
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events).slice(failedEvents.length), ['assistantMessage'])
    assert.equal(events.filter((e: any) => e.data.type === 'userMessage').length, 1)
    const sent = fake.requests[before]!.body.messages
    assert.deepEqual(
      sent.filter((m: any) => m.role === 'user').map((m: any) => m.content),
      ['Q1'],
    )
    await assertCountersMatchRows(id)
  })

  it('continue with an empty message on a WAITING objective changes nothing: its turn is complete, and the answer is its latest event', async () => {
    const fake = fakes.openai
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    fake.enqueue({ text: 'first' })
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'Q1' },
    })
    const id = created.body.metadata.id
    await waitForState(t, id, ['STATE_WAITING'])
    const before = await t.api('GET', `/v1/workspaces/${t.workspaceId}/objectives/${id}`)
    const requests = fake.requests.length
    for (const body of [{ message: '' }, {}]) {
      const cont = await t.api('POST', `/v1/objectives/${id}:continue`, body)
      assert.equal(cont.status, 200, JSON.stringify(cont.body))
      assert.equal(cont.body.data.type, 'assistantMessage')
      assert.equal(cont.body.data.assistantMessage.content, 'first')
    }
    const after = await t.api('GET', `/v1/workspaces/${t.workspaceId}/objectives/${id}`)
    assert.deepEqual(after.body, before.body)
    assert.equal(fake.requests.length, requests, 'no model call')
  })

  it('enqueue with no message is 400 naming message, and changes nothing', async () => {
    const fake = fakes.openai
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    fake.enqueue({ text: 'slow', delayMs: 600 })
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'Q1' },
    })
    const id = created.body.metadata.id
    await waitForState(t, id, ['STATE_RUNNING'])
    const res = await t.api('POST', `/v1/objectives/${id}/continue`, { enqueue: true })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.code, 3)
    assert.equal(res.body.details[0].fieldViolations[0].field, 'message')
    await waitForState(t, id, ['STATE_WAITING'])
    assert.deepEqual(eventTypes(await allEvents(t, id)), ['userMessage', 'assistantMessage'])
  })
})

describe('concurrent continues', () => {
  it('two concurrent enqueued continues are both kept, in order', async () => {
    const fake = fakes.openai
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    fake.enqueue({ text: 'a0' })
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'Q' },
    })
    const id = created.body.metadata.id
    await waitForState(t, id, ['STATE_WAITING'])
    fake.enqueue({ text: 'a1', delayMs: 200 }, { text: 'a2' })
    const [c1, c2] = await Promise.all(
      ['one', 'two'].map((message) =>
        t.api('POST', `/v1/objectives/${id}/continue`, { message, enqueue: true }),
      ),
    )
    assert.equal(c1!.status, 200, JSON.stringify(c1!.body))
    assert.equal(c2!.status, 200, JSON.stringify(c2!.body))
    const deadline = Date.now() + 10_000
    let events = await allEvents(t, id)
    while (events.length < 6 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25))
      events = await allEvents(t, id)
    }
    await waitForState(t, id, ['STATE_WAITING'])
    events = await allEvents(t, id)
    const users = events.filter((e) => e.data.type === 'userMessage').slice(1)
    assert.deepEqual(
      users.map((e) => e.metadata.id).sort(),
      [c1!.body.metadata.id, c2!.body.metadata.id].sort(),
    )
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'userMessage',
      'assistantMessage',
      'userMessage',
      'assistantMessage',
    ])
    await assertCountersMatchRows(id)
  })
})

describe('cancelling', () => {
  it('cancel during a slow model call aborts the request and the cancelled event is last', async () => {
    const fake = fakes.openai
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    fake.enqueue({ text: 'too late', delayMs: 10_000 })
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'slow' },
    })
    const id = created.body.metadata.id
    const deadline = Date.now() + 5000
    while (fake.inFlight() === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10))
    assert.equal(fake.inFlight(), 1)
    const disconnectsBefore = fake.disconnects()
    const requestsBefore = fake.requests.length
    const res = await t.api('POST', `/v1/objectives/${id}/cancel`, { reason: 'no longer needed' })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    // The abort is part of the cancel: measured from the API's answer so a loaded test machine
    // timing the request itself does not count.
    const answered = Date.now()
    assert.equal(res.body.status.state, 'STATE_CANCELLED')
    assert.equal(res.body.status.message, 'no longer needed')
    await fake.waitForDisconnects(disconnectsBefore + 1)
    assert.ok(Date.now() - answered < 100, `aborted ${Date.now() - answered} ms after the cancel`)
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(fake.requests.length, requestsBefore, 'no provider request after the cancel')
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), ['userMessage', 'cancelled'])
    assert.equal(events[1].data.cancelled.message, 'no longer needed')
    await assertCountersMatchRows(id)

    const again = await t.api('POST', `/v1/objectives/${id}:cancel`, {})
    assert.equal(again.status, 400)
    assert.equal(again.body.code, 9)
    const cont = await t.api('POST', `/v1/objectives/${id}/continue`, { message: 'more' })
    assert.equal(cont.status, 400)
    assert.equal(cont.body.code, 9)
  })
})

describe('failures', () => {
  it('provider 500s fail the objective with the provider message and an error event', async () => {
    const fake = fakes.anthropic
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.anthropic,
      toolBaseUrl: tools.baseUrl,
    })
    fake.enqueue(
      { status: 500, errorMessage: 'upstream exploded' },
      { status: 500, errorMessage: 'upstream exploded' },
    )
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'x' },
    })
    const id = created.body.metadata.id
    const done = await waitForState(t, id, ['STATE_FAILED', 'STATE_WAITING'])
    assert.equal(done.status.state, 'STATE_FAILED')
    assert.match(done.status.message, /upstream exploded/)
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), ['userMessage', 'error'])
    assert.equal(events[1].data.error.type, 'provider_error')
    assert.match(events[1].data.error.message, /upstream exploded/)
    await assertCountersMatchRows(id)
  })

  it('invalid tool arguments become a toolError for the model and the loop continues', async () => {
    const fake = fakes.openai
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    const backendCalls = tools.requests.length
    fake.enqueue(
      { toolCalls: [{ name: 'lookup', arguments: { id: 42 } }] },
      { toolCalls: [{ name: 'no_such_tool', arguments: {} }] },
      { text: 'I give up' },
    )
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'x' },
    })
    const id = created.body.metadata.id
    await waitForState(t, id, ['STATE_WAITING'])
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolError',
      'assistantMessage',
      'toolError',
      'assistantMessage',
    ])
    assert.match(events[2].data.toolError.message, /invalid arguments/)
    assert.equal(tools.requests.length, backendCalls, 'the tool backend was never called')
    const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls`)
    assert.ok(
      calls.body.items.every(
        (c: any) => c.executionStatus === 'TOOL_CALL_EXECUTION_STATUS_ERRORED',
      ),
    )
    await assertCountersMatchRows(id)
  })

  it('maxToolCalls refuses further calls and fails after two more tool-calling turns', async () => {
    const fake = fakes.openai
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
      constraints: { maxToolCalls: 1 },
    })
    const call = { toolCalls: [{ name: 'lookup', arguments: { id: 'a' } }] }
    fake.enqueue(call, call, call, call)
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'x' },
    })
    const id = created.body.metadata.id
    const done = await waitForState(t, id, ['STATE_FAILED', 'STATE_WAITING'])
    assert.equal(done.status.state, 'STATE_FAILED')
    assert.equal(done.status.message, 'tool call limit reached')
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'assistantMessage',
      'toolError',
      'assistantMessage',
      'toolError',
      'assistantMessage',
      'toolError',
      'error',
    ])
    assert.equal(events[5].data.toolError.message, 'tool call limit reached')
    await assertCountersMatchRows(id)
  })
})
