import { sql } from 'kysely'
import { prepared, type Executor } from '../db/database.ts'
import {
  insertPreparedObjective,
  lockObjectiveRow,
  settlesParent,
  storedEventData,
  wakeParent,
  type PreparedObjective,
  type StoredEvent,
} from '../modules/objectives/index.ts'
import { REQUEST_PENDING } from './compaction/request.ts'
import type { Lease } from './lease.ts'

/**
 * The engine's writes. A step's rows (events, tool calls, counters, window tokens, maybe a new
 * state) go in ONE statement of data-modifying CTEs: one round trip, one transaction. Every write
 * is a compare-and-set on (version, lease owner, RUNNING): when a cancel or another worker got
 * there first it matches no row, and because every other CTE joins on it, nothing is written.
 */

export interface EventWrite {
  id: string
  event: StoredEvent
  profileId: string
}

export interface ToolCallInsert {
  id: string
  providerCallId: string
  functionName: string
  toolId: string | null
  callable: object
  arguments: unknown
  status: string
  executionStatus: string
  result: string | null
}

export interface ToolCallUpdate {
  id: string
  executionStatus: string
  result: string | null
}

/** A change to the objective's to-do list made by the built-in task tool. */
export type TaskWrite =
  { kind: 'add'; id: string; number: number; task: string } | { kind: 'complete'; number: number }

export interface StepWrite {
  windowId: string
  events: EventWrite[]
  toolCalls?: ToolCallInsert[]
  toolCallUpdates?: ToolCallUpdate[]
  tasks?: TaskWrite[]
  add?: {
    inputTokens?: number
    outputTokens?: number
    toolCalls?: number
    refused?: number
    /** Provider calls made, and their cost in US dollars (absent: no known price). */
    modelCalls?: number
    costUsd?: string
  }
  /** The prices the step's call was charged at, kept on its window (docs/api.md section 5.11). */
  prices?: object
  limitStrikes?: number
  /** A new state ends the lease: WAITING, FAILED, FINALIZED (RUNNING keeps it). */
  state?: { state: string; waitReason: string | null; message: string }
  /** The structured output the objective finalizes with. */
  output?: unknown
  /** Sub-objectives spawned by this step's sub-agent calls, inserted in the same transaction. */
  children?: PreparedObjective[]
}

export interface StepResult {
  version: number
  eventSeq: number
  /** A manual compaction waits for this worker (compaction-request.ts): read for free per step. */
  compactionRequested: boolean
}

/**
 * Commits a step. A step that spawns sub-objectives inserts them in the same transaction; a step
 * that settles a sub-objective (its turn ends, it finalizes or fails) locks the parent first
 * (ancestors before descendants, like a cancel) and wakes it when no other child is at work.
 */
export async function commitStep(
  db: Executor,
  lease: Lease,
  step: StepWrite,
): Promise<StepResult | undefined> {
  const parentId =
    lease.parentId && step.state && settlesParent(step.state.state, step.state.waitReason)
      ? lease.parentId
      : undefined
  if (!parentId && !step.children?.length) return writeStep(db, lease, step)
  const commit = async (trx: Executor) => {
    if (parentId) await lockObjectiveRow(trx, parentId)
    const result = await writeStep(trx, lease, step)
    if (!result) return undefined
    for (const child of step.children ?? []) await insertPreparedObjective(trx, child)
    if (parentId) await wakeParent(trx, parentId)
    return result
  }
  return db.isTransaction ? commit(db) : db.transaction().execute(commit)
}

/**
 * A step whose rows depend on what the database holds once the objective is locked: `build` runs
 * after the compare-and-set lock, in the transaction that commits what it returns.
 */
export async function commitLocked(
  db: Executor,
  lease: Lease,
  build: (trx: Executor) => Promise<StepWrite>,
): Promise<{ step: StepWrite; result: StepResult } | undefined> {
  return db.transaction().execute(async (trx) => {
    if (lease.parentId) await lockObjectiveRow(trx, lease.parentId)
    if (!(await lockLeased(trx, lease))) return undefined
    const step = await build(trx)
    const result = await commitStep(trx, lease, step)
    return result ? { step, result } : undefined
  })
}

async function lockLeased(trx: Executor, lease: Lease): Promise<boolean> {
  const { rows } = await sql`${prepared}
    SELECT id FROM objectives
    WHERE id = ${lease.objectiveId} AND version = ${lease.version}
      AND lease_owner = ${lease.owner} AND state = 'RUNNING'
    FOR UPDATE`.execute(trx)
  return rows.length > 0
}

