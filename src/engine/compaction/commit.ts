import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import { storedEventData, type StoredEvent } from '../../modules/objectives/index.ts'
import type { CompactionPlan } from './plan.ts'
import type { CompactionOutcome, CompactionRequest } from './request.ts'
import type { Lease } from '../lease.ts'

/**
 * Who may compact: the worker holding the objective's lease (automatic compaction between steps),
 * or anyone who read an idle objective (no lease) at `version` in `state` (manual compaction).
 * Either way the write is a compare-and-set: a concurrent step, continue or cancel wins.
 */
export type CompactionGuard =
  { lease: Lease } | { objectiveId: string; version: number; state: string }

export interface CompactionWrite {
  plan: CompactionPlan
  windowId: string
  eventId: string
  profileId: string
  /** A manual request this compaction answers (under a lease): its outcome is written with it. */
  requestId?: string
}

export interface CompactionResult {
  version: number
  eventSeq: number
  event: StoredEvent
}

/**
 * Writes a compaction in one transaction: the new context window (sequence + 1, the objective's
 * current window from now on), the summarisation call's tokens on the window it compacted, and
 * the `contextWindowCompacted` event as the first event of the new window. That event carries the
 * compacted conversation (engine-only), so a worker rebuilding the new window from its rows alone
 * gets exactly what the compacting worker holds in memory. Undefined when the guard failed;
 * `withdrawn` when the request it answers was taken back meanwhile (its API call gave up): nothing
 * is written then, and the lease still holds.
 */
export async function commitCompaction(
  db: Db,
  guard: CompactionGuard,
  write: CompactionWrite,
): Promise<CompactionResult | 'withdrawn' | undefined> {
  return db.transaction().execute(async (trx) => {
    let query = trx.selectFrom('objectives').selectAll().forUpdate()
    if ('lease' in guard) {
      query = query
        .where('id', '=', guard.lease.objectiveId)
        .where('version', '=', guard.lease.version)
        .where('lease_owner', '=', guard.lease.owner)
        .where('state', '=', 'RUNNING')
    } else {
      query = query
        .where('id', '=', guard.objectiveId)
        .where('version', '=', guard.version)
        .where('state', '=', guard.state)
        .where('lease_owner', 'is', null)
    }
    const row = await query.executeTakeFirst()
    if (!row?.current_window_id) return undefined
    if (write.requestId) {
      const request = row.compaction_request as CompactionRequest | null
      if (request?.id !== write.requestId || request.outcome) return 'withdrawn'
    }
    const { plan } = write
    const previous = await trx
      .updateTable('objective_context_windows')
      .set({
        prompt_tokens: sql`prompt_tokens + ${plan.usage.inputTokens}::bigint`,
        completion_tokens: sql`completion_tokens + ${plan.usage.outputTokens}::bigint`,
        ...windowCost(plan),
      })
      .where('id', '=', row.current_window_id)
      .returning('sequence')
      .executeTakeFirstOrThrow()
    const sequence = previous.sequence + 1
    await trx
      .insertInto('objective_context_windows')
      .values({
        id: write.windowId,
        objective_id: row.id,
        sequence,
        previous_window_continue_instructions: plan.summary,
      })
      .execute()
    const event: StoredEvent = {
      type: 'contextWindowCompacted',
      payload: {
        messagesCompacted: plan.messagesCompacted,
        newContextWindow: {
          objectiveId: row.id,
          sequence,
          promptTokens: 0,
          completionTokens: 0,
          previousWindowContinueInstructions: plan.summary,
        },
        strategies: plan.strategies,
        summary: plan.summary,
      },
      x: { conversation: plan.snapshot },
    }
    const seq = row.event_seq + 1
    await trx
      .insertInto('objective_events')
      .values({
        id: write.eventId,
        objective_id: row.id,
        seq,
        window_id: write.windowId,
        type: event.type,
        data: JSON.stringify(storedEventData(event)),
        profile_id: write.profileId,
      })
      .execute()
    const updated = await trx
      .updateTable('objectives')
      .set({
        version: row.version + 1,
        event_seq: seq,
        total_events: row.total_events + 1,
        total_context_windows: row.total_context_windows + 1,
        current_window_id: write.windowId,
        ...(write.requestId
          ? {
              compaction_request: sql`jsonb_set(compaction_request, '{outcome}',
                ${JSON.stringify({ windowId: write.windowId } satisfies CompactionOutcome)}::jsonb)`,
            }
          : {}),
        total_input_tokens: sql`total_input_tokens + ${plan.usage.inputTokens}::bigint`,
        total_output_tokens: sql`total_output_tokens + ${plan.usage.outputTokens}::bigint`,
        ...objectiveCost(plan),
        updated_at: sql`now()`,
      })
      .where('id', '=', row.id)
      .returning(['version', 'event_seq'])
      .executeTakeFirstOrThrow()
    return { version: updated.version, eventSeq: updated.event_seq, event }
  })
}

/**
 * Counts a summarisation call whose compaction lost its compare-and-set: the provider was paid,
 * so the tokens go to the objective and the window that was summarised. Increments only, with no
 * version bump: they commute with whatever won.
 */
export async function recordLostCompaction(
  db: Db,
  objectiveId: string,
  windowId: string,
  plan: CompactionPlan,
): Promise<void> {
  const { inputTokens, outputTokens } = plan.usage
  if (!inputTokens && !outputTokens && !plan.modelCalls) return
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('objectives')
      .set({
        total_input_tokens: sql`total_input_tokens + ${inputTokens}::bigint`,
        total_output_tokens: sql`total_output_tokens + ${outputTokens}::bigint`,
        ...objectiveCost(plan),
      })
      .where('id', '=', objectiveId)
      .execute()
    await trx
      .updateTable('objective_context_windows')
      .set({
        prompt_tokens: sql`prompt_tokens + ${inputTokens}::bigint`,
        completion_tokens: sql`completion_tokens + ${outputTokens}::bigint`,
        ...windowCost(plan),
      })
      .where('id', '=', windowId)
      .execute()
  })
}

/** The summarisation call's cost, on the window it summarised (docs/api.md section 5.11). */
function windowCost(plan: CompactionPlan) {
  return plan.costUsd !== undefined
    ? { cost_usd: sql<string>`coalesce(cost_usd, 0) + ${plan.costUsd}::numeric` }
    : {}
}

function objectiveCost(plan: CompactionPlan) {
  return {
    total_model_calls: sql<number>`total_model_calls + ${plan.modelCalls ?? 0}::int`,
    ...(plan.costUsd !== undefined
      ? { total_cost_usd: sql<string>`coalesce(total_cost_usd, 0) + ${plan.costUsd}::numeric` }
      : {}),
  }
}
