import { sql } from 'kysely'
import type { Deps } from '../deps.ts'
import { endWithChildren, type Ending } from './cancel-objective.service.ts'
import * as repo from './objectives.repository.ts'
import { lockObjectiveRow } from './sub-objectives.ts'

const TIMED_OUT: Ending = {
  state: 'TIMED_OUT',
  event: 'timedOut',
  unfinished: 'the objective timed out',
}

/** Made no progress (no committed step, message or decision) for its inactivity timeout. */
const IDLE = sql<boolean>`inactivity_timeout_ms IS NOT NULL AND state IN ('RUNNING', 'WAITING')
  AND updated_at < now() - inactivity_timeout_ms * interval '1 millisecond'`

/**
 * Ends TIMED_OUT the objectives that stayed RUNNING or WAITING longer than their variation's
 * `constraints.inactivityTimeout` without progress (docs/api.md section 5.8), with a `timedOut`
 * event last, their sub-objectives at work cancelled with them. One transaction each, parent
 * locked before child as cancel locks them; the row is checked again under its lock, so a step
 * that committed meanwhile wins. The version bump makes the worker holding one lose its next
 * compare-and-set; the returned ids are for it to abort at once. Any process may run this.
 */
export async function timeOutInactive(deps: Deps, limit = 100): Promise<string[]> {
  const candidates = await deps.db
    .selectFrom('objectives')
    .select(['id', 'parent_objective_id'])
    .where(IDLE)
    .orderBy('updated_at')
    .limit(limit)
    .execute()
  const ended: string[] = []
  for (const c of candidates) {
    const ids = await deps.db.transaction().execute(async (trx) => {
      if (c.parent_objective_id) await lockObjectiveRow(trx, c.parent_objective_id)
      const row = await trx
        .selectFrom('objectives')
        .selectAll()
        .where('id', '=', c.id)
        .where(IDLE)
        .forUpdate()
        .executeTakeFirst()
      if (!row) return []
      const seconds = (row.inactivity_timeout_ms ?? 0) / 1000
      const reason = `no progress for ${seconds}s (constraints.inactivityTimeout) while ${row.state}`
      return endWithChildren(trx, deps, row as repo.ObjectiveRow, reason, row.profile_id, TIMED_OUT)
    })
    ended.push(...ids)
  }
  return ended
}
