import type { ColumnType, Generated, JSONColumnType } from 'kysely'

/** Row types of migration 015 (memory layers, entries, their variation assignments, uploads). */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T extends object = Record<string, unknown>> = JSONColumnType<T, string, string>

/** The shared named-resource layout (schema.ts ResourceColumns), restated to keep imports one-way. */
interface ResourceColumns {
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

export interface MemoryLayerTable extends ResourceColumns {
  type: string
  system_managed: Generated<boolean>
  agent_id: string | null
  episodic_key: string | null
  ttl_seconds: number | null
  expires_at: Date | null
  last_used_at: Date | null
  /** bigint: pg returns it as a string. */
  version: ColumnType<string, never, never>
}

export interface MemoryEntryTable extends ResourceColumns {
  layer_id: string
  key: string
  content: Generated<string>
  expires_at: Date | null
}

export interface VariationMemoryLayerTable {
  id: string
  account_id: string
  workspace_id: string
  profile_id: string
  variation_id: string
  memory_layer_id: string
  position: number
  created_at: Timestamp
}

export interface UploadTable extends ResourceColumns {
  status: string
  /** bigint: pg returns it as a string. */
  size_bytes: ColumnType<string, number | string, number | string>
  signature_hash: string
  url_expires_at: Timestamp
  bytes: Buffer | null
}

export interface MemoryTables {
  memory_layers: MemoryLayerTable
  memory_entries: MemoryEntryTable
  variation_memory_layers: VariationMemoryLayerTable
  uploads: UploadTable
}
