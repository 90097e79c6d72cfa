import { sql, type Kysely } from 'kysely'
import { ulid } from 'ulid'

// Workspace membership (seed-003 `/v1/account/workspaces/{id}/members`): which profiles may act
// in which workspaces. It replaces api_key_workspaces: an API key's access is its own profile's
// memberships, so granting a key a workspace and adding its profile as a member are one act.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE workspace_members (
      id text PRIMARY KEY,
      account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      profile_id text NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (workspace_id, profile_id)
    );
    CREATE INDEX workspace_members_profile ON workspace_members (profile_id, workspace_id);
    CREATE UNIQUE INDEX profiles_account_email ON profiles (account_id, lower(email))
      WHERE email IS NOT NULL;
  `.execute(db)
  // Existing keys become members of their home workspace and of every workspace granted to them.
  const { rows } = await sql<{ account_id: string; workspace_id: string; profile_id: string }>`
    SELECT k.account_id, k.workspace_id, k.key_profile_id AS profile_id FROM api_keys k
    UNION
    SELECT k.account_id, g.workspace_id, k.key_profile_id FROM api_key_workspaces g
      JOIN api_keys k ON k.id = g.api_key_id
  `.execute(db)
  for (const row of rows) {
    await sql`
      INSERT INTO workspace_members (id, account_id, workspace_id, profile_id)
      VALUES (${`actor_${ulid()}`}, ${row.account_id}, ${row.workspace_id}, ${row.profile_id})
      ON CONFLICT DO NOTHING
    `.execute(db)
  }
  await sql`DROP TABLE api_key_workspaces`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE api_key_workspaces (
      api_key_id text NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (api_key_id, workspace_id)
    );
    INSERT INTO api_key_workspaces (api_key_id, workspace_id, created_at)
      SELECT k.id, m.workspace_id, m.created_at FROM workspace_members m
      JOIN api_keys k ON k.key_profile_id = m.profile_id AND k.workspace_id <> m.workspace_id;
    DROP TABLE workspace_members;
    DROP INDEX profiles_account_email;
  `.execute(db)
}
