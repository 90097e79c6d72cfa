import { sql, type Kysely } from 'kysely'

// MCP and OpenAPI tool sets are synced from their server or document (docs/api.md section 3.4):
// `last_sync_at` is the last successful sync (info.lastSync), `sync_claimed_until` a short lease
// that lets one process at a time re-sync a set periodically (a killed process's claim expires),
// `openapi_document` the last OpenAPI document that parsed, served by GET .../openapi_spec, and
// a synced OpenAPI tool's `openapi_call` says where each argument goes (path, query, header, body).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE tool_sets
      ADD COLUMN last_sync_at timestamptz,
      ADD COLUMN sync_claimed_until timestamptz,
      ADD COLUMN openapi_document text;
    ALTER TABLE tools ADD COLUMN openapi_call jsonb;
    CREATE INDEX tool_sets_sync_due ON tool_sets (last_sync_at NULLS FIRST)
      WHERE spec->'adapter'->'http' IS NULL;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS tool_sets_sync_due;
    ALTER TABLE tool_sets
      DROP COLUMN IF EXISTS last_sync_at,
      DROP COLUMN IF EXISTS sync_claimed_until,
      DROP COLUMN IF EXISTS openapi_document;
    ALTER TABLE tools DROP COLUMN IF EXISTS openapi_call;
  `.execute(db)
}
