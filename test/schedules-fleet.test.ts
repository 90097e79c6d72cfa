import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { startTestSortie, type TestSortie } from './support/sortie.ts'
import { startWorkerProcess as startWorker } from './support/worker-process.ts'

const SCHEDULES = 100
const EVERY_SECONDS = 2
const secretKey = randomBytes(32).toString('hex')
// Objectives fail fast in the workers' engines (nothing listens there): the test is about fires.
const providerEnv = { OPENAI_API_KEY: 'unused', OPENAI_BASE_URL: 'http://127.0.0.1:9' }

let t: TestSortie
const children: ChildProcess[] = []

before(async () => {
  // The API runs here, with no worker and no scheduler: only the worker processes fire.
  t = await startTestSortie({ ...providerEnv, SORTIE_SECRET_KEY: secretKey })
})
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  await t?.sortie.stop()
})

async function startWorkerProcess(): Promise<ChildProcess> {
  const child = await startWorker({
    DATABASE_URL: t.databaseUrl,
    SORTIE_SECRET_KEY: secretKey,
    SORTIE_PROVIDER_MAX_ATTEMPTS: '1',
    SORTIE_DB_POOL_SIZE: '10',
    ...providerEnv,
  })
  children.push(child)
  return child
}

const db = () => t.sortie.deps.db

/** Fires committed per schedule, from the claims table. */
async function firesPerSchedule(ids: string[]): Promise<number[]> {
  const rows = await db()
    .selectFrom('agent_schedule_fires')
    .select(['schedule_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('schedule_id', 'in', ids)
    .groupBy('schedule_id')
    .execute()
  const byId = new Map(rows.map((r) => [r.schedule_id, Number(r.n)]))
  return ids.map((id) => byId.get(id) ?? 0)
}

async function until(what: string, check: () => Promise<boolean>, ms = 90_000) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
    await sleep(250)
  }
}

describe('schedules across worker processes', () => {
  it('two workers (one SIGKILLed midway) fire 100 schedules with exactly one objective per (schedule, fire time) and no fire unaccounted', async () => {
    const agent = await t.api('POST', '/v1/agents', {
      metadata: { name: 'fleet' },
      defaultVariation: {
        metadata: { name: 'default' },
        spec: { prompt: 'Scheduled.', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
      },
    })
    assert.equal(agent.status, 200, JSON.stringify(agent.body))
    const agentId = agent.body.metadata.id
    const first = await startWorkerProcess()
    await startWorkerProcess()
    const ids: string[] = []
    for (let i = 0; i < SCHEDULES; i++) {
      const res = await t.api('POST', `/v1/agents/${agentId}/schedules`, {
        spec: {
          initialMessage: `report ${i}`,
          schedule: { intervals: [{ every: `${EVERY_SECONDS}s` }], timezone: 'UTC' },
          overlapPolicy: 'OVERLAP_POLICY_ALLOW',
        },
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      ids.push(res.body.metadata.id)
    }
    await until('3 fires of every schedule', async () =>
      (await firesPerSchedule(ids)).every((n) => n >= 3),
    )
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))
    const atKill = await firesPerSchedule(ids)
    await until('2 more fires of every schedule on the surviving worker', async () =>
      (await firesPerSchedule(ids)).every((n, i) => n >= atKill[i]! + 2),
    )
    for (const id of ids) {
      const res = await t.api('POST', `/v1/agents/${agentId}/schedules/${id}:pause`, {})
      assert.equal(res.status, 200, JSON.stringify(res.body))
    }

    // Both processes fired (each claim names its scheduler).
    const { rows: firers } = await sql<{ n: number }>`
      SELECT count(DISTINCT fired_by)::int AS n FROM agent_schedule_fires`.execute(db())
    assert.equal(firers[0]!.n, 2)
    for (const id of ids) {
      const fires = await db()
        .selectFrom('agent_schedule_fires')
        .selectAll()
        .where('schedule_id', '=', id)
        .orderBy('fire_at')
        .execute()
      const schedule = await db()
        .selectFrom('agent_schedules')
        .select(['total_fires', 'total_skips', 'created_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      const objectives = await t.api(
        'GET',
        `/v1/objectives?agentScheduleId=${id}&limit=500&sortOrder=asc`,
      )
      // One objective per claimed fire time, each naming its schedule, none without a claim.
      const claimed = fires.filter((f) => f.objective_id).map((f) => f.objective_id)
      const listed = objectives.body.items.map((o: any) => o.metadata.id)
      assert.deepEqual(listed, claimed, `objectives of ${id}`)
      assert.ok(objectives.body.items.every((o: any) => o.data.sourceScheduleId === id))
      assert.equal(schedule.total_fires, claimed.length)
      // Fire times are on the interval's grid, distinct, and every grid point from the first to
      // the last was either fired or counted as skipped (a scheduler that fell behind).
      const times = fires.map((f) => f.fire_at.getTime())
      assert.ok(times.every((ms) => ms % (EVERY_SECONDS * 1000) === 0))
      assert.equal(new Set(times).size, times.length)
      // The span starts at the schedule's first grid point after its creation: a scheduler
      // that fell behind before the first fire counts the points it missed as skips too.
      const every = EVERY_SECONDS * 1000
      const firstDue = Math.floor(schedule.created_at.getTime() / every) * every + every
      const span = (times.at(-1)! - Math.min(firstDue, times[0]!)) / every + 1
      // Skips with a claim (overlap, refused creation) are in both counts.
      const claimedSkips = fires.length - claimed.length
      assert.equal(fires.length + schedule.total_skips - claimedSkips, span, `fire times of ${id}`)
    }
  })
})
