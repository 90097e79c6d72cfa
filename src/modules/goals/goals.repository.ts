import { sql, type Insertable, type Selectable } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { pageRows } from '../../db/paging.ts'
import type {
  GoalAgentTable,
  GoalMetricTable,
  GoalTable,
  NumberColumns,
} from '../../db/schema.goals.ts'
import type { PagePosition } from '../../lib/pagination.ts'

export type GoalRow = Selectable<GoalTable>
export type GoalMetricRow = Selectable<GoalMetricTable>

/** How a goal or an agent is looked up: id, external id, or the per-workspace number. */
export type Lookup = { id: string } | { externalId: string } | { number: number }

const numbered = (db: Executor) => db.withTables<NumberColumns>()

export function insertGoal(db: Executor, values: Insertable<GoalTable>) {
  return db.insertInto('goals').values(values).returningAll().executeTakeFirstOrThrow()
}

export function findGoal(db: Executor, workspaceId: string, ref: Lookup) {
  const q = db.selectFrom('goals').selectAll().where('workspace_id', '=', workspaceId)
  if ('id' in ref) return q.where('id', '=', ref.id).executeTakeFirst()
  if ('number' in ref) return q.where('number', '=', ref.number).executeTakeFirst()
  return q.where('external_id', '=', ref.externalId).executeTakeFirst()
}

export interface GoalFilter {
  prefix?: string
  status?: string
  agentId?: string
}

/** A page of a workspace's goals in id (= creation) order, plus the filtered total. */
export async function listGoals(
  db: Executor,
  workspaceId: string,
  position: PagePosition,
  filter: GoalFilter,
): Promise<{ rows: GoalRow[]; total: number }> {
  let base = db.selectFrom('goals').where('workspace_id', '=', workspaceId)
  if (filter.prefix) {
    const escaped = filter.prefix.replace(/[\\%_]/g, (c) => `\\${c}`)
    base = base.where('name', 'like', `${escaped}%`)
  }
  if (filter.status) {
    base = base.where(
      sql<string>`coalesce(spec->>'status', 'GOAL_STATUS_ACTIVE')`,
      '=',
      filter.status,
    )
  }
  if (filter.agentId) {
    const attached = db.selectFrom('goal_agents').select('goal_id')
    base = base.where('id', 'in', attached.where('agent_id', '=', filter.agentId))
  }
  return pageRows(base.selectAll(), position, 'id')
}

export function updateGoalRow(db: Executor, id: string, values: Partial<Insertable<GoalTable>>) {
  return db
    .updateTable('goals')
    .set({ ...values, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function deleteGoalRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('goals').where('id', '=', id).execute()
}

export function findAgent(db: Executor, workspaceId: string, ref: Lookup) {
  const q = numbered(db)
    .selectFrom('agents')
    .select(['id', 'name', 'number'])
    .where('workspace_id', '=', workspaceId)
  if ('id' in ref) return q.where('id', '=', ref.id).executeTakeFirst()
  if ('number' in ref) return q.where('number', '=', ref.number).executeTakeFirst()
  return q.where('external_id', '=', ref.externalId).executeTakeFirst()
}

/** Attached agents of goals, oldest attachment first. */
export function findAttachments(db: Executor, goalIds: string[]) {
  if (goalIds.length === 0) return Promise.resolve([])
  return numbered(db)
    .selectFrom('goal_agents as ga')
    .innerJoin('agents as a', 'a.id', 'ga.agent_id')
    .select(['ga.goal_id', 'ga.agent_id', 'a.name', 'a.number'])
    .where('ga.goal_id', 'in', goalIds)
    .orderBy('ga.created_at')
    .orderBy('ga.agent_id')
    .execute()
}

/** One statement, so the agent's previous goal is replaced atomically. */
export async function upsertAttachment(db: Executor, row: Insertable<GoalAgentTable>) {
  await db
    .insertInto('goal_agents')
    .values(row)
    .onConflict((oc) =>
      oc.column('agent_id').doUpdateSet({
        goal_id: (eb) => eb.ref('excluded.goal_id'),
        profile_id: (eb) => eb.ref('excluded.profile_id'),
        created_at: sql`now()`,
      }),
    )
    .execute()
}

/** Removes an agent's attachment (to `goalId` only, when given); returns the goal it had. */
export async function deleteAttachment(db: Executor, agentId: string, goalId?: string) {
  let q = db.deleteFrom('goal_agents').where('agent_id', '=', agentId)
  if (goalId) q = q.where('goal_id', '=', goalId)
  const row = await q.returning('goal_id').executeTakeFirst()
  return row?.goal_id
}

export async function deleteGoalAttachments(db: Executor, goalId: string): Promise<void> {
  await db.deleteFrom('goal_agents').where('goal_id', '=', goalId).execute()
}

export async function insertMetricRows(db: Executor, rows: Insertable<GoalMetricTable>[]) {
  if (rows.length) await db.insertInto('goal_metrics').values(rows).execute()
}

/** The newest row per key of each goal (removal rows included: the caller drops them). */
export function currentMetricRows(db: Executor, goalIds: string[]) {
  if (goalIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('goal_metrics')
    .selectAll()
    .distinctOn(['goal_id', 'key'])
    .where('goal_id', 'in', goalIds)
    .orderBy('goal_id')
    .orderBy('key')
    .orderBy('id', 'desc')
    .execute()
}

/** A page of a goal's metric history; `after` is the last row id seen. */
export async function metricHistory(
  db: Executor,
  goalId: string,
  position: { after?: number; limit: number; sortOrder: 'asc' | 'desc' },
  key?: string,
): Promise<{ rows: GoalMetricRow[]; total: number }> {
  let base = db.selectFrom('goal_metrics').where('goal_id', '=', goalId)
  if (key) base = base.where('key', '=', key)
  return pageRows(base.selectAll(), position, 'id')
}

export async function profileNumbers(db: Executor, profileIds: string[]) {
  if (profileIds.length === 0) return new Map<string, number>()
  const rows = await numbered(db)
    .selectFrom('profiles')
    .select(['id', 'number'])
    .where('id', 'in', [...new Set(profileIds)])
    .execute()
  return new Map(rows.map((r) => [r.id, r.number]))
}

/** The workspace's enabled catalogue models in catalogue (= id) order. */
export async function enabledModelNames(db: Executor, workspaceId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('models')
    .select('name')
    .where('workspace_id', '=', workspaceId)
    .where(
      sql<string>`coalesce(spec->>'status', 'MODEL_STATUS_ENABLED')`,
      '=',
      'MODEL_STATUS_ENABLED',
    )
    .orderBy('id')
    .execute()
  return rows.map((r) => r.name)
}
