import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSortie } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createLogger } from '../src/lib/logger.ts'
import type { FakeProvider } from './support/fake-provider.ts'
import {
  allEvents,
  createAgent,
  eventTypes,
  providerEnv,
  waitForState,
  type ToolServer,
  startEngineTest,
  until,
  type EngineTest,
} from './support/objectives.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let engine: EngineTest
before(async () => {
  engine = await startEngineTest({ env: { SORTIE_PROVIDER_MAX_ATTEMPTS: '1' } })
  ;({ t, fake, tools } = engine)
})
after(() => engine?.close())

const lookup = (id: string, input = 10) => ({
  toolCalls: [{ name: 'lookup', arguments: { id } }],
  usage: { input, output: 2 },
})

/** Runs an objective through the scripted turns to WAITING; returns its id. */
async function waitingObjective(
  agentId: string,
  turns: Parameters<FakeProvider['enqueue']>,
): Promise<string> {
  fake.enqueue(...turns)
  const created = await t.api('POST', '/v1/objectives', {
    agentId,
    data: { initialMessage: 'Find the records' },
  })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const done = await waitForState(t, created.body.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
  assert.equal(done.status.state, 'STATE_WAITING', JSON.stringify(done.status))
  return created.body.metadata.id
}

async function windows(id: string): Promise<any[]> {
  const res = await t.api('GET', `/v1/objectives/${id}/context_windows`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return [...res.body.items].sort((a, b) => a.data.sequence - b.data.sequence)
}

async function assertTokensMatchWindows(id: string) {
  const obj = await t.api('GET', `/v1/objectives/${id}`)
  const list = await windows(id)
  assert.equal(obj.body.info.totalContextWindows, list.length)
  const sum = (k: string) => list.reduce((n, w) => n + w.data[k], 0)
  assert.equal(obj.body.info.totalInputTokens, sum('promptTokens'))
  assert.equal(obj.body.info.totalOutputTokens, sum('completionTokens'))
  assert.equal(obj.body.info.totalEvents, (await allEvents(t, id)).length)
}

/** Continues a WAITING objective and returns the provider request that answered it. */
async function continueAndCapture(id: string, message: string): Promise<any> {
  fake.enqueue({ text: 'Noted.', usage: { input: 5, output: 1 } })
  const before = fake.requests.length
  const res = await t.api('POST', `/v1/objectives/${id}/continue`, { message })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
  assert.equal(fake.requests.length, before + 1)
  return fake.requests[before]!.body
}

describe('context-window compaction', () => {
  it('manual compact of a WAITING objective opens window 2 from a summary, and continue sends only the compacted context', async () => {
    const { agentId } = await createAgent(t, {
      modelId: 'openai/gpt-4.1-mini',
      toolBaseUrl: tools.baseUrl,
    })
    const id = await waitingObjective(agentId, [
      lookup('r-1', 10),
      { text: 'Record r-1 was found.', usage: { input: 20, output: 5 } },
    ])
    const summary = 'The user asked for the records; r-1 was looked up and found.'
    fake.enqueue({ text: summary, usage: { input: 7, output: 3 } })
    const before = fake.requests.length
    const res = await t.api('POST', `/v1/objectives/${id}/compact`, {})
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.contextWindow, {
      objectiveId: id,
      sequence: 2,
      promptTokens: 0,
      completionTokens: 0,
      previousWindowContinueInstructions: summary,
    })
    // One summarisation call, offered no tools, given the older messages as a transcript.
    assert.equal(fake.requests.length, before + 1)
    const summarising = fake.requests[before]!.body
    assert.equal(summarising.tools, undefined)
    assert.match(JSON.stringify(summarising.messages), /Find the records/)
    assert.match(JSON.stringify(summarising.messages), /r-1/)

    const list = await windows(id)
    assert.equal(list.length, 2)
    assert.deepEqual(
      list.map((w) => [w.data.sequence, w.data.promptTokens, w.data.completionTokens]),
      [
        [1, 37, 10],
        [2, 0, 0],
      ],
      'the summarisation call counts on the window it compacted',
    )
    const events = await allEvents(t, id)
    const last = events.at(-1)
    assert.equal(last.data.type, 'contextWindowCompacted')
    assert.equal(last.contextWindowId, list[1].metadata.id)
    assert.deepEqual(last.data.contextWindowCompacted, {
      messagesCompacted: 3,
      newContextWindow: res.body.contextWindow,
      strategies: ['summarization'],
      summary,
    })
    assert.ok(!('x' in last.data), 'engine-only fields are not served')
    const obj = await t.api('GET', `/v1/objectives/${id}`)
    assert.equal(obj.body.status.state, 'STATE_COMPLETED', 'compaction leaves the state alone')
    await assertTokensMatchWindows(id)

    const sent = await continueAndCapture(id, 'Now r-2, please.')
    const text = JSON.stringify(sent.messages)
    assert.ok(!text.includes('Find the records'), 'the summarised messages are gone')
    assert.ok(!text.includes('"found":true'), 'the summarised tool result is gone')
    const roles = sent.messages.map((m: any) => m.role)
    assert.deepEqual(roles, ['system', 'user', 'assistant', 'user'])
    assert.match(sent.messages[1].content, /r-1 was looked up and found/)
    assert.equal(sent.messages[2].content, 'Record r-1 was found.')
    assert.equal(sent.messages[3].content, 'Now r-2, please.')
    const after = await allEvents(t, id)
    assert.deepEqual(eventTypes(after.slice(-3)), [
      'contextWindowCompacted',
      'userMessage',
      'assistantMessage',
    ])
    assert.ok(after.slice(-3).every((e) => e.contextWindowId === list[1].metadata.id))
    await assertTokensMatchWindows(id)
  })

  it('tool-result clearing through the :compact alias keeps the N most recent results and the calls', async () => {
    const { agentId } = await createAgent(t, {
      modelId: 'openai/gpt-4.1-mini',
      toolBaseUrl: tools.baseUrl,
    })
    const id = await waitingObjective(agentId, [
      lookup('r-1'),
      lookup('r-2'),
      lookup('r-3'),
      { text: 'All three were found.', usage: { input: 30, output: 4 } },
    ])
    const before = fake.requests.length
    const res = await t.api('POST', `/v1/workspaces/${t.workspaceId}/objectives/${id}:compact`, {
      compactionConfig: { toolResultClearing: { preserveRecentResults: 1 } },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.contextWindow.sequence, 2)
    assert.equal(fake.requests.length, before, 'clearing alone calls no model')
    const event = (await allEvents(t, id)).at(-1)
    assert.deepEqual(event.data.contextWindowCompacted.strategies, ['toolResultClearing'])
    assert.equal(event.data.contextWindowCompacted.messagesCompacted, 2)
    assert.equal(event.data.contextWindowCompacted.summary, '')

    const sent = await continueAndCapture(id, 'Thanks.')
    const results = sent.messages.filter((m: any) => m.role === 'tool').map((m: any) => m.content)
    assert.equal(results.length, 3)
    assert.deepEqual(results.slice(0, 2), ['[result cleared]', '[result cleared]'])
    assert.deepEqual(JSON.parse(results[2]), { id: 'r-3', found: true })
    const calls = sent.messages.flatMap((m: any) => m.tool_calls ?? [])
    assert.deepEqual(
      calls.map((c: any) => JSON.parse(c.function.arguments).id),
      ['r-1', 'r-2', 'r-3'],
      'the tool-call messages keep their names and arguments',
    )
    assert.equal(sent.messages[1].content, 'Find the records')
    await assertTokensMatchWindows(id)
  })

  it('a model call whose input reaches the threshold of the model context compacts before the next call', async () => {
    const key = await t.api('POST', '/v1/ai_provider_keys', {
      metadata: { name: 'tiny' },
      spec: {
        provider: 'AI_PROVIDER_OPENAI_COMPATIBLE',
        baseUrl: fake.baseUrl,
        apiKey: 'fake-key',
        models: [{ id: 'tiny/llama', name: 'fake-llama-3', maxInputTokens: 1000 }],
      },
    })
    assert.equal(key.status, 200, JSON.stringify(key.body))
    const { agentId } = await createAgent(t, {
      modelId: 'tiny/llama',
      toolBaseUrl: tools.baseUrl,
      compactionConfig: {
        triggerThreshold: 0.5,
        toolResultClearing: { preserveRecentResults: 1 },
        summarization: { instructions: 'Summarise tersely.' },
      },
    })
    const before = fake.requests.length
    const id = await waitingObjective(agentId, [
      lookup('r-1', 100),
      lookup('r-2', 600),
      { text: 'r-1 and r-2 looked up.', usage: { input: 50, output: 10 } },
      { text: 'Both done.', usage: { input: 80, output: 3 } },
    ])
    const requests = fake.requests.slice(before).map((r) => r.body)
    assert.equal(requests.length, 4)
    const summarising = requests[2]
    assert.equal(summarising.messages[0].content, 'Summarise tersely.')
    assert.match(JSON.stringify(summarising.messages), /\[result cleared\]/)
    const next = requests[3]
    assert.deepEqual(
      next.messages.map((m: any) => m.role),
      ['system', 'user', 'assistant', 'tool'],
    )
    assert.match(next.messages[1].content, /r-1 and r-2 looked up/)
    assert.equal(JSON.parse(next.messages[2].tool_calls[0].function.arguments).id, 'r-2')
    assert.deepEqual(JSON.parse(next.messages[3].content), { id: 'r-2', found: true })

    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'contextWindowCompacted',
      'assistantMessage',
    ])
    const compacted = events[7].data.contextWindowCompacted
    assert.deepEqual(compacted.strategies, ['toolResultClearing', 'summarization'])
    assert.equal(compacted.messagesCompacted, 3)
    const list = await windows(id)
    assert.deepEqual(
      list.map((w) => [w.data.sequence, w.data.promptTokens, w.data.completionTokens]),
      [
        [1, 750, 14],
        [2, 80, 3],
      ],
    )
    assert.ok(events.slice(7).every((e) => e.contextWindowId === list[1].metadata.id))
    await assertTokensMatchWindows(id)
  })

  it('a continue that lands while a manual compact summarises wins; the compact is ABORTED and opens no window', async () => {
    const { agentId } = await createAgent(t, {
      modelId: 'openai/gpt-4.1-mini',
      toolBaseUrl: tools.baseUrl,
    })
    const id = await waitingObjective(agentId, [
      lookup('r-1'),
      { text: 'Found.', usage: { input: 3, output: 1 } },
    ])
    const eventsBefore = (await allEvents(t, id)).length
    fake.enqueue(
      { text: 'a summary', delayMs: 3000, usage: { input: 2, output: 1 } },
      { text: 'Answered.', usage: { input: 4, output: 1 } },
    )
    const compacting = t.api('POST', `/v1/objectives/${id}/compact`, {})
    await until(() => fake.inFlight() > 0, 'a model call in flight')
    const continued = await t.api('POST', `/v1/objectives/${id}/continue`, { message: 'More?' })
    assert.equal(continued.status, 200, JSON.stringify(continued.body))
    const res = await compacting
    assert.equal(res.status, 409, JSON.stringify(res.body))
    assert.equal(res.body.code, 10)
    await waitForState(t, id, ['STATE_WAITING'])
    assert.equal((await windows(id)).length, 1)
    const events = await allEvents(t, id)
    assert.equal(events.length, eventsBefore + 2)
    assert.ok(!eventTypes(events).includes('contextWindowCompacted'))
    await assertTokensMatchWindows(id)
    const obj = await t.api('GET', `/v1/objectives/${id}`)
    assert.equal(obj.body.info.totalInputTokens, 10 + 3 + 2 + 4, 'the lost summary is counted')
  })

  it('a bad compactionConfig is INVALID_ARGUMENT and an unknown objective NOT_FOUND', async () => {
    const { agentId } = await createAgent(t, {
      modelId: 'openai/gpt-4.1-mini',
      toolBaseUrl: tools.baseUrl,
    })
    const id = await waitingObjective(agentId, [{ text: 'Hi.', usage: { input: 3, output: 1 } }])
    for (const compactionConfig of [
      { triggerThreshold: 1.5 },
      { toolResultClearing: { preserveRecentResults: -1 } },
      { summarization: { instructions: 42 } },
    ]) {
      const res = await t.api('POST', `/v1/objectives/${id}/compact`, { compactionConfig })
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.code, 3)
    }
    const missing = await t.api('POST', '/v1/objectives/obj_nope/compact', {})
    assert.equal(missing.status, 404)
    assert.equal((await windows(id)).length, 1)
  })

  it('compacting a CANCELLED objective, or one with nothing to compact, is FAILED_PRECONDITION', async () => {
    const { agentId } = await createAgent(t, {
      modelId: 'openai/gpt-4.1-mini',
      toolBaseUrl: tools.baseUrl,
    })
    const plain = await waitingObjective(agentId, [{ text: 'Hi.', usage: { input: 3, output: 1 } }])
    const nothing = await t.api('POST', `/v1/objectives/${plain}/compact`, {
      compactionConfig: { toolResultClearing: {} },
    })
    assert.equal(nothing.status, 400, JSON.stringify(nothing.body))
    assert.equal(nothing.body.code, 9)
    assert.match(nothing.body.message, /nothing to compact/)

    fake.enqueue({ text: 'slow', delayMs: 10_000 })
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'Take your time' },
    })
    const id = created.body.metadata.id
    const cancelled = await t.api('POST', `/v1/objectives/${id}/cancel`, {})
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body))
    const after = await t.api('POST', `/v1/objectives/${id}/compact`, {})
    assert.equal(after.status, 400)
    assert.equal(after.body.code, 9)
    assert.match(after.body.message, /CANCELLED and can no longer be compacted/)
    assert.equal((await windows(id)).length, 1)
  })
})

