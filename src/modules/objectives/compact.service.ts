import { failedPrecondition } from '../../lib/errors.ts'
import type { Deps, Scope } from '../deps.ts'
import {
  CANCELLABLE_STATES,
  COMPACTABLE_STATES,
  compactRefusal,
  type ObjectiveState,
} from './objective.ts'
import { windowOf } from './objective.mappers.ts'
import type { CompactObjectiveBody, CompactObjectiveResponse } from './objective.schema.ts'
import * as repo from './objectives.repository.ts'
import { findObjectiveRow } from './read-objective.service.ts'

/**
 * Compacts an objective's context window now (docs/api.md section 5.6), with the body's config
 * overriding the variation's: a new window (sequence + 1) starts from the compacted context and a
 * `contextWindowCompacted` event opens it. A WAITING or FAILED objective is compacted at once; a
 * RUNNING or PENDING one by its worker before its next model call, which this call waits for.
 * Super-terminal states (FINALIZED, CANCELLED, TIMED_OUT) never change again.
 */
export async function compactObjective(
  deps: Deps,
  scope: Scope,
  ref: string,
  body: CompactObjectiveBody,
): Promise<CompactObjectiveResponse> {
  const row = await findObjectiveRow(deps, scope, ref)
  if (![...COMPACTABLE_STATES, ...CANCELLABLE_STATES].includes(row.state as ObjectiveState)) {
    throw failedPrecondition(compactRefusal(row.id, row.state))
  }
  const windowId = await deps.compactor.compact(row.id, body.compactionConfig, scope.profileId)
  const window = await repo.findWindow(deps.db, windowId)
  return { contextWindow: windowOf(row, window).data }
}
