import { aborted, failedPrecondition, notFound } from '../../lib/errors.ts'
import { loadProfiles } from '../profiles/index.ts'
import type { Deps, Scope } from '../deps.ts'
import { recordDecisionEvent } from './decision-event.ts'
import type { StoredEvent } from './objective.ts'
import { toolCallOf } from './objective.mappers.ts'
import type { ObjectiveToolCall } from './objective.schema.ts'
import * as repo from './objectives.repository.ts'
import { findObjectiveRow } from './read-objective.service.ts'

export type ToolCallDecision = { approve: true } | { approve: false; memo: string }

/** States in which nothing will ever run again: a decision there is refused. */
const FINISHED = new Set(['CANCELLED', 'FINALIZED', 'FAILED', 'TIMED_OUT'])

/**
 * Approves or denies a tool call waiting for approval. One transaction: the objective row lock
 * orders it against cancels and other decisions; the tool call moves only from
 * WAITING_FOR_APPROVAL (compare-and-set, so of two decisions exactly one wins and the other is
 * ABORTED); the `toolApproved`/`toolDenied` event is appended; and when no call is still waiting
 * the objective becomes runnable again (RUNNING, no lease) and the engine is woken. The worker
 * then runs the approved calls; a denied call's memo is fed to the model as its result.
 */
export async function decideToolCall(
  deps: Deps,
  scope: Scope,
  objectiveRef: string,
  toolCallId: string,
  decision: ToolCallDecision,
): Promise<ObjectiveToolCall> {
  const found = await findObjectiveRow(deps, scope, objectiveRef)
  const { parent, call } = await deps.db.transaction().execute(async (trx) => {
    const row = (await repo.lockObjective(trx, found.id))!
    const current = await repo.findToolCall(trx, row.id, toolCallId)
    if (!current) throw notFound('tool call', toolCallId)
    if (FINISHED.has(row.state)) {
      throw failedPrecondition(
        `objective ${row.id} is ${row.state}: its tool calls can no longer be approved or denied`,
      )
    }
    const memo = decision.approve ? '' : decision.memo
    const call = await repo.decideToolCall(trx, row.id, toolCallId, {
      status: decision.approve ? 'TOOL_CALL_STATUS_APPROVED' : 'TOOL_CALL_STATUS_DENIED',
      memo,
      profileId: scope.profileId,
    })
    if (!call) {
      throw aborted(`tool call ${toolCallId} is ${current.status}, not waiting for approval`)
    }
    const waiting = await repo.countWaitingToolCalls(trx, row.id)
    const resume = waiting === 0 && row.state === 'WAITING' && row.wait_reason === 'approval'
    const event: StoredEvent = decision.approve
      ? { type: 'toolApproved', payload: { toolCallId } }
      : { type: 'toolDenied', payload: { toolCallId, memo } }
    await recordDecisionEvent(trx, deps, row, event, { profileId: scope.profileId, resume })
    return { parent: row, call }
  })
  const profiles = await loadProfiles(deps, [parent.profile_id, scope.profileId])
  return toolCallOf(
    parent,
    call,
    { createdBy: profiles.get(parent.profile_id) },
    profiles.get(scope.profileId),
  )
}
