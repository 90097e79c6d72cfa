import { sql } from 'kysely'
import { prepared, type Executor } from '../db/database.ts'
import { storedEventData } from '../modules/objectives/index.ts'
import { REQUEST_PENDING } from './compaction/request.ts'
import { commitStep, type StepResult, type StepWrite } from './journal.ts'
import type { Lease } from './lease.ts'

/**
 * Group commit: the steps of many objectives that become ready within a short window (one turn
 * of the event loop, or while the previous batch is being written) are written by ONE statement
 * in one transaction, and each run waits for that commit before it announces anything (its
 * events reach the conversation, the live stream and the next request only after it). One
 * round trip, one statement execution and one WAL flush serve a whole batch instead of one step.
 *
 * Each step in a batch keeps its own compare-and-set on (version, lease owner, RUNNING): a step
 * whose objective was cancelled or taken over matches no row and, as in journal.ts, writes
 * nothing, while the other steps of the batch commit. A batch that fails as a whole (a deadlock
 * with a lease renewal, a lost connection) wrote nothing, so its steps are retried one by one
 * through `commitStep`, each with its own outcome.
 *
 * Only the hot shape is batched: events, new tool calls, tool-call results, counters (tokens,
 * model calls, cost, the last call's usage and the window's prices), limit strikes. A step with anything else (a state change, output, tasks, sub-objectives, or a
 * field added to StepWrite later) is written by `commitStep` as before, so nothing is dropped.
 */

/** Steps written by one statement at most. */
const MAX_BATCH = 64
/** Batch statements in flight at once (each on its own pooled connection). */
const MAX_IN_FLIGHT = 2

const BATCHED_FIELDS = new Set([
  'windowId',
  'events',
  'toolCalls',
  'toolCallUpdates',
  'add',
  'prices',
])
const BATCHED_ADD = new Set([
  'inputTokens',
  'outputTokens',
  'toolCalls',
  'refused',
  'modelCalls',
  'costUsd',
  'lastCall',
])

/** Whether a step has only what the batch statement writes. */
export function batchable(step: StepWrite): boolean {
  for (const [key, value] of Object.entries(step)) {
    if (value === undefined || BATCHED_FIELDS.has(key) || key === 'limitStrikes') continue
    return false
  }
  for (const key of Object.keys(step.add ?? {})) if (!BATCHED_ADD.has(key)) return false
  // Without a state change a step never settles (so never locks) a parent: see commitStep.
  return true
}

interface Pending {
  objectiveId: string
  version: number
  owner: string
  step: StepWrite
  resolve: (result: StepResult | undefined) => void
  reject: (err: unknown) => void
}

export class GroupCommit {
  private queue: Pending[] = []
  private inFlight = 0
  private scheduled = false

  constructor(private readonly db: Executor) {}

  /**
   * Commits a step under its lease, batched with others when it can be (same contract as
   * `commitStep`: undefined when the compare-and-set matched nothing).
   */
  commit(lease: Lease, step: StepWrite): Promise<StepResult | undefined> {
    if (!batchable(step)) return commitStep(this.db, lease, step)
    return new Promise((resolve, reject) => {
      // The lease is read now: the run changes it only after this commit resolves.
      const { objectiveId, version, owner } = lease
      this.queue.push({ objectiveId, version, owner, step, resolve, reject })
      this.schedule()
    })
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT) return
    this.scheduled = true
    // One turn of the event loop lets the steps ready at the same moment join the batch.
    setImmediate(() => {
      this.scheduled = false
      this.flush()
    })
  }

  private flush(): void {
    while (this.queue.length && this.inFlight < MAX_IN_FLIGHT) {
      const batch = this.queue.splice(0, MAX_BATCH)
      this.inFlight++
      void this.write(batch).finally(() => {
        this.inFlight--
        if (this.queue.length) this.schedule()
      })
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.writeAlone(batch[0]!)
    let results: Map<number, StepResult>
    try {
      results = await writeBatch(this.db, batch)
    } catch {
      // Nothing of the batch was written: each step gets its own attempt and its own outcome.
      await Promise.all(batch.map((p) => this.writeAlone(p)))
      return
    }
    batch.forEach((p, i) => p.resolve(results.get(i)))
  }

  private async writeAlone(p: Pending): Promise<void> {
    try {
      const lease = { objectiveId: p.objectiveId, version: p.version, owner: p.owner }
      p.resolve(await commitStep(this.db, lease, p.step))
    } catch (err) {
      p.reject(err)
    }
  }
}

/**
 * The batch statement: journal.ts's step statement over many objectives. Every row goes in array
 * parameters tagged with its step's index in the batch, so the text never changes and it runs
 * as one prepared statement. Objectives are locked in id order (the steps are sorted by it).
 */