async function writeStep(
  db: Executor,
  lease: Lease,
  step: StepWrite,
): Promise<StepResult | undefined> {
  const n = step.events.length
  const add = step.add ?? {}
  const release = step.state && step.state.state !== 'RUNNING'
  const stateSet = step.state
    ? sql`, state = ${step.state.state}, wait_reason = ${step.state.waitReason},
          state_message = ${step.state.message}`
    : sql``
  const leaseSet = release ? sql`, lease_owner = NULL, lease_expires_at = NULL` : sql``
  const outputSet =
    step.output !== undefined ? sql`, output = ${JSON.stringify(step.output)}::jsonb` : sql``
  const strikes =
    step.limitStrikes !== undefined ? sql`, limit_strikes = ${step.limitStrikes}` : sql``
  // Rows go in array parameters (unnest), so the statement's text does not depend on how many
  // there are: it takes a handful of shapes, each a prepared statement planned once per connection.
  const events = n
    ? sql`, ev AS (
        INSERT INTO objective_events (id, objective_id, seq, window_id, type, data, profile_id)
        SELECT v.id, ${lease.objectiveId}, o.base_seq + v.ord, ${step.windowId}, v.type, v.data,
          v.profile_id
        FROM o, unnest(${step.events.map((e) => e.id)}::text[],
          ${step.events.map((e) => e.event.type)}::text[],
          ${step.events.map((e) => JSON.stringify(storedEventData(e.event)))}::jsonb[],
          ${step.events.map((e) => e.profileId)}::text[])
          WITH ORDINALITY AS v(id, type, data, profile_id, ord)
        RETURNING 1)`
    : sql``
  const calls = step.toolCalls ?? []
  const inserts = calls.length
    ? sql`, tc AS (
        INSERT INTO objective_tool_calls (id, objective_id, window_id, provider_call_id,
          function_name, tool_id, callable, arguments, status, execution_status, result)
        SELECT v.id, ${lease.objectiveId}, ${step.windowId}, v.pid, v.fn, v.tool_id, v.callable,
          v.args, v.status, v.es, v.result
        FROM o, unnest(${calls.map((t) => t.id)}::text[],
          ${calls.map((t) => t.providerCallId)}::text[], ${calls.map((t) => t.functionName)}::text[],
          ${calls.map((t) => t.toolId)}::text[], ${calls.map((t) => JSON.stringify(t.callable))}::jsonb[],
          ${calls.map((t) => JSON.stringify(t.arguments ?? null))}::jsonb[],
          ${calls.map((t) => t.status)}::text[], ${calls.map((t) => t.executionStatus)}::text[],
          ${calls.map((t) => t.result)}::text[])
          AS v(id, pid, fn, tool_id, callable, args, status, es, result)
        RETURNING 1)`
    : sql``
  const changed = step.toolCallUpdates ?? []
  const updates = changed.length
    ? sql`, tu AS (
        UPDATE objective_tool_calls t SET execution_status = v.es, result = v.result,
          updated_at = now()
        FROM o, unnest(${changed.map((u) => u.id)}::text[],
          ${changed.map((u) => u.executionStatus)}::text[], ${changed.map((u) => u.result)}::text[])
          AS v(id, es, result)
        WHERE t.id = v.id AND t.objective_id = ${lease.objectiveId}
        RETURNING 1)`
    : sql``
  const added = (step.tasks ?? []).flatMap((t) => (t.kind === 'add' ? [t] : []))
  const done = (step.tasks ?? []).flatMap((t) => (t.kind === 'complete' ? [t.number] : []))
  const taskInserts = added.length
    ? sql`, ta AS (
        INSERT INTO objective_tasks (id, objective_id, number, task)
        SELECT v.id, ${lease.objectiveId}, v.number, v.task
        FROM o, unnest(${added.map((t) => t.id)}::text[], ${added.map((t) => t.number)}::int[],
          ${added.map((t) => t.task)}::text[]) AS v(id, number, task)
        RETURNING 1)`
    : sql``
  const taskUpdates = done.length
    ? sql`, td AS (
        UPDATE objective_tasks SET completed = true, completed_at = now(), updated_at = now()
        FROM o WHERE objective_tasks.objective_id = ${lease.objectiveId}
          AND objective_tasks.number = ANY(${done}::int[])
        RETURNING 1)`
    : sql``
  const cost = add.costUsd ?? null
  const windowCost =
    cost !== null ? sql`, cost_usd = coalesce(cost_usd, 0) + ${cost}::numeric` : sql``
  const windowPrices = step.prices
    ? sql`, model_prices = ${JSON.stringify(step.prices)}::jsonb`
    : sql``
  const tokens =
    add.inputTokens || add.outputTokens || cost !== null || step.prices
      ? sql`, w AS (
        UPDATE objective_context_windows SET
          prompt_tokens = prompt_tokens + ${add.inputTokens ?? 0}::bigint,
          completion_tokens = completion_tokens + ${add.outputTokens ?? 0}::bigint
          ${windowCost} ${windowPrices}
        FROM o WHERE objective_context_windows.id = ${step.windowId}
        RETURNING 1)`
      : sql``
  const objectiveCost =
    cost !== null ? sql`, total_cost_usd = coalesce(total_cost_usd, 0) + ${cost}::numeric` : sql``
  const result = await sql<{
    version: number
    event_seq: number
    compaction_requested: boolean
  }>`${prepared}
    WITH o AS (
      UPDATE objectives SET
        version = version + 1,
        event_seq = event_seq + ${n}::int,
        total_events = total_events + ${n}::int,
        total_input_tokens = total_input_tokens + ${add.inputTokens ?? 0}::bigint,
        total_output_tokens = total_output_tokens + ${add.outputTokens ?? 0}::bigint,
        total_tool_calls = total_tool_calls + ${add.toolCalls ?? 0}::int,
        refused_tool_calls = refused_tool_calls + ${add.refused ?? 0}::int,
        total_model_calls = total_model_calls + ${add.modelCalls ?? 0}::int,
        updated_at = now()
        ${objectiveCost} ${strikes} ${stateSet} ${leaseSet} ${outputSet}
      WHERE id = ${lease.objectiveId} AND version = ${lease.version}
        AND lease_owner = ${lease.owner} AND state = 'RUNNING'
      RETURNING version, event_seq, event_seq - ${n}::int AS base_seq,
        ${REQUEST_PENDING} AS compaction_requested
    ) ${events} ${inserts} ${updates} ${taskInserts} ${taskUpdates} ${tokens}
    SELECT version, event_seq, compaction_requested FROM o`.execute(db)
  const row = result.rows[0]
  return row
    ? {
        version: row.version,
        eventSeq: row.event_seq,
        compactionRequested: row.compaction_requested,
      }
    : undefined
}

