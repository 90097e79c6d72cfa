import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { EventHub } from '../src/modules/streams/index.ts'
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
import type { TestSortie } from './support/sortie.ts'
import { openStream, type SseClient } from './support/sse.ts'

// Stream housekeeping made small enough to watch: a ping every 50 ms, 1 KiB queued per client
// (an event frame is several hundred bytes) and a client taking nothing for 200 ms is dropped.
let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let engine: EngineTest
before(async () => {
  engine = await startEngineTest({
    env: { SORTIE_SSE_PING_MS: '50', SORTIE_SSE_BUFFER_BYTES: '1024', SORTIE_SSE_STALL_MS: '200' },
  })
  ;({ t, fake, tools } = engine)
})
after(() => engine?.close())

const stream = (path: string, headers: Record<string, string> = {}) =>
  openStream(t.sortie, t.token, path, headers)

async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + 15_000
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Reads a stream to its end: its event frames, and whether it ended cleanly or was dropped. */
async function drain(client: SseClient) {
  const frames = []
  try {
    for (;;) {
      const frame = await client.next()
      if (!frame) return { frames, end: 'clean' }
      if (frame.event !== 'ping') frames.push(frame)
    }
  } catch {
    return { frames, end: 'dropped' }
  }
}

async function createObjective(agentId: string) {
  const created = await t.api('POST', '/v1/objectives', {
    agentId,
    data: { initialMessage: 'Find records' },
  })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  return created.body.metadata.id as string
}

describe('stream housekeeping', () => {
  it('an idle stream gets `event: ping` frames without an id, so they never move the resume point', async () => {
    const client = await stream('/v1/objectives/events:stream')
    assert.equal(client.status, 200)
    const first = await client.next()
    const second = await client.next()
    await client.cancel()
    for (const frame of [first, second]) {
      assert.equal(frame?.event, 'ping')
      assert.equal(frame?.id, undefined)
    }
    assert.match(client.raw(), /^retry: \d+\n/)
  })
})

describe('slow subscribers', () => {
  it('a stalled subscriber is dropped without holding back the worker or another subscriber, and resumes by Last-Event-ID with nothing lost', async () => {
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    // The first answer comes late, so both clients open before the objective has much to say.
    fake.enqueue({ toolCalls: [{ name: 'lookup', arguments: { id: 'r-0' } }], delayMs: 300 })
    for (let i = 1; i < 8; i++) {
      fake.enqueue({ toolCalls: [{ name: 'lookup', arguments: { id: `r-${i}` } }], delayMs: 20 })
    }
    fake.enqueue({ text: 'all found', delayMs: 20 })
    const id = await createObjective(agentId)
    const stalled = await stream(`/v1/objectives/${id}/events:stream`)
    const reader = await stream(`/v1/objectives/${id}/events:stream`)
    const seen = await stalled.collect(1)
    // From here the stalled client reads nothing: far more than 1 KiB of events wait for it.

    const read = await drain(reader)
    assert.equal(read.end, 'clean', 'the reading subscriber gets every event and a clean end')
    await waitForState(t, id, ['STATE_WAITING'])
    const events = await allEvents(t, id)
    assert.equal(events.length, 26)
    assert.deepEqual(
      read.frames.map((f) => f.id),
      events.map((e) => e.metadata.id),
    )

    // The stalled stream is dropped (not ended): the hub lets go of it.
    const hub = t.sortie.deps.events as EventHub
    await until(() => hub.size === 0, 'the stalled stream to be dropped')
    const rest = await drain(stalled)
    assert.equal(rest.end, 'dropped', 'a stalled stream is dropped, never ended cleanly')

    const resumed = await stream(`/v1/objectives/${id}/events:stream`, {
      'last-event-id': [...seen, ...rest.frames].at(-1)!.id!,
    })
    const tail = await drain(resumed)
    assert.equal(tail.end, 'clean')
    assert.deepEqual(
      [...seen, ...rest.frames, ...tail.frames].map((f) => f.id),
      events.map((e) => e.metadata.id),
      'resuming after the drop loses and duplicates nothing',
    )
  })
})
