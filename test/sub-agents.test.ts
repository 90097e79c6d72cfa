import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, beforeEach, describe, it } from 'node:test'
import type { FakeProvider, FakeRequest } from './support/fake-provider.ts'
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
import { openStream } from './support/sse.ts'

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let engine: EngineTest
before(async () => {
  engine = await startEngineTest({
    env: {
      SORTIE_ALLOW_PRIVATE_WEBHOOKS: '1',
      SORTIE_WEBHOOK_RETRY_SCHEDULE: '20ms',
      SORTIE_WEBHOOK_POLL_MS: '20',
    },
  })
  ;({ t, fake, tools } = engine)
})
after(() => engine?.close())

const ws = () => `/v1/workspaces/${t.workspaceId}`
const USAGE = { input: 10, output: 5 }
const PARENT = 'You are the PARENT agent.'
const CHILD = 'You are the CHILD agent.'

/** The chat messages of a request, and who sent it (by its system prompt). */
function chat(req: FakeRequest) {
  const messages: any[] = req.body.messages
  const system = messages.find((m) => m.role === 'system')?.content ?? ''
  return { messages, isChild: String(system).includes('CHILD') }
}

/** The function name the parent's model sees for the sub-agent (its agent name). */
async function functionNameOf(agentId: string): Promise<string> {
  const res = await t.api('GET', `/v1/agents/${agentId}`)
  return res.body.metadata.name
}

/** A parent agent whose variation assigns a child agent as a sub-agent. */
async function family(constraints?: Record<string, number>) {
  const parent = await createAgent(t, {
    modelId: MODEL_OF.openai,
    toolBaseUrl: tools.baseUrl,
    prompt: PARENT,
    ...(constraints ? { constraints } : {}),
  })
  const child = await createAgent(t, {
    modelId: MODEL_OF.openai,
    toolBaseUrl: tools.baseUrl,
    prompt: CHILD,
  })
  const assigned = await t.api('POST', `/v1/agent_variations/${parent.variationId}/assignments`, {
    subAgentId: child.agentId,
  })
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body))
  return { parent, child, tool: await functionNameOf(child.agentId) }
}

/**
 * Scripted models: the child answers its prompt; the parent calls the sub-agent with each of
 * `prompts` in one turn, then summarises the tool results it got back.
 */
function script(tool: string, prompts: string[], child?: (req: FakeRequest) => any) {
  fake.setResponder((req) => {
    const { messages, isChild } = chat(req)
    if (isChild) {
      if (child) return child(req)
      const prompt = messages.filter((m) => m.role === 'user').at(-1)?.content
      return { text: `child answer to ${prompt}`, usage: USAGE }
    }
    const results = messages.filter((m) => m.role === 'tool')
    if (results.length === 0) {
      return {
        toolCalls: prompts.map((prompt) => ({ name: tool, arguments: { prompt } })),
        usage: USAGE,
      }
    }
    return { text: `summary: ${results.map((m) => m.content).join(' | ')}`, usage: USAGE }
  })
}

async function launch(agentId: string, message = 'delegate it'): Promise<string> {
  const res = await t.api('POST', '/v1/objectives', { agentId, data: { initialMessage: message } })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.metadata.id
}

/** Waits until the objective's turn is over (seed-004 COMPLETED = WAITING(turn_complete)). */
async function waitForTurnEnd(id: string): Promise<any> {
  for (let i = 0; i < 600; i++) {
    const res = await t.api('GET', `/v1/objectives/${id}`)
    if (['STATE_COMPLETED', 'STATE_FAILED'].includes(res.body.status.state)) return res.body
    await new Promise((r) => setTimeout(r, 25))
  }
  assert.fail(`objective ${id} did not end its turn`)
}

