import type { ColumnType, Generated, JSONColumnType } from 'kysely'

/** Row types of migration 005 (feedback and objective tasks). */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T extends object = Record<string, unknown>> = JSONColumnType<T, string, string>

export interface ObjectiveFeedbackTable {
  id: string
  account_id: string
  workspace_id: string
  profile_id: string
  objective_id: string
  agent_id: string
  variation_id: string
  external_id: Generated<string>
  labels: Json<Record<string, string>>
  score: number | null
  comment: Generated<string>
  attributes: Json<Record<string, string>>
  created_at: Timestamp
}

export interface ObjectiveTaskTable {
  id: string
  objective_id: string
  number: number
  task: string
  completed: Generated<boolean>
  completed_at: Date | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface SteeringTables {
  objective_feedback: ObjectiveFeedbackTable
  objective_tasks: ObjectiveTaskTable
}
