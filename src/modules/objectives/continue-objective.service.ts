import { sql } from 'kysely'
import type { ApiFamily } from '../../lib/api-family.ts'
import { failedPrecondition, fieldError } from '../../lib/errors.ts'
import type { Deps, Scope } from '../deps.ts'
import { CONTINUABLE_STATES, type ObjectiveState } from './objective.ts'
import { eventOf, storedEventData, type StoredObjectiveData } from './objective.mappers.ts'
import type { ContinueObjectiveBody, ObjectiveEvent } from './objective.schema.ts'
import * as repo from './objectives.repository.ts'
import { findObjectiveRow } from './read-objective.service.ts'
import { WORK_CHANNEL } from './runtime.ts'
import { settleUnfinishedCalls } from './cancel-objective.service.ts'

function sealSecrets(deps: Deps, secrets: ContinueObjectiveBody['secrets']) {
  if (!secrets) return {}
  return { secrets_sealed: secrets.length ? deps.box.seal(JSON.stringify(secrets)) : null }
}

function withSecretNames(
  data: unknown,
  secrets: ContinueObjectiveBody['secrets'],
): string | undefined {
  if (!secrets) return undefined
  const next: StoredObjectiveData = {
    ...(data as StoredObjectiveData),
    secretNames: secrets.map((s) => s.name),
  }
  return JSON.stringify(next)
}

/**
 * Continues an objective with a user message (docs/decisions.md decision 2). From WAITING or FAILED the message is
 * appended and the objective becomes runnable again; while it runs (or waits for a tool-call
 * approval), `enqueue: true` queues the message for the end of the current turn (the event id is allocated now and kept). The row lock
 * serialises concurrent continues, so both are kept, in order.
 */
export async function continueObjective(
  deps: Deps,
  scope: Scope,
  ref: string,
  body: ContinueObjectiveBody,
  family: ApiFamily,
): Promise<ObjectiveEvent> {
  const found = await findObjectiveRow(deps, scope, ref)
  const message = body.message || undefined
  return deps.db.transaction().execute(async (trx) => {
    const row = (await repo.lockObjective(trx, found.id))!
    const state = row.state as ObjectiveState
    const data = withSecretNames(row.data, body.secrets)
    // A turn parked for approval, for sub-objectives or for a bare tool's content is still in
    // progress: its calls need answers before a message.
    const awaitingApproval = state === 'WAITING' && row.wait_reason === 'approval'
    const awaitingChildren = state === 'WAITING' && row.wait_reason === 'sub_objectives'
    // A bare tool's call waiting for its content (docs/api.md section 5.13) is as unanswered.
    const awaitingContent = state === 'WAITING' && row.wait_reason === 'content'
    if (
      state === 'RUNNING' ||
      state === 'PENDING' ||
      awaitingApproval ||
      awaitingChildren ||
      awaitingContent
    ) {
      if (body.enqueue && message === undefined) {
        throw fieldError('message', 'is required to enqueue: there is nothing to queue without one')
      }
      if (!body.enqueue) {
        const what = awaitingApproval
          ? 'waiting for tool call approval'
          : awaitingChildren
            ? 'waiting for sub-objectives'
            : awaitingContent
              ? 'waiting for tool call content'
              : 'running'
        throw failedPrecondition(
          `objective ${row.id} is ${what}: pass enqueue: true to queue the message for the end of its turn`,
        )
      }
      const queued = await repo.insertInbox(trx, {
        id: deps.ids('event'),
        objective_id: row.id,
        content: message!,
        profile_id: scope.profileId,
      })
      if (data) {
        await trx
          .updateTable('objectives')
          .set({ ...sealSecrets(deps, body.secrets), data })
          .where('id', '=', row.id)
          .execute()
      }
      return eventOf(
        row,
        {
          id: queued.id,
          type: 'userMessage',
          data: storedEventData({ type: 'userMessage', payload: { content: message! } }),
          window_id: row.current_window_id ?? '',
          profile_id: scope.profileId,
          created_at: queued.created_at,
        },
        family,
      )
    }
    if (!CONTINUABLE_STATES.includes(state)) {
      throw failedPrecondition(`objective ${row.id} is ${state} and cannot be continued`)
    }
    if (message === undefined && state === 'WAITING') {
      // A finished turn has nothing to resume: calling the model again after its own answer
      // would only repeat it. The objective stays as it is.
      return eventOf(row, await repo.lastEvent(trx, row.id), family)
    }
    if (state === 'FAILED') {
      await settleUnfinishedCalls(trx, row.id, 'the tool call was not completed')
    }
    // Without a message a FAILED turn resumes as it is: no event; the answer is the latest event.
    const seq = message === undefined ? row.event_seq : row.event_seq + 1
    await trx
      .updateTable('objectives')
      .set({
        state: 'RUNNING',
        wait_reason: null,
        state_message: '',
        version: row.version + 1,
        lease_owner: null,
        lease_expires_at: null,
        limit_strikes: 0,
        event_seq: seq,
        total_events: row.total_events + (seq - row.event_seq),
        updated_at: sql`now()`,
        ...sealSecrets(deps, body.secrets),
        ...(data ? { data } : {}),
      })
      .where('id', '=', row.id)
      .execute()
    await repo.notifyChannel(trx, WORK_CHANNEL, row.id)
    if (message === undefined) return eventOf(row, await repo.lastEvent(trx, row.id), family)
    const event = await repo.insertEvent(trx, {
      id: deps.ids('event'),
      objective_id: row.id,
      seq,
      window_id: row.current_window_id ?? '',
      type: 'userMessage',
      data: JSON.stringify(storedEventData({ type: 'userMessage', payload: { content: message } })),
      profile_id: scope.profileId,
    })
    return eventOf(row, event, family)
  })
}