async function children(parentId: string): Promise<any[]> {
  const res = await t.api('GET', `${ws()}/objectives?parentObjectiveId=${parentId}&sortOrder=asc`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.items
}

beforeEach(() => fake.setResponder(() => ({ text: 'done' })))

describe('sub-agents as tools', () => {
  it('a sub-agent is a callable tool of the parent: {agent: RM}, its name, a prompt parameter', async () => {
    const { parent, child, tool } = await family()
    fake.setResponder(() => ({ text: 'nothing to delegate', usage: USAGE }))
    const requests = fake.requests.length
    const id = await launch(parent.agentId)
    const done = await waitForTurnEnd(id)
    assert.equal(done.status.state, 'STATE_COMPLETED', JSON.stringify(done.status))
    const agents = done.info.callableTools.filter((c: any) => c.agent)
    assert.equal(agents.length, 1)
    assert.equal(agents[0].agent.id, child.agentId)
    assert.equal(agents[0].agent.name, tool)
    assert.equal(agents[0].agent.workspaceId, t.workspaceId)
    const listed = await t.api('GET', `/v1/objectives/${id}/tools`)
    assert.ok(listed.body.items.some((i: any) => i.metadata.id === child.agentId))
    const offered = fake.requests[requests]!.body.tools.map((x: any) => x.function)
    const fn = offered.find((f: any) => f.name === tool)
    assert.ok(fn, `offered ${offered.map((f: any) => f.name)}`)
    assert.deepEqual(fn.parameters.required, ['prompt'])
    assert.equal(fn.parameters.properties.prompt.type, 'string')
  })

  it('the parent calls the sub-agent, the child runs its own turn, and the parent resumes with its answer', async () => {
    const { parent, child, tool } = await family()
    script(tool, ['find r-1'])
    const id = await launch(parent.agentId)
    const done = await waitForTurnEnd(id)
    assert.equal(done.status.state, 'STATE_COMPLETED', JSON.stringify(done.status))

    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'subObjectiveCreated',
      'subAgentUpdated',
      'toolResult',
      'assistantMessage',
    ])
    const kids = await children(id)
    assert.equal(kids.length, 1)
    const kid = kids[0]
    assert.deepEqual(events[3].data.subObjectiveCreated.metadata, kid.metadata)
    assert.equal(kid.data.parentObjectiveId, id)
    assert.equal(kid.data.initialMessage, 'find r-1')
    assert.equal(kid.data.agent.metadata.id, child.agentId)
    assert.equal(kid.status.state, 'STATE_WAITING')
    assert.deepEqual(eventTypes(await allEvents(t, kid.metadata.id)), [
      'userMessage',
      'assistantMessage',
    ])
    assert.equal(events[5].data.toolResult.content, 'child answer to find r-1')
    assert.equal(events[6].data.assistantMessage.content, 'summary: child answer to find r-1')

    const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls`)
    assert.equal(calls.body.items.length, 1)
    const call = calls.body.items[0]
    assert.equal(call.data.callable.agent.id, child.agentId)
    assert.deepEqual(call.data.arguments, { prompt: 'find r-1' })
    assert.equal(call.executionStatus, 'TOOL_CALL_EXECUTION_STATUS_COMPLETED')
    assert.equal(call.data.result, 'child answer to find r-1')
    assert.equal(events[5].data.toolResult.toolCallId, call.metadata.id)

    const info = (await t.api('GET', `/v1/objectives/${id}`)).body.info
    assert.equal(info.totalToolCalls, 1)
    assert.equal(info.totalEvents, 7)
    assert.equal(info.totalInputTokens, 20, 'two parent turns; the child counts its own')
    assert.equal(info.totalOutputTokens, 10)
    const childInfo = (await t.api('GET', `/v1/objectives/${kid.metadata.id}`)).body.info
    assert.equal(childInfo.totalInputTokens, 10)
    assert.equal(childInfo.totalEvents, 2)
    const row = await t.sortie.deps.db
      .selectFrom('objectives')
      .select(['state', 'wait_reason', 'lease_owner'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    assert.deepEqual(row, { state: 'WAITING', wait_reason: 'turn_complete', lease_owner: null })
  })

  it('several sub-agent calls in one turn run in parallel and the parent resumes once all answered', async () => {
    const { parent, tool } = await family()
    script(tool, ['a', 'b', 'c'])
    const requests = fake.requests.length
    const id = await launch(parent.agentId)
    const done = await waitForTurnEnd(id)
    assert.equal(done.status.state, 'STATE_COMPLETED', JSON.stringify(done.status))
    const types = eventTypes(await allEvents(t, id))
    assert.equal(types.filter((x) => x === 'subObjectiveCreated').length, 3)
    assert.equal(types.filter((x) => x === 'toolResult').length, 3)
    assert.equal(types.filter((x) => x === 'subAgentUpdated').length, 3)
    assert.equal(types.at(-1), 'assistantMessage')
    const parentTurns = fake.requests.slice(requests).filter((r) => !chat(r).isChild)
    assert.equal(parentTurns.length, 2, 'the model is called again only once every child answered')
    const final = (await allEvents(t, id)).at(-1).data.assistantMessage.content
    for (const p of ['a', 'b', 'c']) assert.match(final, new RegExp(`child answer to ${p}`))
    assert.equal((await children(id)).length, 3)
  })

  it('constraints.maxSubObjectives refuses further sub-agent calls with a toolError', async () => {
    const { parent, tool } = await family({ maxSubObjectives: 1 })
    script(tool, ['first', 'second'])
    const id = await launch(parent.agentId)
    const done = await waitForTurnEnd(id)
    assert.equal(done.status.state, 'STATE_COMPLETED', JSON.stringify(done.status))
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolError',
      'toolCalled',
      'subObjectiveCreated',
      'subAgentUpdated',
      'toolResult',
      'assistantMessage',
    ])
    assert.equal(events[2].data.toolError.message, 'sub-objective limit reached')
    assert.equal((await children(id)).length, 1)
    const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls?sortOrder=asc`)
    assert.deepEqual(
      calls.body.items.map((c: any) => c.executionStatus),
      ['TOOL_CALL_EXECUTION_STATUS_COMPLETED', 'TOOL_CALL_EXECUTION_STATUS_ERRORED'],
    )
    assert.equal(done.info.totalToolCalls, 2)
  })

  it("a failed child becomes a toolError of the parent's call, and the parent carries on", async () => {
    const { parent, tool } = await family()
    script(tool, ['break'], () => ({ status: 400, errorMessage: 'the child model refused' }))
    const id = await launch(parent.agentId)
    const done = await waitForTurnEnd(id)
    assert.equal(done.status.state, 'STATE_COMPLETED', JSON.stringify(done.status))
    const [kid] = await children(id)
    assert.equal(kid.status.state, 'STATE_FAILED')
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'subObjectiveCreated',
      'subAgentUpdated',
      'toolError',
      'assistantMessage',
    ])
    const message = events[5].data.toolError.message
    assert.match(message, new RegExp(`sub-objective ${kid.metadata.id} failed`))
    assert.match(message, /the child model refused/)
  })

  it('a sub-agent with an inputDataSchema takes it as parameters and its arguments become the child data', async () => {
    const schema = {
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
    }
    const created = await t.api('POST', '/v1/agents', {
      metadata: { name: 'weather_agent' },
      spec: { status: 'AGENT_STATUS_PUBLISHED', inputDataSchema: schema, description: 'Weather' },
      defaultVariation: {
        metadata: { name: 'v1' },
        spec: {
          prompt: `${CHILD} Report the weather in {{ city }}.`,
          modelConfig: { modelId: MODEL_OF.openai },
        },
      },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const { parent } = await family()
    const assigned = await t.api('POST', `/v1/agent_variations/${parent.variationId}/assignments`, {
      subAgentId: created.body.metadata.id,
    })
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body))
    const requests = fake.requests.length
    fake.setResponder((req) => {
      const { messages, isChild } = chat(req)
      if (isChild) return { text: `sunny (${messages[0].content})`, usage: USAGE }
      if (messages.some((m) => m.role === 'tool')) return { text: 'ok', usage: USAGE }
      return { toolCalls: [{ name: 'weather_agent', arguments: { city: 'Oslo' } }], usage: USAGE }
    })
    const id = await launch(parent.agentId)
    const done = await waitForTurnEnd(id)
    assert.equal(done.status.state, 'STATE_COMPLETED', JSON.stringify(done.status))
    const fn = fake.requests[requests]!.body.tools.find(
      (x: any) => x.function.name === 'weather_agent',
    ).function
    assert.deepEqual(fn.parameters.required, ['city'])
    assert.equal(fn.description, 'Weather')
    const [kid] = await children(id)
    assert.deepEqual(kid.data.data, { city: 'Oslo' })
    assert.equal(kid.data.initialMessage, '')
    assert.match(kid.data.systemPrompt, /weather in Oslo/)
    const result = (await allEvents(t, id)).find((e) => e.data.type === 'toolResult')
    assert.match(result.data.toolResult.content, /^sunny/)
  })
})

