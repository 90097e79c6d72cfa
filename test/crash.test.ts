import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { startFakeProvider, type FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  eventTypes,
  providerEnv,
  startToolServer,
  type ToolServer,
} from './support/objectives.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'
import { startWorkerProcess as startWorker } from './support/worker-process.ts'

const TOOL_TURNS = 3
const OBJECTIVES = 10
const secretKey = randomBytes(32).toString('hex')

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
const children: ChildProcess[] = []

before(async () => {
  fake = await startFakeProvider('openai')
  // Every objective calls the tool TOOL_TURNS times, slowly, then answers.
  fake.setResponder((req) => {
    // A summarisation (offered no tools) is slow: a worker can be killed in the middle of one.
    if (!req.body.tools) return { text: 'Summary: lookups so far went fine.', delayMs: 1500 }
    const results = (req.body.messages as { role: string }[]).filter((m) => m.role === 'tool')
    if (results.length >= TOOL_TURNS) return { text: 'all done', delayMs: 150 }
    return {
      toolCalls: [{ name: 'lookup', arguments: { id: `n${results.length}` } }],
      delayMs: 150,
    }
  })
  tools = await startToolServer(150)
  // The API runs here without a worker; workers run as separate processes on the same database.
  t = await startTestSortie({ ...providerEnv([fake]), SORTIE_SECRET_KEY: secretKey })
})
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  await t?.sortie.stop()
  await tools?.close()
  await fake?.close()
})

async function startWorkerProcess(): Promise<ChildProcess> {
  const child = await startWorker({
    DATABASE_URL: t.databaseUrl,
    SORTIE_SECRET_KEY: secretKey,
    SORTIE_LEASE_SECONDS: '2',
    SORTIE_POLL_MS: '200',
    ...providerEnv([fake]),
  })
  children.push(child)
  return child
}

async function states(ids: string[]): Promise<string[]> {
  return Promise.all(
    ids.map(async (id) => {
      const res = await t.api('GET', `/v1/workspaces/${t.workspaceId}/objectives/${id}`)
      return res.body.status.state as string
    }),
  )
}

