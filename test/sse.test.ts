import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { createSortie, type Sortie } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createLogger } from '../src/lib/logger.ts'
import type { FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  waitForState,
  type ToolServer,
  startEngineTest,
  type EngineTest,
} from './support/objectives.ts'
import { freePort } from './support/database.ts'
import type { TestSortie } from './support/sortie.ts'
import { openStream as openSseStream } from './support/sse.ts'

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let engine: EngineTest
before(async () => {
  engine = await startEngineTest()
  ;({ t, fake, tools } = engine)
})
after(() => engine?.close())

/** An SSE client over the in-process app: frames one by one, `undefined` at a clean end. */
function openStream(path: string, headers: Record<string, string> = {}, app?: Sortie | string) {
  return openSseStream(app ?? t.sortie, t.token, path, headers)
}

async function newAgent() {
  return createAgent(t, { modelId: MODEL_OF.openai, toolBaseUrl: tools.baseUrl })
}

/** Scripts `turns` tool turns, each model answer `delayMs` late, then a final answer. */
function scriptToolTurns(turns: number, delayMs: number) {
  for (let i = 0; i < turns; i++) {
    fake.enqueue({ toolCalls: [{ name: 'lookup', arguments: { id: `r-${i}` } }], delayMs })
  }
  fake.enqueue({ text: 'all found', delayMs })
}

async function createObjective(agentId: string, message = 'Find records') {
  const created = await t.api('POST', '/v1/objectives', {
    agentId,
    data: { initialMessage: message },
  })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  return created.body.metadata.id as string
}

describe('objective event streams (SSE)', () => {
  it('sends the stored history then live events in order, then ends cleanly when the objective waits', async () => {
    const { agentId } = await newAgent()
    scriptToolTurns(2, 150)
    const id = await createObjective(agentId)
    const stream = await openStream(`/v1/objectives/${id}/events:stream`)
    assert.equal(stream.status, 200)
    assert.match(stream.contentType, /^text\/event-stream/)
    const frames = await stream.collect()
    assert.match(stream.raw(), /^retry: \d+\n/, 'the stream opens with a retry hint')
    await waitForState(t, id, ['STATE_WAITING'])
    const events = await allEvents(t, id)
    assert.equal(events.length, 8)
    assert.deepEqual(
      frames.map((f) => f.id),
      events.map((e) => e.metadata.id),
    )
    assert.deepEqual(
      frames.map((f) => JSON.parse(f.data)),
      events,
      'each frame is the ObjectiveEvent the list serves',
    )
  })

  it('resuming with Last-Event-ID mid-stream loses and duplicates nothing (both families)', async () => {
    const { agentId } = await newAgent()
    scriptToolTurns(3, 120)
    const id = await createObjective(agentId)
    const first = await openStream(`/v1/workspaces/${t.workspaceId}/objectives/${id}/events:stream`)
    const head = await first.collect(3)
    await first.cancel()
    const second = await openStream(`/v1/objectives/${id}/events/stream`, {
      'last-event-id': head.at(-1)!.id!,
    })
    const rest = await second.collect()
    const events = await allEvents(t, id)
    assert.equal(events.length, 11)
    assert.deepEqual(
      [...head, ...rest].map((f) => f.id),
      events.map((e) => e.metadata.id),
    )
  })

  it('sinceEventId in the query resumes like Last-Event-ID, and the header wins over it', async () => {
    const { agentId } = await newAgent()
    scriptToolTurns(1, 0)
    const id = await createObjective(agentId)
    await waitForState(t, id, ['STATE_WAITING'])
    const events = await allEvents(t, id)
    const byQuery = await openStream(
      `/v1/objectives/${id}/events:stream?sinceEventId=${events[1].metadata.id}`,
    )
    assert.deepEqual(
      (await byQuery.collect()).map((f) => f.id),
      events.slice(2).map((e) => e.metadata.id),
    )
    const both = await openStream(
      `/v1/objectives/${id}/events:stream?sinceEventId=${events[0].metadata.id}`,
      { 'last-event-id': events[3].metadata.id },
    )
    assert.deepEqual(
      (await both.collect()).map((f) => f.id),
      events.slice(4).map((e) => e.metadata.id),
    )
  })

  it('a stream of an objective that already ended sends its history and ends at once', async () => {
    const { agentId } = await newAgent()
    fake.enqueue({ text: 'hello' })
    const id = await createObjective(agentId)
    await waitForState(t, id, ['STATE_WAITING'])
    const frames = await (await openStream(`/v1/objectives/${id}/events:stream`)).collect()
    assert.deepEqual(
      frames.map((f) => JSON.parse(f.data).data.type),
      ['userMessage', 'assistantMessage'],
    )
  })

  it('a cancel ends the stream after the cancelled event', async () => {
    const { agentId } = await newAgent()
    fake.enqueue({ text: 'too late', delayMs: 5000 })
    const id = await createObjective(agentId)
    const stream = await openStream(`/v1/objectives/${id}/events:stream`)
    const firstFrame = await stream.collect(1)
    assert.equal(JSON.parse(firstFrame[0]!.data).data.type, 'userMessage')
    // Cancel while the model request is in flight, so the scripted turn is used up here.
    while (fake.inFlight() === 0) await new Promise((r) => setTimeout(r, 10))
    const cancelled = await t.api('POST', `/v1/objectives/${id}:cancel`, { reason: 'stop' })
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body))
    const rest = await stream.collect()
    assert.deepEqual(
      rest.map((f) => JSON.parse(f.data).data.type),
      ['cancelled'],
    )
  })

  it('rejects an event id of another objective (400), an unknown objective (404) and no token (401)', async () => {
    const { agentId } = await newAgent()
    fake.enqueue({ text: 'a' }, { text: 'b' })
    const a = await createObjective(agentId)
    const b = await createObjective(agentId)
    await waitForState(t, b, ['STATE_WAITING'])
    const otherEvent = (await allEvents(t, b))[0].metadata.id
    const wrong = await openStream(`/v1/objectives/${a}/events:stream`, {
      'last-event-id': otherEvent,
    })
    assert.equal(wrong.status, 400)
    assert.equal(wrong.body.code, 3)
    assert.equal(wrong.body.details[0].fieldViolations[0].field, 'Last-Event-ID')
    const wrongQuery = await openStream(`/v1/objectives/${a}/events:stream?sinceEventId=nope`)
    assert.equal(wrongQuery.status, 400)
    assert.equal(wrongQuery.body.details[0].fieldViolations[0].field, 'sinceEventId')
    const missing = await openStream('/v1/objectives/obj_00000000000000000000000000/events:stream')
    assert.equal(missing.status, 404)
    const res = await t.api('GET', `/v1/objectives/${a}/events:stream`, undefined, { token: null })
    assert.equal(res.status, 401)
  })

  it('a subscriber that reads nothing does not hold back another subscriber', async () => {
    const { agentId } = await newAgent()
    scriptToolTurns(2, 50)
    const id = await createObjective(agentId)
    const stalled = await openStream(`/v1/objectives/${id}/events:stream`)
    const reader = await openStream(`/v1/objectives/${id}/events:stream`)
    const frames = await reader.collect()
    assert.equal(frames.length, 8)
    await stalled.cancel()
  })
})

