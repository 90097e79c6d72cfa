import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import type { FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  eventTypes,
  providerEnv,
  waitForState,
  type ToolServer,
  startEngineTest,
  type EngineTest,
} from './support/objectives.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let engine: EngineTest
let agentId: string
before(async () => {
  // Wake-ups come only from NOTIFY here: the poll (which is also the sweeper) runs every 2 s
  // and leases last 2 s, so the lease tests see the sweeper and the notify test cannot be
  // rescued by a poll within its window.
  engine = await startEngineTest({
    env: { SORTIE_LEASE_SECONDS: '2', SORTIE_HEARTBEAT_SECONDS: '0.2', SORTIE_POLL_MS: '2000' },
  })
  ;({ t, fake, tools } = engine)
  agentId = (await createAgent(t, { modelId: MODEL_OF.openai, toolBaseUrl: tools.baseUrl })).agentId
})
after(() => engine?.close())

const db = () => t.sortie.deps.db

async function create(message: string): Promise<string> {
  const res = await t.api('POST', '/v1/objectives', {
    agentId,
    data: { initialMessage: message },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.metadata.id
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 15_000) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

describe('leases', () => {
  it('a worker whose lease is taken aborts its provider call and writes nothing more; the objective resumes once the lease expires', async () => {
    const disconnects = fake.disconnects()
    fake.enqueue({ text: 'too late', delayMs: 60_000 })
    const id = await create('steal me')
    await until('the provider call', () => fake.inFlight() === 1)
    // Another owner takes the lease (as a worker that found it expired would): version bump.
    await sql`UPDATE objectives SET lease_owner = 'elsewhere', version = version + 1,
      lease_expires_at = now() + interval '1 hour' WHERE id = ${id}`.execute(db())
    await fake.waitForDisconnects(disconnects + 1)
    const held = await db()
      .selectFrom('objectives')
      .select(['lease_owner', 'state', 'total_events'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    assert.deepEqual(held, { lease_owner: 'elsewhere', state: 'RUNNING', total_events: 1 })
    // The other owner vanishes: its lease expires, the sweeper hands the objective back.
    fake.enqueue({ text: 'answered after the handover' })
    await sql`UPDATE objectives SET lease_expires_at = now() - interval '1 second'
      WHERE id = ${id}`.execute(db())
    await waitForState(t, id, ['STATE_WAITING'])
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), ['userMessage', 'assistantMessage'])
    assert.equal(events[1].data.assistantMessage.content, 'answered after the handover')
  })

  it('a running objective keeps its lease past the lease time through heartbeats', async () => {
    fake.enqueue({ text: 'slow but fine', delayMs: 5000 })
    const id = await create('take your time')
    await waitForState(t, id, ['STATE_WAITING'])
    const events = await allEvents(t, id)
    // Had the lease lapsed, the sweeper would have re-run the turn: a second provider request.
    assert.deepEqual(eventTypes(events), ['userMessage', 'assistantMessage'])
    assert.equal(events[1].data.assistantMessage.content, 'slow but fine')
    const row = await db()
      .selectFrom('objectives')
      .select(['lease_owner'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    assert.equal(row.lease_owner, null)
  })
})

describe('notify', () => {
  // Polling once a minute: within the test's time only a NOTIFY can wake the worker.
  let quiet: TestSortie
  let quietAgent: string
  before(async () => {
    quiet = await startTestSortie(
      { ...providerEnv([fake]), SORTIE_POLL_MS: '60000' },
      { worker: true },
    )
    quietAgent = (
      await createAgent(quiet, { modelId: MODEL_OF.openai, toolBaseUrl: tools.baseUrl })
    ).agentId
  })
  after(() => quiet?.sortie.stop())

  it('the worker LISTENs again after its notify connection is killed', async () => {
    const killed = await sql<{ n: number }>`
      SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND query LIKE 'LISTEN %'`.execute(quiet.sortie.deps.db)
    assert.ok(killed.rows[0]!.n >= 1, 'a LISTEN connection was found')
    await until('the listeners to reconnect', async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE 'LISTEN %'`.execute(quiet.sortie.deps.db)
      return rows[0]!.n >= killed.rows[0]!.n
    })
    fake.enqueue({ text: 'woken by notify' })
    const res = await quiet.api('POST', '/v1/objectives', {
      agentId: quietAgent,
      data: { initialMessage: 'wake up' },
    })
    const id = res.body.metadata.id
    await waitForState(quiet, id, ['STATE_WAITING'])
    const events = await allEvents(quiet, id)
    assert.equal(events.at(-1).data.assistantMessage.content, 'woken by notify')
  })
})
