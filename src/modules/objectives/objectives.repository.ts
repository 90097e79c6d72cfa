import { sql, type Insertable, type Selectable } from 'kysely'
import { preparedEnd, type Executor } from '../../db/database.ts'
import { pageRows } from '../../db/paging.ts'
import type {
  ObjectiveContextWindowTable,
  ObjectiveEventTable,
  ObjectiveTable,
  ObjectiveToolCallTable,
} from '../../db/schema.ts'
import type { IdRef } from '../../lib/ids.ts'
import type { PagePosition } from '../../lib/pagination.ts'
import type { StateMatch } from './objective.ts'

export type ObjectiveRow = Selectable<ObjectiveTable>
export type EventRow = Selectable<ObjectiveEventTable>
export type ToolCallRow = Selectable<ObjectiveToolCallTable>
export type WindowRow = Selectable<ObjectiveContextWindowTable>

export function findObjective(db: Executor, workspaceId: string, ref: IdRef) {
  let qb = db.selectFrom('objectives').selectAll().where('workspace_id', '=', workspaceId)
  qb = 'id' in ref ? qb.where('id', '=', ref.id) : qb.where('external_id', '=', ref.externalId)
  return qb.executeTakeFirst()
}

/** Locks the row for the rest of the transaction: cancels and continues queue up behind it. */
export function lockObjective(trx: Executor, id: string) {
  return trx
    .selectFrom('objectives')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst()
}

export function insertObjective(trx: Executor, row: Insertable<ObjectiveTable>) {
  return trx.insertInto('objectives').values(row).returningAll().executeTakeFirstOrThrow()
}

/**
 * A new objective, its first context window, its first event (if any) and a wake-up of the
 * engine, in ONE statement of data-modifying CTEs: one round trip, atomic without a transaction
 * of its own (the foreign keys are checked at the end of the statement).
 */
export async function insertObjectiveWhole(
  db: Executor,
  row: Insertable<ObjectiveTable>,
  windowId: string,
  firstEvent: Omit<Insertable<ObjectiveEventTable>, 'objective_id' | 'window_id'> | undefined,
  channel: string,
) {
  const objectiveId = row.id as string
  let query = db
    .with('o', (q) => q.insertInto('objectives').values(row).returningAll())
    .with('w', (q) =>
      q
        .insertInto('objective_context_windows')
        .values({ id: windowId, objective_id: objectiveId, sequence: 1 })
        .returning('id'),
    )
  if (firstEvent) {
    query = query.with('e', (q) =>
      q
        .insertInto('objective_events')
        .values({ ...firstEvent, objective_id: objectiveId, window_id: windowId })
        .returning('id'),
    ) as unknown as typeof query
  }
  return query
    .selectFrom('o')
    .selectAll('o')
    .select(sql<string>`pg_notify(${channel}, o.id)`.as('notified'))
    .executeTakeFirstOrThrow()
}

export function insertWindow(trx: Executor, row: Insertable<ObjectiveContextWindowTable>) {
  return trx.insertInto('objective_context_windows').values(row).execute()
}

export function insertEvent(trx: Executor, row: Insertable<ObjectiveEventTable>) {
  return trx.insertInto('objective_events').values(row).returningAll().executeTakeFirstOrThrow()
}

export function insertInbox(
  trx: Executor,
  row: { id: string; objective_id: string; content: string; profile_id: string },
) {
  return trx.insertInto('objective_inbox').values(row).returningAll().executeTakeFirstOrThrow()
}

/** Wakes the engine (and other processes) once the surrounding transaction commits. */
export async function notifyChannel(trx: Executor, channel: string, payload: string) {
  await sql`SELECT pg_notify(${channel}, ${payload})`.execute(trx)
}

export interface ObjectiveFilters {
  agentId?: string
  states?: StateMatch[]
  parentObjectiveId?: string
  profileId?: string
  labels?: Record<string, string>
  /** Objectives an agent schedule's fires created. */
  sourceScheduleId?: string
}

