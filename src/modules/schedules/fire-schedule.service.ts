import type { Executor } from '../../db/database.ts'
import { AppError } from '../../lib/errors.ts'
import {
  insertPreparedObjective,
  prepareObjective,
  type PreparedObjective,
  type ReadMemo,
} from '../objectives/index.ts'
import type { Deps, Scope } from '../deps.ts'
import { scheduleOf } from './schedule.service.ts'
import { compiledOf, type StoredSpec } from './schedule-spec.ts'
import * as repo from './schedules.repository.ts'
import type { ScheduleRow } from './schedules.repository.ts'

/** What one fire did, for the scheduler's log and its bench. */
export interface FireOutcome {
  scheduleId: string
  fireAt: Date
  objectiveId?: string
  skipReason?: string
  missed: number
}

/** The schedule's creator acts again at each fire: the objective is theirs, in its workspace. */
function scopeOf(row: ScheduleRow): Scope {
  return {
    accountId: row.account_id,
    workspaceId: row.workspace_id,
    profileId: row.profile_id,
    apiKeyId: '',
    homeWorkspaceId: row.workspace_id,
    // No key acts: the fire is the schedule's own, checked when the schedule was written.
    permissions: [],
  }
}

async function prepare(
  deps: Deps,
  row: ScheduleRow,
  memo: ReadMemo | undefined,
): Promise<PreparedObjective | string> {
  const spec = row.spec as StoredSpec
  const { info: _info, ...snapshot } = scheduleOf(row, false)
  try {
    return await prepareObjective(
      deps,
      scopeOf(row),
      {
        agentId: row.agent_id,
        ...(spec.variationId ? { variationId: spec.variationId } : {}),
        data: {
          initialMessage: spec.initialMessage,
          ...(spec.data !== undefined ? { data: spec.data } : {}),
        },
      },
      Math.random,
      undefined,
      { schedule: { scheduleId: row.id, snapshot }, memo },
    )
  } catch (err) {
    // A creation the API would refuse (variation deleted, model gone, data no longer valid) is
    // this fire's skip reason; the schedule goes on to its next fire.
    if (err instanceof AppError) return `the objective could not be created: ${err.message}`
    throw err
  }
}

function missedReason(missed: number, first: Date, last: Date): string {
  const span =
    missed === 1 ? first.toISOString() : `${first.toISOString()} to ${last.toISOString()}`
  return `${missed} fire time${missed === 1 ? '' : 's'} (${span}) passed while no scheduler was running or it was behind; only the latest ran`
}

/**
 * Fires one due schedule, locked by the caller's transaction `trx`: claims the latest due fire
 * time (earlier ones that passed unseen are counted as skipped), creates its objective in the
 * same transaction (or records why not: SKIP overlap, a refused creation), and moves the
 * schedule to its next fire after `now`. Everything commits together or not at all.
 */
export async function fireSchedule(
  deps: Deps,
  trx: Executor,
  row: ScheduleRow,
  now: Date,
  firedBy: string,
  memo?: ReadMemo,
): Promise<FireOutcome> {
  const spec = row.spec as StoredSpec
  const compiled = compiledOf(spec.schedule)
  const due = row.next_fire_at!.getTime()
  const { fireAt: fireMs, missed, firstMissed, lastMissed } = compiled.latestDue(due, now.getTime())
  const fireAt = new Date(fireMs)
  const nextMs = compiled.nextAfter(Math.max(fireMs, now.getTime()))

  let outcome: PreparedObjective | string
  const allowOverlap = spec.overlapPolicy === 'OVERLAP_POLICY_ALLOW'
  if (
    !allowOverlap &&
    row.last_objective_id &&
    (await repo.objectiveInProgress(trx, row.last_objective_id))
  ) {
    outcome = `overlap policy SKIP: the previous objective ${row.last_objective_id} is still running`
  } else {
    outcome = await prepare(deps, row, memo)
  }
  const prepared = typeof outcome === 'string' ? undefined : outcome
  let skipReason = typeof outcome === 'string' ? outcome : ''
  const claimed = await repo.claimFire(trx, {
    scheduleId: row.id,
    fireAt,
    objectiveId: prepared ? String(prepared.row.id) : null,
    skipReason,
    firedBy,
  })
  // The row lock keeps two transactions from firing a schedule at once; the claim also settles
  // what the lock cannot, such as processes whose clocks disagree, one having fired this time
  // already: then nothing is created and the schedule only moves on.
  const fired = claimed && !!prepared
  if (fired) await insertPreparedObjective(trx, prepared!)
  if (!skipReason && missed > 0) skipReason = missedReason(missed, firstMissed!, lastMissed!)
  const skippedAt = typeof outcome === 'string' ? fireAt : missed > 0 ? lastMissed! : undefined
  await repo.updateSchedule(trx, row.id, {
    next_fire_at: nextMs === undefined ? null : new Date(nextMs),
    ...(fired
      ? {
          last_fire_at: fireAt,
          last_objective_id: String(prepared!.row.id),
          total_fires: row.total_fires + 1,
        }
      : {}),
    ...(skippedAt
      ? {
          last_skipped_at: skippedAt,
          last_skip_reason: skipReason,
          total_skips: row.total_skips + missed + (typeof outcome === 'string' ? 1 : 0),
        }
      : {}),
  })
  return {
    scheduleId: row.id,
    fireAt,
    ...(fired ? { objectiveId: String(prepared!.row.id) } : {}),
    ...(skipReason ? { skipReason } : {}),
    missed,
  }
}