describe('sub-objectives and control', () => {
  it('a parent waiting for sub-objectives shows RUNNING (seed-004) and refuses a continue without enqueue', async () => {
    const { parent, tool } = await family()
    script(tool, ['slow'], () => ({ text: 'late', delayMs: 60_000 }))
    const id = await launch(parent.agentId)
    await waitForState(t, id, ['STATE_WAITING'])
    const row = await t.sortie.deps.db
      .selectFrom('objectives')
      .select(['state', 'wait_reason', 'lease_owner'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    assert.deepEqual(row, { state: 'WAITING', wait_reason: 'sub_objectives', lease_owner: null })
    assert.equal((await t.api('GET', `/v1/objectives/${id}`)).body.status.state, 'STATE_RUNNING')
    const refused = await t.api('POST', `/v1/objectives/${id}/continue`, { message: 'hurry' })
    assert.equal(refused.status, 400)
    assert.equal(refused.body.code, 9)
    const disconnects = fake.disconnects()
    await t.api('POST', `/v1/objectives/${id}/cancel`, {})
    await fake.waitForDisconnects(disconnects + 1)
  })

  it('cancelling a parent cancels its running children, aborts their model calls and reports each as subAgentUpdated(STATUS_CANCELLED) before its own cancelled event', async () => {
    const { parent, tool } = await family()
    script(tool, ['slow'], () => ({ text: 'late', delayMs: 60_000 }))
    const id = await launch(parent.agentId)
    await waitForState(t, id, ['STATE_WAITING'])
    const [kid] = await children(id)
    await waitForState(t, kid.metadata.id, ['STATE_RUNNING'])
    const disconnects = fake.disconnects()
    const res = await t.api('POST', `/v1/objectives/${id}/cancel`, { reason: 'stop' })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.status.state, 'STATE_CANCELLED')
    await fake.waitForDisconnects(disconnects + 1)
    const child = await t.api('GET', `${ws()}/objectives/${kid.metadata.id}`)
    assert.equal(child.body.status.state, 'STATE_CANCELLED')
    assert.equal(child.body.status.message, 'the parent objective was cancelled')
    const childEvents = await allEvents(t, kid.metadata.id)
    assert.equal(eventTypes(childEvents).at(-1), 'cancelled')
    // The parent reports its call's child as cancelled, then ends with its own `cancelled`.
    const parentEvents = await allEvents(t, id)
    assert.deepEqual(eventTypes(parentEvents).slice(-2), ['subAgentUpdated', 'cancelled'])
    const update = parentEvents.at(-2).data.subAgentUpdated
    assert.equal(update.status, 'STATUS_CANCELLED')
    assert.equal(update.objective.id, kid.metadata.id)
    assert.ok(update.agent.name, JSON.stringify(update))
    const seqs = (
      await t.sortie.deps.db
        .selectFrom('objective_events')
        .select('seq')
        .where('objective_id', '=', id)
        .orderBy('seq')
        .execute()
    ).map((r) => r.seq)
    assert.deepEqual(
      seqs,
      parentEvents.map((_: unknown, i: number) => i + 1),
    )
    const after = await t.api('GET', `/v1/objectives/${id}`)
    assert.equal(after.body.info.totalEvents, parentEvents.length)
  })

  it("cancelling a child answers the parent's call with a toolError and the parent resumes", async () => {
    const { parent, tool } = await family()
    script(tool, ['slow'], () => ({ text: 'late', delayMs: 60_000 }))
    const id = await launch(parent.agentId)
    await waitForState(t, id, ['STATE_WAITING'])
    const [kid] = await children(id)
    const res = await t.api('POST', `/v1/objectives/${kid.metadata.id}/cancel`, {
      reason: 'not needed',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const done = await waitForTurnEnd(id)
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events).slice(-3), [
      'subAgentUpdated',
      'toolError',
      'assistantMessage',
    ])
    assert.equal(
      events.at(-2).data.toolError.message,
      `sub-objective ${kid.metadata.id} was cancelled: not needed`,
    )
    assert.equal(events.at(-3).data.subAgentUpdated.status, 'STATUS_CANCELLED')
    assert.equal(events.at(-3).data.subAgentUpdated.objective.id, kid.metadata.id)
    assert.equal(done.status.state, 'STATE_COMPLETED')
  })
})

/** A webhook receiver on 127.0.0.1 that acknowledges everything and keeps the parsed bodies. */
async function startReceiver() {
  const bodies: any[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      bodies.push(JSON.parse(body))
      res.writeHead(200).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function wsEvents(id: string): Promise<any[]> {
  const res = await t.api('GET', `${ws()}/objectives/${id}/events?limit=500`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.items
}

describe('sub-agent events (seed 003: subAgentSpawned, subAgentUpdated)', () => {
  it('the workspace family shows the spawn as subAgentSpawned{agent, objective, task} and the implicit family as subObjectiveCreated: one event, same id, same count', async () => {
    const { parent, child, tool } = await family()
    script(tool, ['find r-2'])
    const id = await launch(parent.agentId)
    await waitForTurnEnd(id)
    const [kid] = await children(id)

    const implicit = await allEvents(t, id)
    const workspace = await wsEvents(id)
    assert.deepEqual(
      workspace.map((e) => e.metadata.id),
      implicit.map((e) => e.metadata.id),
    )
    assert.deepEqual(eventTypes(workspace), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'subAgentSpawned',
      'subAgentUpdated',
      'toolResult',
      'assistantMessage',
    ])
    assert.equal(implicit[3].data.type, 'subObjectiveCreated')
    assert.deepEqual(implicit[3].data.subObjectiveCreated, { metadata: kid.metadata })
    assert.equal(implicit[3].data.subAgentSpawned, undefined)

    const spawned = workspace[3].data
    assert.equal(spawned.subObjectiveCreated, undefined)
    assert.deepEqual(Object.keys(spawned.subAgentSpawned).sort(), ['agent', 'objective', 'task'])
    assert.deepEqual(spawned.subAgentSpawned.agent, kid.data.agent.metadata)
    assert.equal(spawned.subAgentSpawned.agent.id, child.agentId)
    assert.equal(spawned.subAgentSpawned.agent.name, tool)
    assert.deepEqual(spawned.subAgentSpawned.objective, kid.metadata)
    assert.equal(spawned.subAgentSpawned.task, 'find r-2')

    for (const path of [`/v1/objectives/${id}`, `${ws()}/objectives/${id}`]) {
      const info = (await t.api('GET', path)).body.info
      assert.equal(info.totalEvents, workspace.length, path)
    }

    // Streams present the same way, and resuming after the toolCalled starts at the spawn.
    const wsStream = await openStream(t.sortie, t.token, `${ws()}/objectives/${id}/events:stream`)
    const wsFrames = await wsStream.collect()
    assert.deepEqual(
      wsFrames.map((f) => f.id),
      workspace.map((e) => e.metadata.id),
    )
    assert.deepEqual(JSON.parse(wsFrames[3]!.data).data, spawned)
    const implicitStream = await openStream(t.sortie, t.token, `/v1/objectives/${id}/events:stream`)
    const implicitFrames = await implicitStream.collect()
    assert.deepEqual(JSON.parse(implicitFrames[3]!.data).data, implicit[3].data)
    const resumed = await openStream(t.sortie, t.token, `${ws()}/objectives/${id}/events:stream`, {
      'last-event-id': workspace[2].metadata.id,
    })
    const rest = await resumed.collect()
    assert.equal(rest.length, workspace.length - 3)
    assert.equal(JSON.parse(rest[0]!.data).data.type, 'subAgentSpawned')
  })

  it("subAgentUpdated precedes each call's result: STATUS_COMPLETED with the child's answer, STATUS_FAILED with its failure", async () => {
    const { parent, child, tool } = await family()
    script(tool, ['fine', 'break'], (req) => {
      const prompt = chat(req)
        .messages.filter((m) => m.role === 'user')
        .at(-1)?.content
      if (prompt === 'break') return { status: 400, errorMessage: 'the child model refused' }
      return { text: `child answer to ${prompt}`, usage: USAGE }
    })
    const id = await launch(parent.agentId)
    const done = await waitForTurnEnd(id)
    assert.equal(done.status.state, 'STATE_COMPLETED', JSON.stringify(done.status))
    const kids = await children(id)
    const kidOf = (prompt: string) => kids.find((k) => k.data.initialMessage === prompt)

    for (const events of [await allEvents(t, id), await wsEvents(id)]) {
      const types = eventTypes(events)
      assert.equal(types.filter((x) => x === 'subAgentUpdated').length, 2)
      const results = events.filter((e) => ['toolResult', 'toolError'].includes(e.data.type))
      assert.equal(results.length, 2)
      for (const result of results) {
        const update = events[events.indexOf(result) - 1].data.subAgentUpdated
        assert.ok(update, `the event before ${result.data.type} is a subAgentUpdated`)
        assert.deepEqual(update.agent, { id: child.agentId, name: tool })
        if (result.data.type === 'toolResult') {
          assert.equal(update.status, 'STATUS_COMPLETED')
          assert.deepEqual(update.objective, { id: kidOf('fine').metadata.id })
          assert.equal(update.message, 'child answer to fine')
        } else {
          assert.equal(update.status, 'STATUS_FAILED')
          assert.deepEqual(update.objective, { id: kidOf('break').metadata.id })
          assert.equal(update.message, result.data.toolError.message)
          assert.match(update.message, /the child model refused/)
        }
      }
      assert.equal(done.info.totalEvents, events.length)
    }
  })

  it('a sub-agent with an inputDataSchema is spawned with its arguments as the task', async () => {
    const created = await t.api('POST', '/v1/agents', {
      metadata: { name: 'geo_agent' },
      spec: {
        status: 'AGENT_STATUS_PUBLISHED',
        inputDataSchema: { type: 'object', properties: { city: { type: 'string' } } },
      },
      defaultVariation: {
        metadata: { name: 'v1' },
        spec: { prompt: `${CHILD} Locate {{ city }}.`, modelConfig: { modelId: MODEL_OF.openai } },
      },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const parent = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
      prompt: PARENT,
    })
    const assigned = await t.api('POST', `/v1/agent_variations/${parent.variationId}/assignments`, {
      subAgentId: created.body.metadata.id,
    })
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body))
    fake.setResponder((req) => {
      const { messages, isChild } = chat(req)
      if (isChild) return { text: 'found it', usage: USAGE }
      if (messages.some((m) => m.role === 'tool')) return { text: 'ok', usage: USAGE }
      return { toolCalls: [{ name: 'geo_agent', arguments: { city: 'Oslo' } }], usage: USAGE }
    })
    const id = await launch(parent.agentId)
    await waitForTurnEnd(id)
    const spawned = (await wsEvents(id)).find((e) => e.data.type === 'subAgentSpawned')
    assert.deepEqual(JSON.parse(spawned.data.subAgentSpawned.task), { city: 'Oslo' })
    assert.equal(spawned.data.subAgentSpawned.agent.name, 'geo_agent')
  })

  it('webhook receivers get objective_event.sub_agent_spawned and objective_event.sub_agent_updated', async () => {
    const receiver = await startReceiver()
    try {
      const { parent, tool } = await family()
      const patched = await t.api('PATCH', `/v1/agents/${parent.agentId}`, {
        spec: { webhookEventsUrl: receiver.url },
        updateMask: 'spec.webhookEventsUrl',
      })
      assert.equal(patched.status, 200, JSON.stringify(patched.body))
      script(tool, ['hooked'])
      const id = await launch(parent.agentId)
      const done = await waitForTurnEnd(id)
      const total = done.info.totalEvents
      for (let i = 0; i < 400 && receiver.bodies.length < total; i++) {
        await new Promise((r) => setTimeout(r, 25))
      }
      const ours = receiver.bodies.filter((b) => b.data.objective.id === id)
      assert.equal(ours.length, total)
      const types = ours.map((b) => b.type)
      assert.ok(types.includes('objective_event.sub_agent_spawned'), types.join())
      assert.ok(types.includes('objective_event.sub_agent_updated'), types.join())
      assert.ok(!types.includes('objective_event.sub_objective_created'), types.join())
      const spawned = ours.find((b) => b.type === 'objective_event.sub_agent_spawned')
      const listed = (await wsEvents(id)).find((e) => e.data.type === 'subAgentSpawned')
      assert.deepEqual(spawned.data.objectiveEvent, listed)
      const updated = ours.find((b) => b.type === 'objective_event.sub_agent_updated')
      assert.equal(updated.data.objectiveEvent.data.subAgentUpdated.status, 'STATUS_COMPLETED')
      assert.equal(
        updated.data.objectiveEvent.data.subAgentUpdated.message,
        'child answer to hooked',
      )
    } finally {
      await receiver.close()
    }
  })
})
