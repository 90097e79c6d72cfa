/**
 * A webhook delivery that keeps failing holds back the later events of its objective (order per
 * objective), but no longer for hours unseen: the wait is capped by the retry schedule, the
 * delivery log shows the backlog, and a redeliver of the delivery holding the others back lets
 * them flow (docs/api.md section 8.3).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { webhookBacklog } from '../src/modules/webhooks/index.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  startEngineTest,
  waitForState,
  type EngineTest,
} from './support/objectives.ts'
import type { TestSortie } from './support/sortie.ts'
import { startWebhookReceiver } from './support/webhook-receiver.ts'

const BASE_ENV = {
  SORTIE_ALLOW_PRIVATE_WEBHOOKS: '1',
  SORTIE_WEBHOOK_POLL_MS: '20',
  SORTIE_WEBHOOK_TIMEOUT_MS: '2000',
}

/** Answers 500 to the deliveries of objectives whose external id is in `failing`, 200 to the rest. */
function failingFor(failing: Set<string>) {
  return ({ body }: { body: string }) =>
    failing.has(JSON.parse(body).data.objective.externalId) ? 500 : 200
}

async function agentWithWebhook(e: EngineTest, url: string) {
  const { agentId } = await createAgent(e.t, {
    modelId: MODEL_OF.openai,
    toolBaseUrl: e.tools.baseUrl,
  })
  const res = await e.t.api('PATCH', `/v1/agents/${agentId}`, {
    spec: { webhookEventsUrl: url },
    updateMask: 'spec.webhookEventsUrl',
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return agentId
}

/** An objective of five events (user message, tool call and result, reply, waiting). */
async function runObjective(e: EngineTest, agentId: string, externalId?: string) {
  e.fake.enqueue({ toolCalls: [{ name: 'lookup', arguments: { id: 'x' } }] }, { text: 'found' })
  const created = await e.t.api('POST', '/v1/objectives', {
    agentId,
    data: { initialMessage: 'Find x' },
    ...(externalId ? { metadata: { externalId } } : {}),
  })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const id = created.body.metadata.id as string
  await waitForState(e.t, id, ['STATE_WAITING'])
  return { id, events: await allEvents(e.t, id) }
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string) {
  const deadline = Date.now() + 20_000
  let last: T
  do {
    last = await read()
    if (ok(last)) return last
    await new Promise((r) => setTimeout(r, 25))
  } while (Date.now() < deadline)
  assert.fail(`timed out waiting for ${what}: ${JSON.stringify(last)}`)
}

const log = (t: TestSortie, agentId: string, query = '') =>
  t.api('GET', `/v1/agents/${agentId}/webhook_deliveries?limit=500${query}`).then((r) => {
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return r.body as { items: any[]; backlog: any }
  })

const ofObjective = (items: any[], objectiveId: string) =>
  items
    .filter((d) => d.data.objectiveId === objectiveId)
    .sort((a, b) => a.metadata.id.localeCompare(b.metadata.id))

const settled = (items: any[]) =>
  items.every((d) => d.data.status !== 'WEBHOOK_DELIVERY_STATUS_PENDING')

const eventIdsOf = (bodies: any[], objectiveId: string) =>
  bodies
    .filter((b) => b.data.objective.id === objectiveId)
    .map((b) => b.data.objectiveEvent.metadata.id)

describe('webhook backlog (the first retry waits an hour)', () => {
  let e: EngineTest
  before(async () => {
    e = await startEngineTest({ env: { ...BASE_ENV, SORTIE_WEBHOOK_RETRY_SCHEDULE: '1h' } })
  })
  after(() => e?.close())

  it('a failing delivery holds back only its own objective, the log shows the backlog and its age, and redelivering it lets the rest flow in order', async () => {
    const failing = new Set<string>()
    const receiver = await startWebhookReceiver(failingFor(failing))
    try {
      const agentId = await agentWithWebhook(e, receiver.url)
      // The receiver fails this objective from its first event on.
      failing.add('fails')
      const { id: a, events: eventsA } = await runObjective(e, agentId, 'fails')
      const b = await runObjective(e, agentId)

      // Objective b is not held back by a: all its deliveries complete.
      const blocked = await until(
        () => log(e.t, agentId),
        (l) =>
          settled(ofObjective(l.items, b.id)) &&
          ofObjective(l.items, a)[0]?.data.attemptCount === 1,
        "b's deliveries and a failed first attempt of a's first one",
      )
      assert.deepEqual(
        eventIdsOf(receiver.acknowledged(), b.id),
        b.events.map((ev) => ev.metadata.id),
      )
      const queueA = ofObjective(blocked.items, a)
      assert.equal(queueA.length, eventsA.length)
      const [head, ...rest] = queueA
      assert.equal(head.data.status, 'WEBHOOK_DELIVERY_STATUS_PENDING')
      assert.equal(head.data.httpStatusCode, 500)
      assert.ok(head.data.nextAttemptAt > head.data.lastAttemptAt, 'waiting for its retry')
      for (const d of rest) {
        assert.equal(d.data.status, 'WEBHOOK_DELIVERY_STATUS_PENDING')
        assert.equal(d.data.attemptCount, 0, 'a later event is not sent before the failing one')
      }
      // The backlog: a's deliveries, the oldest being the failing head.
      assert.equal(blocked.backlog.pendingCount, eventsA.length)
      assert.equal(blocked.backlog.oldestPendingCreatedAt, head.metadata.createdAt)
      assert.ok(blocked.backlog.oldestPendingAgeSeconds >= 0)
      const filtered = await log(e.t, agentId, `&objectiveId=${b.id}`)
      assert.deepEqual(filtered.backlog.pendingCount, eventsA.length, 'whatever the filters')
      // ... and for metrics, per agent.
      const metrics = await webhookBacklog(e.t.sortie.deps)
      const mine = metrics.find((m) => m.agentId === agentId)
      assert.equal(mine?.pending, eventsA.length)
      assert.equal(mine?.workspaceId, e.t.workspaceId)
      assert.equal(mine?.oldestPendingCreatedAt.toISOString(), head.metadata.createdAt)

      // Redelivering a later one does not send it ahead of the head.
      const later = await e.t.api('POST', `/v1/webhook_deliveries/${rest[1].metadata.id}:redeliver`)
      assert.equal(later.status, 200, JSON.stringify(later.body))
      assert.equal(later.body.data.status, 'WEBHOOK_DELIVERY_STATUS_PENDING')
      assert.equal(later.body.data.attemptCount, 0)

      // Redelivering the head while the receiver still fails: one more failed attempt, still first.
      const again = await e.t.api('POST', `/v1/webhook_deliveries/${head.metadata.id}:redeliver`)
      assert.equal(again.status, 200, JSON.stringify(again.body))
      assert.equal(again.body.data.status, 'WEBHOOK_DELIVERY_STATUS_PENDING')
      assert.equal(again.body.data.attemptCount, 2)
      const received = receiver.received.length
      assert.equal(
        receiver.received.filter((r) => JSON.parse(r.body).data.objective.id === a).length,
        2,
        'only the head was sent',
      )

      // The receiver is fixed; redelivering the head unblocks the rest of a, in order.
      failing.delete('fails')
      const fixed = await e.t.api(
        'POST',
        `/v1/workspaces/${e.t.workspaceId}/agents/${agentId}/webhook_deliveries/${head.metadata.id}:redeliver`,
      )
      assert.equal(fixed.status, 200, JSON.stringify(fixed.body))
      assert.equal(fixed.body.data.status, 'WEBHOOK_DELIVERY_STATUS_COMPLETED')
      assert.equal(fixed.body.data.attemptCount, 3)
      const drained = await until(
        () => log(e.t, agentId),
        (l) => settled(l.items),
        "a's later deliveries",
      )
      assert.ok(receiver.received.length > received)
      assert.deepEqual(
        eventIdsOf(receiver.acknowledged(), a),
        eventsA.map((ev) => ev.metadata.id),
        'every event of a acknowledged once, in order',
      )
      for (const d of ofObjective(drained.items, a)) {
        assert.equal(d.data.status, 'WEBHOOK_DELIVERY_STATUS_COMPLETED')
      }
      assert.deepEqual(drained.backlog, { pendingCount: 0, oldestPendingAgeSeconds: 0 })
      assert.equal(
        (await webhookBacklog(e.t.sortie.deps)).find((m) => m.agentId === agentId),
        undefined,
      )
    } finally {
      await receiver.close()
    }
  })
})

describe('webhook retries capped by SORTIE_WEBHOOK_MAX_ATTEMPTS', () => {
  let e: EngineTest
  before(async () => {
    e = await startEngineTest({
      env: {
        ...BASE_ENV,
        SORTIE_WEBHOOK_RETRY_SCHEDULE: '10ms,20ms',
        SORTIE_WEBHOOK_MAX_ATTEMPTS: '3',
      },
    })
  })
  after(() => e?.close())

  it('a delivery failing every attempt is FAILED after the last one and the later events of its objective flow', async () => {
    let poisoned = ''
    const receiver = await startWebhookReceiver(({ body }) => {
      const eventId = JSON.parse(body).data.objectiveEvent.metadata.id
      poisoned ||= eventId // the objective's first event always fails
      return eventId === poisoned ? 503 : 200
    })
    try {
      const agentId = await agentWithWebhook(e, receiver.url)
      const { id, events } = await runObjective(e, agentId)
      const done = await until(
        () => log(e.t, agentId),
        (l) => l.items.length === events.length && settled(l.items),
        'every delivery settled',
      )
      const [head, ...rest] = ofObjective(done.items, id)
      assert.equal(head.data.status, 'WEBHOOK_DELIVERY_STATUS_FAILED')
      assert.equal(head.data.attemptCount, 3)
      assert.equal(head.data.httpStatusCode, 503)
      assert.ok(rest.every((d) => d.data.status === 'WEBHOOK_DELIVERY_STATUS_COMPLETED'))
      assert.deepEqual(
        eventIdsOf(receiver.acknowledged(), id),
        events.slice(1).map((ev) => ev.metadata.id),
      )
      assert.equal(done.backlog.pendingCount, 0)
    } finally {
      await receiver.close()
    }
  })
})
