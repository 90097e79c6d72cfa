import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { Deps } from '../deps.ts'
import type { StoredEvent } from './objective.ts'
import { storedEventData } from './objective.mappers.ts'
import * as repo from './objectives.repository.ts'
import { WORK_CHANNEL } from './runtime.ts'

/**
 * Records an event a client's decision adds to an objective no run is writing (an approval, a
 * denial, a bare tool's content), under the objective's row lock held by `trx`: the next sequence
 * number, the version bumped, and, with `resume`, the objective back to RUNNING without a lease
 * and a worker woken once the transaction commits.
 */
export async function recordDecisionEvent(
  trx: Executor,
  deps: Pick<Deps, 'ids'>,
  row: repo.ObjectiveRow,
  event: StoredEvent,
  opts: { profileId: string; resume: boolean },
): Promise<void> {
  const seq = row.event_seq + 1
  await trx
    .updateTable('objectives')
    .set({
      version: row.version + 1,
      event_seq: seq,
      total_events: row.total_events + 1,
      updated_at: sql`now()`,
      ...(opts.resume
        ? {
            state: 'RUNNING',
            wait_reason: null,
            state_message: '',
            lease_owner: null,
            lease_expires_at: null,
          }
        : {}),
    })
    .where('id', '=', row.id)
    .execute()
  await repo.insertEvent(trx, {
    id: deps.ids('event'),
    objective_id: row.id,
    seq,
    window_id: row.current_window_id ?? '',
    type: event.type,
    data: JSON.stringify(storedEventData(event)),
    profile_id: opts.profileId,
  })
  if (opts.resume) await repo.notifyChannel(trx, WORK_CHANNEL, row.id)
}
