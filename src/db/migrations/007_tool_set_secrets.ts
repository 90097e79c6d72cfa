import { sql, type Kysely } from 'kysely'

// Tool-set secrets (docs/decisions.md decision 5): values a tool set's tools reference as ${NAME}, resolved
// after the objective's own secrets and before the workspace's. They go with their tool set.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE tool_set_secrets (
      id text PRIMARY KEY,
      account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      tool_set_id text NOT NULL REFERENCES tool_sets(id) ON DELETE CASCADE,
      profile_id text NOT NULL,
      name text NOT NULL DEFAULT '',
      external_id text NOT NULL DEFAULT '',
      labels jsonb NOT NULL DEFAULT '{}',
      spec jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      value_sealed text NOT NULL,
      last_used_at timestamptz
    );
    CREATE UNIQUE INDEX tool_set_secrets_name ON tool_set_secrets (tool_set_id, name);
    CREATE INDEX tool_set_secrets_workspace ON tool_set_secrets (workspace_id, id);
    CREATE UNIQUE INDEX tool_set_secrets_external_id ON tool_set_secrets (tool_set_id, external_id)
      WHERE external_id <> '';
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS tool_set_secrets`.execute(db)
}
