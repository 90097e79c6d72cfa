import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { aborted, failedPrecondition, notFound } from '../../lib/errors.ts'
import { loadProfiles } from '../profiles/index.ts'
import type { Deps, Scope } from '../deps.ts'
import { recordDecisionEvent } from './decision-event.ts'
import type { ContentPart, StoredEvent } from './objective.ts'
import { toolCallOf } from './objective.mappers.ts'
import type { ObjectiveToolCall } from './objective.schema.ts'
import * as repo from './objectives.repository.ts'
import { findObjectiveRow } from './read-objective.service.ts'
import { contentText } from './tool-content.ts'

const WAITING_FOR_CONTENT = 'TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT'
const FINISHED = new Set(['CANCELLED', 'FINALIZED', 'FAILED', 'TIMED_OUT'])

type Answer = { content: ContentPart[] } | { error: string }

/**
 * Answers a bare tool's parked call, under the objective's row lock the caller holds: the call
 * leaves WAITING_FOR_CONTENT only by a conditional update (so of two answers exactly one wins),
 * its `toolResult` (or `toolError`) event is appended, and the objective parked for it becomes
 * runnable again (RUNNING, no lease) and the engine is woken, all in the caller's transaction. A
 * kill -9 after the commit leaves a runnable objective whose conversation holds the result.
 * Returns undefined when the call was not waiting.
 */
async function answerParkedCall(
  trx: Executor,
  deps: Deps,
  row: repo.ObjectiveRow,
  toolCallId: string,
  answer: Answer,
  profileId: string,
): Promise<repo.ToolCallRow | undefined> {
  const ok = 'content' in answer
  const text = ok ? contentText(answer.content) : answer.error
  const call = await trx
    .updateTable('objective_tool_calls')
    .set({
      execution_status: ok
        ? 'TOOL_CALL_EXECUTION_STATUS_COMPLETED'
        : 'TOOL_CALL_EXECUTION_STATUS_ERRORED',
      result: text,
      result_content: ok ? JSON.stringify(answer.content) : null,
      content_deadline: null,
      updated_at: sql`now()`,
    })
    .where('objective_id', '=', row.id)
    .where('id', '=', toolCallId)
    .where('execution_status', '=', WAITING_FOR_CONTENT)
    .returningAll()
    .executeTakeFirst()
  if (!call) return undefined
  const resume = row.state === 'WAITING' && row.wait_reason === 'content'
  const event: StoredEvent = ok
    ? {
        type: 'toolResult',
        payload: { toolCallId, content: text, result: { content: answer.content } },
      }
    : { type: 'toolError', payload: { toolCallId, message: text } }
  await recordDecisionEvent(trx, deps, row, event, { profileId, resume })
  return call
}

/** `POST .../tool_calls/{id}:setContent`: the result of a bare tool's call (docs/api.md section 5.13). */
export async function setToolCallContent(
  deps: Deps,
  scope: Scope,
  objectiveRef: string,
  toolCallId: string,
  content: ContentPart[],
): Promise<ObjectiveToolCall> {
  const found = await findObjectiveRow(deps, scope, objectiveRef)
  const { parent, call } = await deps.db.transaction().execute(async (trx) => {
    const row = (await repo.lockObjective(trx, found.id))!
    const current = await repo.findToolCall(trx, row.id, toolCallId)
    if (!current) throw notFound('tool call', toolCallId)
    if (FINISHED.has(row.state)) {
      throw failedPrecondition(
        `objective ${row.id} is ${row.state}: its tool calls can no longer be given content`,
      )
    }
    const call = await answerParkedCall(trx, deps, row, toolCallId, { content }, scope.profileId)
    if (!call) {
      throw aborted(
        `tool call ${toolCallId} is ${current.execution_status}, not waiting for content ` +
          '(only a call of a bare tool waits, and only until its content is set)',
      )
    }
    return { parent: row, call }
  })
  const profiles = await loadProfiles(deps, [parent.profile_id])
  return toolCallOf(parent, call, { createdBy: profiles.get(parent.profile_id) })
}

/**
 * Answers with a tool error the parked calls whose `contentTimeout` passed, one transaction each
 * under the objective's row lock (a `:setContent` that got there first wins). Any process may
 * run this. Returns how many it answered.
 */
export async function expireContentWaits(deps: Deps, limit = 100): Promise<number> {
  const due = await deps.db
    .selectFrom('objective_tool_calls')
    .select(['id', 'objective_id'])
    .where('content_deadline', 'is not', null)
    .where('execution_status', '=', WAITING_FOR_CONTENT)
    .where('content_deadline', '<=', sql<Date>`now()`)
    .orderBy('content_deadline')
    .limit(limit)
    .execute()
  let answered = 0
  for (const d of due) {
    const done = await deps.db.transaction().execute(async (trx) => {
      const row = await repo.lockObjective(trx, d.objective_id)
      if (!row || FINISHED.has(row.state)) return false
      const error = 'no content was set for this tool call within its contentTimeout'
      return !!(await answerParkedCall(trx, deps, row, d.id, { error }, row.profile_id))
    })
    if (done) answered++
  }
  return answered
}
