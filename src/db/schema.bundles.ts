import type { ColumnType, JSONColumnType } from 'kysely'

/** Row types of migration 019 (bulk workspace applies and their per-resource results). */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T extends object = Record<string, unknown>> = JSONColumnType<T, string, string>

/** The bundle that owns a resource (agents, variations, tool sets, tools); null when none does. */
export interface BundleOwned {
  bundle_key: ColumnType<string | null, string | null | undefined, string | null>
}

export interface BulkWorkspaceApplyTable {
  id: string
  account_id: string
  workspace_id: string
  profile_id: string
  bundle_key: string
  data: Json
  state: string
  counts: Json<Record<string, number>>
  created_at: Timestamp
  completed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
}

export interface BulkWorkspaceApplyResultTable {
  id: string
  apply_id: string
  account_id: string
  workspace_id: string
  profile_id: string
  type: string
  action: string
  external_id: string
  resource: Json
  created_at: Timestamp
}

export interface BundleTables {
  bulk_workspace_applies: BulkWorkspaceApplyTable
  bulk_workspace_apply_results: BulkWorkspaceApplyResultTable
}
