import type { ColumnType, Generated, JSONColumnType } from 'kysely'
import type { BundleOwned, BundleTables } from './schema.bundles.ts'
import type { GoalTables } from './schema.goals.ts'
import type { LiveTables } from './schema.live.ts'
import type { ScheduleTables } from './schema.schedules.ts'
import type { MemoryTables } from './schema.memory.ts'
import type { SteeringTables } from './schema.steering.ts'

/** Row types of every table; domain types live in the modules and are mapped from these once. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T extends object = Record<string, unknown>> = JSONColumnType<T, string, string>

export interface ResourceColumns {
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
}

export interface AccountTable {
  id: string
  name: string
  profile_id: Generated<string>
  external_id: Generated<string>
  labels: Json<Record<string, string>>
  spec: Json
  webhook_secret_sealed: string
  /** Migration 021: AccountInfo.challengeToken, sealed; null only until the start-up fill. */
  challenge_token_sealed: ColumnType<string | null, string | null | undefined, string | null>
  created_at: Timestamp
}

export interface WorkspaceTable {
  id: string
  account_id: string
  profile_id: Generated<string>
  name: string
  external_id: Generated<string>
  labels: Json<Record<string, string>>
  spec: Json
  status: Generated<string>
  created_at: Timestamp
}

export interface ProfileTable {
  id: string
  account_id: string
  profile_id: Generated<string>
  name: Generated<string>
  external_id: Generated<string>
  labels: Json<Record<string, string>>
  type: string
  email: string | null
  created_at: Timestamp
}

export interface ApiKeyTable extends ResourceColumns {
  key_profile_id: string
  token_hash: string
  enabled: Generated<boolean>
}

/** A profile's membership of a workspace (an API key acts through its own profile's). */
export interface WorkspaceMemberTable {
  id: string
  account_id: string
  workspace_id: string
  profile_id: string
  created_at: Timestamp
}

/** Agents (their own table type since migration 019 gave them an owning bundle). */
export interface AgentTable extends ResourceColumns, BundleOwned {}

export interface AgentVariationTable extends ResourceColumns, BundleOwned {
  agent_id: string
  ts_alpha: Generated<number>
  ts_beta: Generated<number>
  feedback_count: Generated<number>
}

/** MCP and OpenAPI tool sets are synced (migration 013); HTTP ones leave these null. */
export interface ToolSetTable extends ResourceColumns, BundleOwned {
  last_sync_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
  sync_claimed_until: ColumnType<
    Date | null,
    Date | string | null | undefined,
    Date | string | null
  >
  openapi_document: ColumnType<string | null, string | null | undefined, string | null>
}

export interface ToolTable extends ResourceColumns, BundleOwned {
  /** Set on tools synced from an OpenAPI document (migration 013). */
  openapi_call: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>
  tool_set_id: string
}

export interface ToolSetEventTable {
  id: string
  account_id: string
  workspace_id: string
  profile_id: string
  tool_set_id: string
  event: Json
  created_at: Timestamp
}

export interface VariationAssignmentTable {
  id: string
  account_id: string
  workspace_id: string
  profile_id: string
  variation_id: string
  tool_id: string | null
  tool_set_id: string | null
  sub_agent_id: string | null
  created_at: Timestamp
}

export interface ModelTable extends ResourceColumns {
  builtin: Generated<boolean>
  ai_provider_key_id: string | null
}

export interface WorkspaceSecretTable extends ResourceColumns {
  value_sealed: string
  last_used_at: Date | null
}

export interface ToolSetSecretTable extends WorkspaceSecretTable {
  tool_set_id: string
}

export interface AiProviderKeyTable extends ResourceColumns {
  api_key_sealed: string
}

// ---- Objectives (migration 002): the engine's tables ----