/**
 * What a turn end writes when no queued message was taken: the next state (none = the objective
 * keeps running, e.g. into output extraction) with its events and output.
 */
export interface IdleWrite {
  state?: StepWrite['state']
  events?: EventWrite[]
  output?: unknown
}

export const WAIT_FOR_INPUT: IdleWrite = {
  state: { state: 'WAITING', waitReason: 'turn_complete', message: '' },
}

/**
 * Ends a model turn that called no tools (or an extraction attempt). Messages queued by `continue`
 * while the turn ran are taken in the same transaction (the row lock orders this against
 * concurrent continues, so no queued message is lost): they become user-message events, and the
 * objective keeps running; without any, `idle` is written (by default: wait for input).
 */
export async function commitTurnEnd(
  db: Executor,
  lease: Lease,
  step: StepWrite,
  idle: IdleWrite = WAIT_FOR_INPUT,
): Promise<
  { result: StepResult; taken: { id: string; content: string }[]; idled: boolean } | undefined
> {
  return db.transaction().execute(async (trx) => {
    // A sub-objective's turn end may settle its parent's call: the parent is locked first.
    if (lease.parentId) await lockObjectiveRow(trx, lease.parentId)
    if (!(await lockLeased(trx, lease))) return undefined
    const { rows: inbox } = await sql<{
      id: string
      content: string
      profile_id: string
      created_at: Date
    }>`${prepared}
      DELETE FROM objective_inbox WHERE objective_id = ${lease.objectiveId}
      RETURNING id, content, profile_id, created_at`.execute(trx)
    inbox.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : 1))
    const taken: EventWrite[] = inbox.map((m) => ({
      id: m.id,
      event: { type: 'userMessage', payload: { content: m.content } },
      profileId: m.profile_id,
    }))
    const idled = taken.length === 0
    const result = await commitStep(trx, lease, {
      ...step,
      events: [...step.events, ...(idled ? (idle.events ?? []) : taken)],
      state: idled ? idle.state : undefined,
      ...(idled && idle.output !== undefined ? { output: idle.output } : {}),
    })
    if (!result) return undefined
    return { result, taken: inbox.map((m) => ({ id: m.id, content: m.content })), idled }
  })
}