export async function listObjectives(
  db: Executor,
  workspaceId: string,
  position: PagePosition,
  f: ObjectiveFilters,
) {
  let base = db.selectFrom('objectives').where('workspace_id', '=', workspaceId)
  if (f.agentId) base = base.where('agent_id', '=', f.agentId)
  if (f.parentObjectiveId) base = base.where('parent_objective_id', '=', f.parentObjectiveId)
  if (f.profileId) base = base.where('profile_id', '=', f.profileId)
  if (f.sourceScheduleId) base = base.where('source_schedule_id', '=', f.sourceScheduleId)
  if (f.labels) base = base.where(sql<boolean>`labels @> ${JSON.stringify(f.labels)}::jsonb`)
  const states = f.states
  if (states) {
    base = base.where((eb) =>
      eb.or(
        states.map((m) => {
          const conds = [eb('state', '=', m.state)]
          if (m.waitReason && 'is' in m.waitReason)
            conds.push(eb('wait_reason', '=', m.waitReason.is))
          if (m.waitReason && 'not' in m.waitReason)
            conds.push(eb('wait_reason', 'is distinct from', m.waitReason.not))
          return eb.and(conds)
        }),
      ),
    )
  }
  return pageRows(base.selectAll(), position, 'id')
}

/** Events in sequence order; the page position `after` is a sequence number. */
export async function listEvents(
  db: Executor,
  objectiveId: string,
  opts: { windowId?: string; afterSeq?: number; limit: number; sortOrder: 'asc' | 'desc' },
  sinceSeq?: number,
) {
  let base = db.selectFrom('objective_events').where('objective_id', '=', objectiveId)
  if (opts.windowId) base = base.where('window_id', '=', opts.windowId)
  if (sinceSeq !== undefined) base = base.where('seq', '>', sinceSeq)
  return pageRows(
    base.selectAll(),
    { after: opts.afterSeq, limit: opts.limit, sortOrder: opts.sortOrder },
    'seq',
  )
}

