import { sql, type Kysely } from 'kysely'

// Bulk workspace applies (docs/api.md section 3.14): the resources a bundle owns carry its key,
// and every apply is kept with one result row per resource it touched.
const OWNED = ['agents', 'agent_variations', 'tool_sets', 'tools'] as const

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of OWNED) {
    await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN bundle_key text`.execute(db)
    await sql`CREATE INDEX ${sql.raw(`${table}_bundle_key`)} ON ${sql.table(table)} (workspace_id, bundle_key)
      WHERE bundle_key IS NOT NULL`.execute(db)
  }
  await sql`
    CREATE TABLE bulk_workspace_applies (
      id text PRIMARY KEY,
      account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      profile_id text NOT NULL,
      bundle_key text NOT NULL,
      data jsonb NOT NULL,
      state text NOT NULL,
      counts jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz
    );
    CREATE INDEX bulk_workspace_applies_workspace ON bulk_workspace_applies (workspace_id, id);
    CREATE INDEX bulk_workspace_applies_bundle ON bulk_workspace_applies (workspace_id, bundle_key, id);

    CREATE TABLE bulk_workspace_apply_results (
      id text PRIMARY KEY,
      apply_id text NOT NULL REFERENCES bulk_workspace_applies(id) ON DELETE CASCADE,
      account_id text NOT NULL,
      workspace_id text NOT NULL,
      profile_id text NOT NULL,
      type text NOT NULL,
      action text NOT NULL,
      external_id text NOT NULL,
      resource jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX bulk_workspace_apply_results_apply ON bulk_workspace_apply_results (apply_id, id);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS bulk_workspace_apply_results`.execute(db)
  await sql`DROP TABLE IF EXISTS bulk_workspace_applies`.execute(db)
  for (const table of OWNED) {
    await sql`ALTER TABLE ${sql.table(table)} DROP COLUMN IF EXISTS bundle_key`.execute(db)
  }
}
