import { sql } from 'kysely'
import type { ApiFamily } from '../../lib/api-family.ts'
import { failedPrecondition } from '../../lib/errors.ts'
import type { Deps, Scope } from '../deps.ts'
import {
  CANCELLABLE_STATES,
  type EventPayloads,
  type ObjectiveState,
  type StoredEvent,
} from './objective.ts'
import { storedEventData } from './objective.mappers.ts'
import type { Objective } from './objective.schema.ts'
import * as repo from './objectives.repository.ts'
import type { ObjectiveRow } from './objectives.repository.ts'
import { lockObjectiveRow, wakeParent } from './sub-objectives.ts'
import type { Executor } from '../../db/database.ts'
import { findObjectiveRow, getObjective } from './read-objective.service.ts'
import { CANCEL_CHANNEL } from './runtime.ts'

/**
 * How an objective is stopped from outside its run: cancelled, timed out for inactivity, or ended
 * by a budget cap (FAILED with an `error` of `errorType`, or TIMED_OUT).
 */
export interface Ending {
  state: 'CANCELLED' | 'TIMED_OUT' | 'FAILED'
  event: 'cancelled' | 'timedOut' | 'error'
  /** The result recorded on its tool calls that will never finish. */
  unfinished: string
  /** The `error` event's type. */
  errorType?: string
  /** Events written just before the ending one (a budget's `notice`). */
  before?: StoredEvent[]
}

export const CANCELLED: Ending = {
  state: 'CANCELLED',
  event: 'cancelled',
  unfinished: 'the objective was cancelled',
}

/**
 * Writes CANCELLED (or another ending) and its event on a locked row, after a `subAgentUpdated`
 * for each sub-agent call whose child is cancelled with it; drops its queued messages.
 */
export async function writeCancel(
  trx: Executor,
  deps: Deps,
  row: ObjectiveRow,
  reason: string,
  profileId: string,
  cancelledChildren: ObjectiveRow[] = [],
  ending: Ending = CANCELLED,
) {
  const updates = cancelledChildren.flatMap((child) => {
    const data = child.data as {
      parentToolCallId?: string
      agent?: { metadata?: { name?: string } }
    }
    if (!data.parentToolCallId) return [] // a child created through the API, not by a call
    const payload: EventPayloads['subAgentUpdated'] = {
      agent: { id: child.agent_id, name: data.agent?.metadata?.name ?? '' },
      objective: { id: child.id },
      status: 'STATUS_CANCELLED',
      message: `sub-objective ${child.id} was cancelled: ${CASCADE_REASON}`,
    }
    return [payload]
  })
  for (const [i, payload] of updates.entries()) {
    await repo.insertEvent(trx, {
      id: deps.ids('event'),
      objective_id: row.id,
      seq: row.event_seq + 1 + i,
      window_id: row.current_window_id ?? '',
      type: 'subAgentUpdated',
      data: JSON.stringify(storedEventData({ type: 'subAgentUpdated', payload })),
      profile_id: profileId,
    })
  }
  const before = ending.before ?? []
  for (const [i, event] of before.entries()) {
    await repo.insertEvent(trx, {
      id: deps.ids('event'),
      objective_id: row.id,
      seq: row.event_seq + updates.length + 1 + i,
      window_id: row.current_window_id ?? '',
      type: event.type,
      data: JSON.stringify(storedEventData(event)),
      profile_id: profileId,
    })
  }
  const written = updates.length + before.length + 1
  const seq = row.event_seq + written
  await trx
    .updateTable('objectives')
    .set({
      state: ending.state,
      wait_reason: null,
      state_message: reason,
      version: row.version + 1,
      lease_owner: null,
      lease_expires_at: null,
      event_seq: seq,
      total_events: row.total_events + written,
      updated_at: sql`now()`,
    })
    .where('id', '=', row.id)
    .execute()
  await repo.insertEvent(trx, {
    id: deps.ids('event'),
    objective_id: row.id,
    seq,
    window_id: row.current_window_id ?? '',
    type: ending.event,
    data: JSON.stringify(storedEventData(endingEvent(ending, reason))),
    profile_id: profileId,
  })
  // Queued messages will never be taken now, nor will unfinished calls finish.
  await trx.deleteFrom('objective_inbox').where('objective_id', '=', row.id).execute()
  await settleUnfinishedCalls(trx, row.id, ending.unfinished)
  await repo.notifyChannel(trx, CANCEL_CHANNEL, row.id)
}