interface Peer {
  api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>
  stop: () => Promise<void>
}

/** Another Sortie process on `base`'s database (API only unless `worker`), called as base's admin. */
async function startPeer(base: TestSortie, env: Record<string, string>, worker = false) {
  const config = loadConfig({
    DATABASE_URL: base.databaseUrl,
    SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-data-')),
    LOG_LEVEL: 'silent',
    ...env,
  })
  const sortie = await createSortie(config, {
    logger: createLogger('silent', false),
    env: { ...env },
    bootstrap: false,
    worker,
  })
  const peer: Peer = {
    async api(method, path, body) {
      const res = await sortie.http.app.request(path, {
        method,
        headers: { authorization: `Bearer ${base.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await res.text()
      return { status: res.status, body: text ? JSON.parse(text) : undefined }
    },
    stop: () => sortie.stop(),
  }
  return peer
}

/** The compaction request a compact call left on the objective (null when none). */
async function compactionRequest(s: TestSortie, id: string): Promise<unknown> {
  const row = await s.sortie.deps.db
    .selectFrom('objectives')
    .select('compaction_request')
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
  return row.compaction_request
}

async function untilRequested(s: TestSortie, id: string): Promise<void> {
  await until(async () => !!(await compactionRequest(s, id)), 'the compaction request')
}

describe('manual compaction of a RUNNING or PENDING objective', () => {
  it('is done by its worker before its next model call: 200 with window 2, a second compact meanwhile is ABORTED, and the run carries on in the new window', async () => {
    const { agentId } = await createAgent(t, {
      modelId: 'openai/gpt-4.1-mini',
      toolBaseUrl: tools.baseUrl,
    })
    const summary = 'r-1 and r-2 were looked up.'
    fake.enqueue(
      lookup('r-1', 10),
      { ...lookup('r-2', 20), delayMs: 3000 },
      { text: summary, usage: { input: 6, output: 2 } },
      { text: 'Both found.', usage: { input: 8, output: 3 } },
    )
    const before = fake.requests.length
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'Find the records' },
    })
    const id = created.body.metadata.id
    // The second (slow) model call is in flight: the objective is RUNNING under a lease.
    await until(() => fake.requests.length >= before + 2, 'the second model request')
    const running = await t.api('GET', `/v1/objectives/${id}`)
    assert.equal(running.body.status.state, 'STATE_RUNNING')
    const compacting = t.api('POST', `/v1/objectives/${id}/compact`, {})
    await untilRequested(t, id)
    const second = await t.api('POST', `/v1/objectives/${id}:compact`, {})
    assert.equal(second.status, 409, JSON.stringify(second.body))
    assert.equal(second.body.code, 10)
    assert.match(second.body.message, /already has a compaction requested/)

    const res = await compacting
    assert.equal(res.status, 200, JSON.stringify(res.body))
    // The window is read live: the worker may already have made the next call in it.
    const { promptTokens, completionTokens, costUsd, ...window } = res.body.contextWindow
    assert.deepEqual(window, {
      objectiveId: id,
      sequence: 2,
      previousWindowContinueInstructions: summary,
    })
    // No call yet (no cost), or the next one: 8 in / 3 out at $0.40 / $1.60 per M is $0.000008.
    assert.ok(
      [`0/0/undefined`, `8/3/0.000008`].includes(`${promptTokens}/${completionTokens}/${costUsd}`),
      `tokens ${promptTokens}/${completionTokens}, cost ${costUsd}`,
    )
    await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    const requests = fake.requests.slice(before).map((r) => r.body)
    assert.equal(requests.length, 4)
    assert.equal(requests[2].tools, undefined, 'the summarisation call is offered no tools')
    assert.deepEqual(
      requests[3].messages.map((m: any) => m.role),
      ['system', 'user', 'assistant', 'tool'],
      'the next call sends only the compacted context',
    )
    assert.match(requests[3].messages[1].content, /r-1 and r-2 were looked up/)

    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'contextWindowCompacted',
      'assistantMessage',
    ])
    const list = await windows(id)
    assert.deepEqual(
      list.map((w) => [w.data.sequence, w.data.promptTokens, w.data.completionTokens]),
      [
        [1, 36, 6],
        [2, 8, 3],
      ],
    )
    assert.ok(events.slice(7).every((e) => e.contextWindowId === list[1].metadata.id))
    assert.equal(events[7].data.contextWindowCompacted.newContextWindow.sequence, 2)
    await assertTokensMatchWindows(id)
    assert.equal(await compactionRequest(t, id), null, 'the answered request is gone')
  })

  it('a compact racing the end of the turn still answers: the objective waits, and the call compacts it itself', async () => {
    const { agentId } = await createAgent(t, {
      modelId: 'openai/gpt-4.1-mini',
      toolBaseUrl: tools.baseUrl,
    })
    const id = await waitingObjective(agentId, [
      lookup('r-1'),
      { text: 'Found.', usage: { input: 3, output: 1 } },
    ])
    const summary = 'r-1 was found; the user asked for more.'
    fake.enqueue(
      { text: 'Nothing more.', delayMs: 2000, usage: { input: 5, output: 1 } },
      { text: summary, usage: { input: 4, output: 2 } },
    )
    const before = fake.requests.length
    const continued = await t.api('POST', `/v1/objectives/${id}/continue`, { message: 'More?' })
    assert.equal(continued.status, 200, JSON.stringify(continued.body))
    await until(() => fake.requests.length >= before + 1, 'the first model request')
    const res = await t.api('POST', `/v1/objectives/${id}/compact`, {})
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.contextWindow.sequence, 2)
    assert.equal(res.body.contextWindow.previousWindowContinueInstructions, summary)
    const obj = await t.api('GET', `/v1/objectives/${id}`)
    assert.equal(obj.body.status.state, 'STATE_COMPLETED')
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events.slice(-3)), [
      'userMessage',
      'assistantMessage',
      'contextWindowCompacted',
    ])
    assert.equal(eventTypes(events).filter((e) => e === 'contextWindowCompacted').length, 1)
    assert.equal((await windows(id)).length, 2)
    await assertTokensMatchWindows(id)
    assert.equal(await compactionRequest(t, id), null)
  })

  it('a compact waiting on a RUNNING objective that is cancelled answers FAILED_PRECONDITION and leaves no request', async () => {
    const { agentId } = await createAgent(t, {
      modelId: 'openai/gpt-4.1-mini',
      toolBaseUrl: tools.baseUrl,
    })
    fake.enqueue({ text: 'slow', delayMs: 10_000 })
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'Take your time' },
    })
    const id = created.body.metadata.id
    const compacting = t.api('POST', `/v1/objectives/${id}/compact`, {})
    await untilRequested(t, id)
    const cancelled = await t.api('POST', `/v1/objectives/${id}/cancel`, {})
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body))
    const res = await compacting
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.code, 9)
    assert.match(res.body.message, /CANCELLED and can no longer be compacted/)
    assert.equal(await compactionRequest(t, id), null)
    assert.equal((await windows(id)).length, 1)
  })

  it('a PENDING objective is answered by the worker that claims it; with no worker in time the compact is DEADLINE_EXCEEDED and never applies later', async () => {
    const env = { ...providerEnv([fake]), SORTIE_PROVIDER_MAX_ATTEMPTS: '1' }
    const api = await startTestSortie(env)
    const impatient = await startPeer(api, { ...env, SORTIE_COMPACT_WAIT_MS: '300' })
    let worker: Peer | undefined
    try {
      const { agentId } = await createAgent(api, {
        modelId: 'openai/gpt-4.1-mini',
        toolBaseUrl: tools.baseUrl,
      })
      const create = async () => {
        const res = await api.api('POST', '/v1/objectives', {
          agentId,
          data: { initialMessage: 'Find the records' },
        })
        assert.equal(res.status, 200, JSON.stringify(res.body))
        assert.equal(res.body.status.state, 'STATE_PENDING')
        return res.body.metadata.id as string
      }
      const late = await create()
      const pending = await create()
      const timedOut = await impatient.api('POST', `/v1/objectives/${late}/compact`, {})
      assert.equal(timedOut.status, 504, JSON.stringify(timedOut.body))
      assert.equal(timedOut.body.code, 4)
      assert.match(timedOut.body.message, /nothing was compacted/)
      assert.equal(await compactionRequest(api, late), null, 'taken back')

      const compacting = api.api('POST', `/v1/objectives/${pending}/compact`, {
        compactionConfig: { toolResultClearing: {} },
      })
      await untilRequested(api, pending)
      fake.enqueue({ text: 'Done.', usage: { input: 3, output: 1 } })
      fake.enqueue({ text: 'Done.', usage: { input: 3, output: 1 } })
      worker = await startPeer(api, env, true)
      const res = await compacting
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.code, 9)
      assert.match(res.body.message, /nothing to compact/)
      for (const id of [late, pending]) {
        const done = await waitForState(api, id, ['STATE_WAITING', 'STATE_FAILED'])
        assert.equal(done.status.state, 'STATE_WAITING', JSON.stringify(done.status))
        const events = await allEvents(api, id)
        assert.deepEqual(eventTypes(events), ['userMessage', 'assistantMessage'])
        const obj = await api.api('GET', `/v1/objectives/${id}`)
        assert.equal(obj.body.info.totalContextWindows, 1)
        assert.equal(await compactionRequest(api, id), null)
      }
    } finally {
      await worker?.stop()
      await impatient.stop()
      await api.sortie.stop()
    }
  })
})
