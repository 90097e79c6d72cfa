import type { ColumnType, Generated, JSONColumnType } from 'kysely'

/** Row types of migration 003 (goals, their agents and metric history). */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T extends object = Record<string, unknown>> = JSONColumnType<T, string, string>

export interface GoalTable {
  id: string
  account_id: string
  workspace_id: string
  profile_id: string
  name: Generated<string>
  external_id: Generated<string>
  labels: Json<Record<string, string>>
  spec: Json
  /** Per-workspace sequence, assigned by a trigger. */
  number: Generated<number>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface GoalAgentTable {
  agent_id: string
  goal_id: string
  workspace_id: string
  profile_id: string
  created_at: Timestamp
}

export interface GoalMetricTable {
  id: Generated<number>
  goal_id: string
  workspace_id: string
  key: string
  /** A JSON value; null records that the key was removed. */
  value: ColumnType<unknown, string | null, string | null>
  profile_id: string
  created_at: Timestamp
}

export interface NumberCounterTable {
  scope_id: string
  kind: string
  last: number
}

export interface GoalTables {
  goals: GoalTable
  goal_agents: GoalAgentTable
  goal_metrics: GoalMetricTable
  number_counters: NumberCounterTable
}

/**
 * The `number` columns migration 003 adds to tables declared in schema.ts; queries that read them
 * go through `db.withTables<NumberColumns>()`.
 */
export type NumberColumns = {
  agents: { number: Generated<number> }
  profiles: { number: Generated<number> }
}