function endingEvent(ending: Ending, message: string): StoredEvent {
  if (ending.event === 'error') {
    return { type: 'error', payload: { type: ending.errorType ?? 'constraint', message } }
  }
  return { type: ending.event, payload: { message } }
}

/**
 * Tool calls that will never run to their end (the objective was cancelled, or failed and is
 * continued: its conversation answers them with an error) are recorded as ERRORED, not left
 * PENDING or RUNNING forever.
 */
export async function settleUnfinishedCalls(trx: Executor, objectiveId: string, message: string) {
  await trx
    .updateTable('objective_tool_calls')
    .set({
      execution_status: 'TOOL_CALL_EXECUTION_STATUS_ERRORED',
      result: message,
      updated_at: sql`now()`,
    })
    .where('objective_id', '=', objectiveId)
    .where('execution_status', 'in', [
      'TOOL_CALL_EXECUTION_STATUS_PENDING',
      'TOOL_CALL_EXECUTION_STATUS_RUNNING',
      // A bare tool's call that never got its content (docs/api.md section 5.13).
      'TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT',
    ])
    .execute()
}

export const CASCADE_REASON = 'the parent objective was cancelled'

/**
 * Ends a locked objective (its parent, if any, locked first) and cancels its sub-objectives
 * still at work, level by level, ancestors locked before descendants: each objective's children
 * at work are locked before it is written, so its events report them. Wakes its parent. Returns
 * the ids of every objective ended, for the workers holding them to abort.
 */
export async function endWithChildren(
  trx: Executor,
  deps: Deps,
  row: ObjectiveRow,
  reason: string,
  profileId: string,
  ending: Ending,
): Promise<string[]> {
  const ids: string[] = []
  for (let level = [row]; level.length;) {
    const children = await repo.lockWorkingChildren(
      trx,
      level.map((o) => o.id),
    )
    for (const o of level) {
      const mine = children.filter((c) => c.parent_objective_id === o.id)
      if (o === row) await writeCancel(trx, deps, o, reason, profileId, mine, ending)
      else await writeCancel(trx, deps, o, CASCADE_REASON, profileId, mine)
    }
    ids.push(...level.map((o) => o.id))
    level = children
  }
  if (row.parent_objective_id) await wakeParent(trx, row.parent_objective_id)
  return ids
}

/**
 * Cancels an objective and, with it, its sub-objectives still at work (level by level, each
 * level locked before its children are read, so none spawned meanwhile escapes). CANCELLED
 * commits first, with the `cancelled` event as each objective's last event: the version bump
 * makes every later write of the engine fail its compare-and-set. A cancelled sub-objective
 * settles its parent's call (whose parent is locked first: ancestors before descendants, as the
 * engine locks them). Then the workers holding them are told (in-process directly, other
 * processes by NOTIFY) and abort their in-flight provider and tool requests.
 */
export async function cancelObjective(
  deps: Deps,
  scope: Scope,
  ref: string,
  reason: string | undefined,
  family: ApiFamily,
): Promise<Objective> {
  const found = await findObjectiveRow(deps, scope, ref)
  const cancelled = await deps.db.transaction().execute(async (trx) => {
    if (found.parent_objective_id) await lockObjectiveRow(trx, found.parent_objective_id)
    const row = (await repo.lockObjective(trx, found.id))!
    if (!CANCELLABLE_STATES.includes(row.state as ObjectiveState)) {
      throw failedPrecondition(`objective ${row.id} is ${row.state} and can no longer be cancelled`)
    }
    return endWithChildren(trx, deps, row, reason ?? '', scope.profileId, CANCELLED)
  })
  for (const id of cancelled) deps.local.objectiveCancelled(id)
  return getObjective(deps, scope, found.id, family)
}