describe('the workspace event stream', () => {
  it("carries only the chosen agent's new events, each naming its objective", async () => {
    const mine = await newAgent()
    const other = await newAgent()
    const stream = await openStream(`/v1/objectives/events:stream?agentId=${mine.agentId}`)
    fake.enqueue({ text: 'one', delayMs: 100 }, { text: 'two', delayMs: 100 })
    const otherId = await createObjective(other.agentId, 'other')
    const id = await createObjective(mine.agentId, 'mine')
    const frames = await stream.collect(2)
    await stream.cancel()
    await waitForState(t, otherId, ['STATE_WAITING'])
    const events = await allEvents(t, id)
    assert.deepEqual(
      frames.map((f) => f.id),
      events.map((e) => e.metadata.id),
    )
    assert.ok(frames.every((f) => JSON.parse(f.data).info.objective.id === id))
  })

  it('an unknown agentId is 404', async () => {
    const res = await openStream('/v1/objectives/events:stream?agentId=agent_missing')
    assert.equal(res.status, 404)
  })
})

describe('fan-out across processes', () => {
  it('an API-only instance streams events produced by another instance', async () => {
    const config = loadConfig({
      DATABASE_URL: t.databaseUrl,
      SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-data-')),
      SORTIE_SECRET_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'silent',
    })
    const apiOnly = await createSortie(config, {
      logger: createLogger('silent', false),
      bootstrap: false,
    })
    try {
      const { agentId } = await newAgent()
      scriptToolTurns(2, 100)
      const id = await createObjective(agentId)
      const stream = await openStream(`/v1/objectives/${id}/events:stream`, {}, apiOnly)
      const frames = await stream.collect()
      const events = await allEvents(t, id)
      assert.equal(events.length, 8)
      assert.deepEqual(
        frames.map((f) => f.id),
        events.map((e) => e.metadata.id),
      )
    } finally {
      await apiOnly.stop()
    }
  })

  it('a sortie serve --no-worker process streams over HTTP the events written by the worker of another process', async () => {
    const port = await freePort()
    const child = spawn(process.execPath, ['bin/sortie.js', 'serve', '--no-worker'], {
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: t.databaseUrl,
        SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-api-')),
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr!.on('data', (d) => (stderr += d))
    const exited = new Promise((resolve) => child.once('exit', resolve))
    try {
      const base = `http://127.0.0.1:${port}`
      const deadline = Date.now() + 30_000
      for (;;) {
        const up = await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
        if (up) break
        assert.ok(Date.now() < deadline && child.exitCode === null, `API process: ${stderr}`)
        await new Promise((r) => setTimeout(r, 100))
      }
      const { agentId } = await newAgent()
      scriptToolTurns(3, 100)
      const id = await createObjective(agentId)
      const stream = await openStream(`/v1/objectives/${id}/events:stream`, {}, base)
      assert.equal(stream.status, 200)
      const frames = await stream.collect()
      const events = await allEvents(t, id)
      assert.equal(events.length, 11)
      assert.deepEqual(
        frames.map((f) => f.id),
        events.map((e) => e.metadata.id),
      )
      assert.deepEqual(
        frames.map((f) => JSON.parse(f.data).data.type),
        events.map((e) => e.data.type),
      )
    } finally {
      child.kill('SIGTERM')
      await exited
    }
  })
})