export interface ObjectiveTable {
  id: string
  account_id: string
  workspace_id: string
  profile_id: string
  external_id: Generated<string>
  labels: Json<Record<string, string>>
  agent_id: string
  variation_id: string
  parent_objective_id: string | null
  state: string
  wait_reason: string | null
  state_message: Generated<string>
  version: Generated<number>
  data: Json
  secrets_sealed: string | null
  tools: Json<unknown[]>
  total_input_tokens: Generated<number>
  total_output_tokens: Generated<number>
  total_tool_calls: Generated<number>
  refused_tool_calls: Generated<number>
  limit_strikes: Generated<number>
  total_events: Generated<number>
  total_context_windows: Generated<number>
  event_seq: Generated<number>
  current_window_id: string | null
  lease_owner: string | null
  lease_expires_at: Date | null
  /** Migration 006: the structured output it finalized with, and the goal it was created under. */
  output: ColumnType<unknown, string | null | undefined, string | null>
  goal_id: ColumnType<string | null, string | null | undefined, string | null>
  /** Migration 010: a manual compaction asked of the worker holding it (engine/compaction-request.ts). */
  compaction_request: ColumnType<unknown, string | null | undefined, string | null>
  /** constraints.inactivityTimeout of the variation, frozen at creation; null: none. */
  inactivity_timeout_ms: ColumnType<number | null, number | null | undefined, number | null>
  /** Migration 014: the agent schedule whose fire created it. */
  source_schedule_id: ColumnType<string | null, string | null | undefined, string | null>
  /** Migration 017: exact US dollars (numeric, read as a decimal string); null: no known price. */
  total_cost_usd: ColumnType<string | null, string | null | undefined, string | null>
  total_model_calls: Generated<number>
  created_at: Timestamp
  updated_at: Timestamp
}

export interface ObjectiveEventTable {
  id: string
  objective_id: string
  seq: number
  window_id: string
  type: string
  data: Json
  profile_id: string
  created_at: Timestamp
}

export interface ObjectiveToolCallTable {
  id: string
  objective_id: string
  window_id: string
  provider_call_id: Generated<string>
  function_name: string
  tool_id: string | null
  callable: Json
  arguments: Json | null
  status: string
  execution_status: string
  result: string | null
  memo: Generated<string>
  status_changed_by: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface ObjectiveContextWindowTable {
  id: string
  objective_id: string
  sequence: number
  prompt_tokens: Generated<number>
  completion_tokens: Generated<number>
  previous_window_continue_instructions: Generated<string>
  /** Migration 017: the window's cost (null: no known price) and the prices it was charged at. */
  cost_usd: ColumnType<string | null, string | null | undefined, string | null>
  model_prices: ColumnType<unknown, string | null | undefined, string | null>
  created_at: Timestamp
}

export interface ObjectiveInboxTable {
  id: string
  objective_id: string
  content: string
  profile_id: string
  created_at: Timestamp
}

// ---- end of objectives ----

export interface Database
  extends SteeringTables, LiveTables, GoalTables, ScheduleTables, MemoryTables, BundleTables {
  accounts: AccountTable
  workspaces: WorkspaceTable
  profiles: ProfileTable
  api_keys: ApiKeyTable
  workspace_members: WorkspaceMemberTable
  agents: AgentTable
  agent_variations: AgentVariationTable
  tool_sets: ToolSetTable
  tools: ToolTable
  tool_set_events: ToolSetEventTable
  variation_assignments: VariationAssignmentTable
  models: ModelTable
  workspace_secrets: WorkspaceSecretTable
  tool_set_secrets: ToolSetSecretTable
  ai_provider_keys: AiProviderKeyTable
  objectives: ObjectiveTable
  objective_events: ObjectiveEventTable
  objective_tool_calls: ObjectiveToolCallTable
  objective_context_windows: ObjectiveContextWindowTable
  objective_inbox: ObjectiveInboxTable
}

/** Tables that hold named resources in the shared column layout. */
export type ResourceTable =
  | 'api_keys'
  | 'agents'
  | 'agent_variations'
  | 'tool_sets'
  | 'tools'
  | 'models'
  | 'workspace_secrets'
  | 'tool_set_secrets'
  | 'ai_provider_keys'
  | 'agent_schedules'
  | 'memory_layers'
  | 'memory_entries'
  | 'uploads'
