import type { ColumnType, Generated, JSONColumnType } from 'kysely'

/** Row types of migration 014 (agent schedules and their fires). */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T extends object = Record<string, unknown>> = JSONColumnType<T, string, string>
type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>

/** The shared resource layout (schema.ts ResourceColumns), repeated: schema.ts imports this file. */
export interface AgentScheduleTable {
  id: string
  account_id: string
  workspace_id: string
  profile_id: string
  name: Generated<string>
  external_id: Generated<string>
  labels: Json<Record<string, string>>
  spec: Json
  created_at: Timestamp
  updated_at: Timestamp
  agent_id: string
  /** ACTIVE, PAUSED or ARCHIVED (served as AGENT_SCHEDULE_STATUS_*). */
  status: Generated<string>
  /** Null while the schedule cannot fire (paused, archived, no fire time left). */
  next_fire_at: NullableTimestamp
  last_fire_at: NullableTimestamp
  last_objective_id: ColumnType<string | null, string | null | undefined, string | null>
  last_skipped_at: NullableTimestamp
  last_skip_reason: Generated<string>
  total_fires: Generated<number>
  total_skips: Generated<number>
}

/** One claimed fire time: the objective it created, or why it was skipped. */
export interface AgentScheduleFireTable {
  schedule_id: string
  fire_at: Timestamp
  objective_id: string | null
  skip_reason: Generated<string>
  fired_by: Generated<string>
  created_at: Timestamp
}

export interface ScheduleTables {
  agent_schedules: AgentScheduleTable
  agent_schedule_fires: AgentScheduleFireTable
}
