import { sql, type Selectable, type Updateable } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { AgentScheduleTable } from '../../db/schema.schedules.ts'

export type ScheduleRow = Selectable<AgentScheduleTable>

/** NOTIFYed when a schedule may fire sooner than the schedulers expect (created, changed). */
export const SCHEDULES_CHANNEL = 'sortie_schedules'

/** Wakes every scheduler once the surrounding transaction (if any) commits. */
export async function notifySchedulesChanged(db: Executor, scheduleId: string) {
  await sql`SELECT pg_notify(${SCHEDULES_CHANNEL}, ${scheduleId})`.execute(db)
}

/** Locks a schedule for the rest of the transaction: verbs and fires queue up behind it. */
export function lockSchedule(trx: Executor, id: string) {
  return trx
    .selectFrom('agent_schedules')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst()
}

export function updateSchedule(trx: Executor, id: string, values: Updateable<AgentScheduleTable>) {
  return trx
    .updateTable('agent_schedules')
    .set({ ...values, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
}

/**
 * Up to `limit` active schedules due at `now` (of `ids` only, when given), earliest first,
 * locked; rows another process is firing are skipped, so several schedulers share the due ones
 * instead of queueing on the same rows.
 */
export function lockDue(trx: Executor, now: Date, limit: number, ids?: string[]) {
  let qb = trx
    .selectFrom('agent_schedules')
    .selectAll()
    .where('status', '=', 'ACTIVE')
    .where('next_fire_at', '<=', now)
  if (ids) qb = qb.where('id', 'in', ids)
  return qb.orderBy('next_fire_at').limit(limit).forUpdate().skipLocked().execute()
}

/** The earliest fire time of any active schedule, to sleep until then. */
export async function earliestFire(db: Executor): Promise<Date | undefined> {
  const row = await db
    .selectFrom('agent_schedules')
    .select((eb) => eb.fn.min('next_fire_at').as('at'))
    .where('status', '=', 'ACTIVE')
    .where('next_fire_at', 'is not', null)
    .executeTakeFirst()
  return row?.at ? new Date(row.at as Date) : undefined
}

/**
 * Claims one fire time of a schedule: the unique (schedule_id, fire_at) key lets exactly one
 * transaction have it. Resolves false when the fire was already claimed.
 */
export async function claimFire(
  trx: Executor,
  claim: {
    scheduleId: string
    fireAt: Date
    objectiveId: string | null
    skipReason: string
    firedBy: string
  },
): Promise<boolean> {
  const row = await trx
    .insertInto('agent_schedule_fires')
    .values({
      schedule_id: claim.scheduleId,
      fire_at: claim.fireAt,
      objective_id: claim.objectiveId,
      skip_reason: claim.skipReason,
      fired_by: claim.firedBy,
    })
    .onConflict((oc) => oc.columns(['schedule_id', 'fire_at']).doNothing())
    .returning('schedule_id')
    .executeTakeFirst()
  return !!row
}

/**
 * Whether an objective is still at work (pending, running, or waiting on something other than
 * its next input): what the SKIP overlap policy waits for. Read here rather than through the
 * objectives module because it is one column pair of one row.
 */
export async function objectiveInProgress(db: Executor, objectiveId: string): Promise<boolean> {
  const row = await db
    .selectFrom('objectives')
    .select(['state', 'wait_reason'])
    .where('id', '=', objectiveId)
    .executeTakeFirst()
  if (!row) return false
  if (row.state === 'PENDING' || row.state === 'RUNNING') return true
  return row.state === 'WAITING' && row.wait_reason !== 'turn_complete'
}
