import type { ColumnType, Generated, JSONColumnType } from 'kysely'

/** Row types of migration 004 (webhook outbox and delivery log). */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T extends object = Record<string, unknown>> = JSONColumnType<T, string, string>

export interface WebhookDeliveryTable {
  id: string
  account_id: string
  workspace_id: string
  profile_id: string
  agent_id: string
  objective_id: string
  event_id: string
  event_seq: number
  /** The event's camelCase type (`toolResult`). */
  event_type: string
  url: string
  status: Generated<string>
  attempt_count: Generated<number>
  next_attempt_at: Timestamp
  last_attempt_at: Date | null
  http_status_code: Generated<number>
  latency_ms: Generated<number>
  response_content_length: Generated<number>
  response_headers: Json<Record<string, string>>
  error_message: Generated<string>
  lease_owner: string | null
  lease_expires_at: Date | null
  created_at: Timestamp
  updated_at: Timestamp
}

export interface WebhookDisabledTargetTable {
  agent_id: string
  url: string
  reason: Generated<string>
  disabled_at: Timestamp
}

export interface LiveTables {
  webhook_deliveries: WebhookDeliveryTable
  webhook_disabled_targets: WebhookDisabledTargetTable
}