async function writeBatch(db: Executor, batch: Pending[]): Promise<Map<number, StepResult>> {
  const order = batch
    .map((_, i) => i)
    .sort((a, b) => {
      const x = batch[a]!.objectiveId
      const y = batch[b]!.objectiveId
      return x < y ? -1 : x > y ? 1 : 0
    })
  const steps = order.map((i) => ({ i, ...batch[i]! }))
  const events = steps.flatMap(({ i, step }) =>
    step.events.map((e, ord) => ({ i, ord: ord + 1, step, e })),
  )
  const calls = steps.flatMap(({ i, step }) => (step.toolCalls ?? []).map((t) => ({ i, step, t })))
  const updates = steps.flatMap(({ i, step }) =>
    (step.toolCallUpdates ?? []).map((u) => ({ i, u })),
  )
  const { rows } = await sql<{
    i: number
    version: number
    event_seq: number
    compaction_requested: boolean
  }>`${prepared}
    WITH s AS (
      SELECT * FROM unnest(${steps.map((s) => s.i)}::int[], ${steps.map((s) => s.objectiveId)}::text[],
        ${steps.map((s) => s.version)}::int[], ${steps.map((s) => s.owner)}::text[],
        ${steps.map((s) => s.step.events.length)}::int[],
        ${steps.map((s) => s.step.add?.inputTokens ?? 0)}::bigint[],
        ${steps.map((s) => s.step.add?.outputTokens ?? 0)}::bigint[],
        ${steps.map((s) => s.step.add?.toolCalls ?? 0)}::int[],
        ${steps.map((s) => s.step.add?.refused ?? 0)}::int[],
        ${steps.map((s) => s.step.limitStrikes ?? null)}::int[],
        ${steps.map((s) => s.step.windowId)}::text[],
        ${steps.map((s) => s.step.add?.modelCalls ?? 0)}::int[],
        ${steps.map((s) => s.step.add?.costUsd ?? null)}::numeric[],
        ${steps.map((s) => (s.step.add?.lastCall ? JSON.stringify(s.step.add.lastCall) : null))}::jsonb[],
        ${steps.map((s) => (s.step.prices ? JSON.stringify(s.step.prices) : null))}::jsonb[])
        AS s(i, id, version, owner, n, input, output, tool_calls, refused, strikes, window_id,
          model_calls, cost, last_call, prices)
    ), o AS (
      UPDATE objectives SET
        version = objectives.version + 1,
        event_seq = event_seq + s.n,
        total_events = total_events + s.n,
        total_input_tokens = total_input_tokens + s.input,
        total_output_tokens = total_output_tokens + s.output,
        total_tool_calls = total_tool_calls + s.tool_calls,
        refused_tool_calls = refused_tool_calls + s.refused,
        limit_strikes = coalesce(s.strikes, limit_strikes),
        total_model_calls = total_model_calls + s.model_calls,
        total_cost_usd = CASE WHEN s.cost IS NULL THEN total_cost_usd
          ELSE coalesce(total_cost_usd, 0) + s.cost END,
        last_call_usage = coalesce(s.last_call, last_call_usage),
        updated_at = now()
      FROM s
      WHERE objectives.id = s.id AND objectives.version = s.version
        AND lease_owner = s.owner AND state = 'RUNNING'
      RETURNING s.i, objectives.id, s.window_id, s.input, s.output, s.cost, s.prices,
        objectives.version,
        event_seq, event_seq - s.n AS base_seq, ${REQUEST_PENDING} AS compaction_requested
    ), ev AS (
      INSERT INTO objective_events (id, objective_id, seq, window_id, type, data, profile_id)
      SELECT v.id, o.id, o.base_seq + v.ord, o.window_id, v.type, v.data, v.profile_id
      FROM unnest(${events.map((e) => e.i)}::int[], ${events.map((e) => e.ord)}::int[],
        ${events.map((e) => e.e.id)}::text[], ${events.map((e) => e.e.event.type)}::text[],
        ${events.map((e) => JSON.stringify(storedEventData(e.e.event)))}::jsonb[],
        ${events.map((e) => e.e.profileId)}::text[]) AS v(i, ord, id, type, data, profile_id)
      JOIN o ON o.i = v.i
      RETURNING 1
    ), tc AS (
      INSERT INTO objective_tool_calls (id, objective_id, window_id, provider_call_id,
        function_name, tool_id, callable, arguments, status, execution_status, result)
      SELECT v.id, o.id, o.window_id, v.pid, v.fn, v.tool_id, v.callable, v.args, v.status, v.es,
        v.result
      FROM unnest(${calls.map((c) => c.i)}::int[], ${calls.map((c) => c.t.id)}::text[],
        ${calls.map((c) => c.t.providerCallId)}::text[], ${calls.map((c) => c.t.functionName)}::text[],
        ${calls.map((c) => c.t.toolId)}::text[],
        ${calls.map((c) => JSON.stringify(c.t.callable))}::jsonb[],
        ${calls.map((c) => JSON.stringify(c.t.arguments ?? null))}::jsonb[],
        ${calls.map((c) => c.t.status)}::text[], ${calls.map((c) => c.t.executionStatus)}::text[],
        ${calls.map((c) => c.t.result)}::text[])
        AS v(i, id, pid, fn, tool_id, callable, args, status, es, result)
      JOIN o ON o.i = v.i
      RETURNING 1
    ), tu AS (
      UPDATE objective_tool_calls t SET execution_status = v.es, result = v.result,
        updated_at = now()
      FROM unnest(${updates.map((u) => u.i)}::int[], ${updates.map((u) => u.u.id)}::text[],
        ${updates.map((u) => u.u.executionStatus)}::text[], ${updates.map((u) => u.u.result)}::text[])
        AS v(i, id, es, result)
      JOIN o ON o.i = v.i
      WHERE t.id = v.id AND t.objective_id = o.id
      RETURNING 1
    ), w AS (
      UPDATE objective_context_windows SET
        prompt_tokens = prompt_tokens + o.input,
        completion_tokens = completion_tokens + o.output,
        cost_usd = CASE WHEN o.cost IS NULL THEN cost_usd ELSE coalesce(cost_usd, 0) + o.cost END,
        model_prices = coalesce(o.prices, model_prices)
      FROM o WHERE objective_context_windows.id = o.window_id
        AND (o.input <> 0 OR o.output <> 0 OR o.cost IS NOT NULL OR o.prices IS NOT NULL)
      RETURNING 1
    )
    SELECT i, version, event_seq, compaction_requested FROM o`.execute(db)
  return new Map(
    rows.map((r) => [
      r.i,
      {
        version: r.version,
        eventSeq: r.event_seq,
        compactionRequested: r.compaction_requested,
      },
    ]),
  )
}