/** The objective's latest event. */
export function lastEvent(db: Executor, objectiveId: string) {
  return db
    .selectFrom('objective_events')
    .selectAll()
    .where('objective_id', '=', objectiveId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow()
}

export function findEventSeq(db: Executor, objectiveId: string, eventId: string) {
  return db
    .selectFrom('objective_events')
    .select('seq')
    .where('objective_id', '=', objectiveId)
    .where('id', '=', eventId)
    .executeTakeFirst()
}

export async function listToolCalls(
  db: Executor,
  objectiveId: string,
  position: PagePosition,
  f: { status?: string; executionStatus?: string },
) {
  let base = db.selectFrom('objective_tool_calls').where('objective_id', '=', objectiveId)
  if (f.status && f.status !== 'TOOL_CALL_STATUS_UNSPECIFIED')
    base = base.where('status', '=', f.status)
  if (f.executionStatus && f.executionStatus !== 'TOOL_CALL_EXECUTION_STATUS_UNSPECIFIED') {
    base = base.where('execution_status', '=', f.executionStatus)
  }
  return pageRows(base.selectAll(), position, 'id')
}

export function findToolCall(db: Executor, objectiveId: string, id: string) {
  return db
    .selectFrom('objective_tool_calls')
    .selectAll()
    .where('objective_id', '=', objectiveId)
    .where('id', '=', id)
    .executeTakeFirst()
}

export async function listWindows(db: Executor, objectiveId: string, position: PagePosition) {
  const base = db
    .selectFrom('objective_context_windows')
    .selectAll()
    .where('objective_id', '=', objectiveId)
  return pageRows(base, position, 'id', 'sequence')
}

export function findWindow(db: Executor, id: string) {
  return db
    .selectFrom('objective_context_windows')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
}

export function lastWindows(db: Executor, objectiveId: string, n: number) {
  return db
    .selectFrom('objective_context_windows')
    .selectAll()
    .where('objective_id', '=', objectiveId)
    .orderBy('sequence', 'desc')
    .limit(n)
    .execute()
}

/**
 * Thompson-sampling inputs of an agent's variations. Read here rather than through the agents
 * module because selection needs every row's posterior and weight in one query.
 */
export function variationChoices(db: Executor, agentId: string) {
  return db
    .selectFrom('agent_variations')
    .select(['id', 'ts_alpha', 'ts_beta', sql<number | null>`(spec->>'weight')::int`.as('weight')])
    .where('agent_id', '=', agentId)
    .orderBy('id')
    .modifyEnd(preparedEnd)
    .execute()
}

/** The sub-agents assigned to a variation (read here for the same reason as variationChoices). */
export function subAgentAssignments(db: Executor, variationId: string) {
  return db
    .selectFrom('variation_assignments')
    .select('sub_agent_id')
    .where('variation_id', '=', variationId)
    .where('sub_agent_id', 'is not', null)
    .modifyEnd(preparedEnd)
    .execute()
}

/**
 * Locks the children of `parentIds` still at work (running, or waiting on something other than
 * input), in id order: a cancel takes them after their parent.
 */
export function lockWorkingChildren(trx: Executor, parentIds: string[]) {
  return trx
    .selectFrom('objectives')
    .selectAll()
    .where('parent_objective_id', 'in', parentIds)
    .where((eb) =>
      eb.or([
        eb('state', 'in', ['PENDING', 'RUNNING']),
        eb.and([
          eb('state', '=', 'WAITING'),
          eb('wait_reason', 'is distinct from', 'turn_complete'),
        ]),
      ]),
    )
    .orderBy('id')
    .forUpdate()
    .execute()
}

/** Moves a call out of WAITING_FOR_APPROVAL; matches nothing when it was already decided. */
export function decideToolCall(
  trx: Executor,
  objectiveId: string,
  id: string,
  d: { status: string; memo: string; profileId: string },
) {
  const denied = d.status === 'TOOL_CALL_STATUS_DENIED'
  return trx
    .updateTable('objective_tool_calls')
    .set({
      status: d.status,
      memo: d.memo,
      status_changed_by: d.profileId,
      updated_at: sql`now()`,
      // A denied call never runs; its memo is what the model is told instead of a result.
      ...(denied
        ? { execution_status: 'TOOL_CALL_EXECUTION_STATUS_UNSPECIFIED', result: d.memo }
        : {}),
    })
    .where('objective_id', '=', objectiveId)
    .where('id', '=', id)
    .where('status', '=', 'TOOL_CALL_STATUS_WAITING_FOR_APPROVAL')
    .returningAll()
    .executeTakeFirst()
}

export async function countWaitingToolCalls(trx: Executor, objectiveId: string) {
  const row = await trx
    .selectFrom('objective_tool_calls')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('objective_id', '=', objectiveId)
    .where('status', '=', 'TOOL_CALL_STATUS_WAITING_FOR_APPROVAL')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * Each objective's cost with all its sub-objectives' (any depth): null where none had a known
 * price. One walk down the trees of the given objectives.
 */
export async function treeCosts(db: Executor, ids: string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map()
  const { rows } = await sql<{ root: string; cost: string | null }>`
    WITH RECURSIVE down AS (
      SELECT id AS root, id FROM objectives WHERE id = ANY(${ids}::text[])
      UNION ALL
      SELECT down.root, c.id FROM objectives c JOIN down ON c.parent_objective_id = down.id
    )
    SELECT down.root, sum(o.total_cost_usd)::text AS cost
    FROM down JOIN objectives o ON o.id = down.id GROUP BY down.root`.execute(db)
  return new Map(rows.map((r) => [r.root, r.cost]))
}

/**
 * Assistant messages per objective: the model calls answered so far (the newest API's
 * `info.totalIterations`). One grouped read for a page of objectives.
 */
export async function countIterations(db: Executor, ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map()
  const rows = await db
    .selectFrom('objective_events')
    .select(['objective_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('objective_id', 'in', ids)
    .where('type', '=', 'assistantMessage')
    .groupBy('objective_id')
    .execute()
  return new Map(rows.map((r) => [r.objective_id, Number(r.n)]))
}