describe('crash recovery', () => {
  it('objectives of a SIGKILLed worker finish on another worker with no lost or doubled step', async () => {
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    const first = await startWorkerProcess()
    const ids: string[] = []
    for (let i = 0; i < OBJECTIVES; i++) {
      const res = await t.api('POST', '/v1/objectives', {
        agentId,
        data: { initialMessage: `task ${i}` },
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      ids.push(res.body.metadata.id)
    }
    // Kill mid-way: some steps committed, model calls and tool requests in flight.
    const deadline = Date.now() + 20_000
    while (fake.requests.length + tools.requests.length < OBJECTIVES * 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20))
    }
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))
    const midway = await states(ids)
    assert.ok(
      midway.some((s) => s === 'STATE_RUNNING'),
      `some objectives were still running at the kill: ${midway}`,
    )

    await startWorkerProcess()
    const finish = Date.now() + 30_000
    let now = await states(ids)
    while (
      !now.every((s) => s === 'STATE_WAITING' || s === 'STATE_FAILED') &&
      Date.now() < finish
    ) {
      await new Promise((r) => setTimeout(r, 100))
      now = await states(ids)
    }
    assert.deepEqual(
      now,
      ids.map(() => 'STATE_WAITING'),
    )

    const expected = [
      'userMessage',
      ...Array.from({ length: TOOL_TURNS }, () => [
        'assistantMessage',
        'toolCalled',
        'toolResult',
      ]).flat(),
      'assistantMessage',
    ]
    for (const id of ids) {
      const events = await allEvents(t, id)
      assert.deepEqual(eventTypes(events), expected, `events of ${id}`)
      const results = events.filter((e) => e.data.type === 'toolResult')
      const resultIds = results.map((e) => e.data.toolResult.toolCallId)
      assert.equal(new Set(resultIds).size, resultIds.length, 'one result per tool call')
      const seq = await t.sortie.deps.db
        .selectFrom('objective_events')
        .select('seq')
        .where('objective_id', '=', id)
        .orderBy('seq')
        .execute()
      assert.deepEqual(
        seq.map((r) => r.seq),
        events.map((_, i) => i + 1),
      )
      const obj = await t.api('GET', `/v1/objectives/${id}`)
      const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls`)
      assert.equal(obj.body.info.totalEvents, events.length)
      assert.equal(obj.body.info.totalToolCalls, calls.body.items.length)
      assert.equal(calls.body.items.length, TOOL_TURNS)
      assert.ok(
        calls.body.items.every(
          (c: any) => c.executionStatus === 'TOOL_CALL_EXECUTION_STATUS_COMPLETED',
        ),
      )
    }
  })

  it('a manual compact of a RUNNING objective whose worker is SIGKILLed mid-compaction is answered by the next worker, once', async () => {
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    const first = await startWorkerProcess()
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'compact me while you work' },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const id = created.body.metadata.id
    const mine = () =>
      fake.requests.filter((r) => JSON.stringify(r.body.messages).includes('compact me'))
    while (mine().length < 2) await new Promise((r) => setTimeout(r, 20))
    const compacting = t.api('POST', `/v1/objectives/${id}/compact`, {})
    // Killed while it summarises: nothing of that compaction is committed.
    while (!mine().some((r) => !r.body.tools)) await new Promise((r) => setTimeout(r, 20))
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))
    await startWorkerProcess()
    const res = await compacting
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.contextWindow.sequence, 2)
    assert.match(res.body.contextWindow.previousWindowContinueInstructions, /lookups so far/)

    const finish = Date.now() + 30_000
    while ((await states([id]))[0] !== 'STATE_WAITING' && Date.now() < finish) {
      await new Promise((r) => setTimeout(r, 100))
    }
    assert.deepEqual(await states([id]), ['STATE_WAITING'])
    const events = await allEvents(t, id)
    const compactions = events.filter((e) => e.data.type === 'contextWindowCompacted')
    assert.equal(compactions.length, 1, 'compacted once')
    assert.equal(eventTypes(events).at(-1), 'assistantMessage')
    const windows = await t.api('GET', `/v1/objectives/${id}/context_windows`)
    assert.equal(windows.body.items.length, 2)
    const obj = await t.api('GET', `/v1/objectives/${id}`)
    assert.equal(obj.body.info.totalContextWindows, 2)
    assert.equal(obj.body.info.totalEvents, events.length)
    const sum = (k: string) => windows.body.items.reduce((n: number, w: any) => n + w.data[k], 0)
    assert.equal(obj.body.info.totalInputTokens, sum('promptTokens'))
    assert.equal(obj.body.info.totalOutputTokens, sum('completionTokens'))
  })
})

describe('crash recovery of sub-agent calls', () => {
  it('parents and children of a SIGKILLed worker finish on another worker: each call spawns one child and gets one result', async () => {
    const PARENTS = 4
    const CALLS = 2
    const parent = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
      prompt: 'You are the PARENT agent.',
    })
    const child = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
      prompt: 'You are the CHILD agent.',
    })
    const assigned = await t.api('POST', `/v1/agent_variations/${parent.variationId}/assignments`, {
      subAgentId: child.agentId,
    })
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body))
    const subTool = (await t.api('GET', `/v1/agents/${child.agentId}`)).body.metadata.name
    // Children look a record up (slowly) and answer; parents call the sub-agent CALLS times in
    // one turn, then sum up what came back.
    fake.setResponder((req) => {
      const messages = req.body.messages as { role: string; content: unknown }[]
      const system = String(messages.find((m) => m.role === 'system')?.content ?? '')
      const results = messages.filter((m) => m.role === 'tool')
      if (system.includes('CHILD')) {
        if (results.length === 0) {
          return { toolCalls: [{ name: 'lookup', arguments: { id: 'c' } }], delayMs: 150 }
        }
        return { text: 'child done', delayMs: 150 }
      }
      if (results.length === 0) {
        return {
          toolCalls: Array.from({ length: CALLS }, (_, i) => ({
            name: subTool,
            arguments: { prompt: `part ${i}` },
          })),
          delayMs: 100,
        }
      }
      return { text: `summary of ${results.length}`, delayMs: 100 }
    })
    const requestsBefore = fake.requests.length
    const first = await startWorkerProcess()
    const ids: string[] = []
    for (let i = 0; i < PARENTS; i++) {
      const res = await t.api('POST', '/v1/objectives', {
        agentId: parent.agentId,
        data: { initialMessage: `delegate ${i}` },
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      ids.push(res.body.metadata.id)
    }
    // Kill once children are at work: parents wait on them, children have calls in flight.
    const deadline = Date.now() + 20_000
    while (fake.requests.length - requestsBefore < PARENTS * 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20))
    }
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))
    const midway = await Promise.all(
      ids.map(async (id) => (await t.api('GET', `/v1/objectives/${id}`)).body.status.state),
    )
    assert.ok(
      midway.some((s) => s !== 'STATE_COMPLETED'),
      `some parents were still at work at the kill: ${midway}`,
    )

    await startWorkerProcess()
    // The seed-004 family shows a parent waiting on its children as RUNNING, and the end of its
    // turn as COMPLETED.
    const turnStates = () =>
      Promise.all(
        ids.map(async (id) => (await t.api('GET', `/v1/objectives/${id}`)).body.status.state),
      )
    const finish = Date.now() + 40_000
    let now = await turnStates()
    while (
      !now.every((s) => s === 'STATE_COMPLETED' || s === 'STATE_FAILED') &&
      Date.now() < finish
    ) {
      await new Promise((r) => setTimeout(r, 100))
      now = await turnStates()
    }
    assert.deepEqual(
      now,
      ids.map(() => 'STATE_COMPLETED'),
    )

    for (const id of ids) {
      const res = await t.api(
        'GET',
        `/v1/workspaces/${t.workspaceId}/objectives/${id}/events?limit=500`,
      )
      const events: any[] = res.body.items
      const types = eventTypes(events)
      const count = (type: string) => types.filter((x) => x === type).length
      assert.equal(count('subAgentSpawned'), CALLS, `spawns of ${id}: ${types}`)
      assert.equal(count('subAgentUpdated'), CALLS, `updates of ${id}: ${types}`)
      assert.equal(count('toolResult'), CALLS, `results of ${id}: ${types}`)
      assert.equal(types.at(-1), 'assistantMessage')
      const updates = events.filter((e) => e.data.type === 'subAgentUpdated')
      assert.ok(updates.every((e) => e.data.subAgentUpdated.status === 'STATUS_COMPLETED'))
      const obj = await t.api('GET', `/v1/objectives/${id}`)
      assert.equal(obj.body.info.totalEvents, events.length)
      const kids = await t.api(
        'GET',
        `/v1/workspaces/${t.workspaceId}/objectives?parentObjectiveId=${id}`,
      )
      assert.equal(kids.body.items.length, CALLS, 'one child per call, none spawned twice')
      for (const kid of kids.body.items) {
        assert.equal(kid.status.state, 'STATE_WAITING')
        const kidEvents = eventTypes(await allEvents(t, kid.metadata.id))
        assert.deepEqual(kidEvents, [
          'userMessage',
          'assistantMessage',
          'toolCalled',
          'toolResult',
          'assistantMessage',
        ])
      }
    }
  })
})
