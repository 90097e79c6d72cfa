import { sql, type Kysely } from 'kysely'

// Named resources share one column layout (ResourceMetadata + spec as JSON); the spec column is
// parsed in exactly one row->domain function per entity.
const resourceColumns = sql.raw(`
  id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  profile_id text NOT NULL,
  name text NOT NULL DEFAULT '',
  external_id text NOT NULL DEFAULT '',
  labels jsonb NOT NULL DEFAULT '{}',
  spec jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
`)

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE accounts (
      id text PRIMARY KEY,
      name text NOT NULL,
      profile_id text NOT NULL DEFAULT '',
      external_id text NOT NULL DEFAULT '',
      labels jsonb NOT NULL DEFAULT '{}',
      spec jsonb NOT NULL DEFAULT '{}',
      webhook_secret_sealed text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE workspaces (
      id text PRIMARY KEY,
      account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      profile_id text NOT NULL DEFAULT '',
      name text NOT NULL,
      external_id text NOT NULL DEFAULT '',
      labels jsonb NOT NULL DEFAULT '{}',
      spec jsonb NOT NULL DEFAULT '{}',
      status text NOT NULL DEFAULT 'WORKSPACE_STATUS_ENABLED',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX workspaces_account ON workspaces (account_id, id);
    CREATE TABLE profiles (
      id text PRIMARY KEY,
      account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      profile_id text NOT NULL DEFAULT '',
      name text NOT NULL DEFAULT '',
      external_id text NOT NULL DEFAULT '',
      labels jsonb NOT NULL DEFAULT '{}',
      type text NOT NULL,
      email text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX profiles_account ON profiles (account_id, id);
    CREATE TABLE api_keys (
      ${resourceColumns},
      key_profile_id text NOT NULL REFERENCES profiles(id),
      token_hash text NOT NULL UNIQUE,
      enabled boolean NOT NULL DEFAULT true
    );
    CREATE INDEX api_keys_account ON api_keys (account_id, id);
    CREATE TABLE api_key_workspaces (
      api_key_id text NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (api_key_id, workspace_id)
    );
    CREATE TABLE agents (${resourceColumns});
    CREATE TABLE agent_variations (
      ${resourceColumns},
      agent_id text NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
      ts_alpha double precision NOT NULL DEFAULT 1,
      ts_beta double precision NOT NULL DEFAULT 1,
      feedback_count integer NOT NULL DEFAULT 0
    );
    CREATE INDEX agent_variations_agent ON agent_variations (agent_id, id);
    CREATE TABLE tool_sets (${resourceColumns});
    CREATE TABLE tools (
      ${resourceColumns},
      tool_set_id text NOT NULL REFERENCES tool_sets(id) ON DELETE CASCADE
    );
    CREATE INDEX tools_tool_set ON tools (tool_set_id, id);
    CREATE TABLE tool_set_events (
      id text PRIMARY KEY,
      account_id text NOT NULL,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      profile_id text NOT NULL,
      tool_set_id text NOT NULL REFERENCES tool_sets(id) ON DELETE CASCADE,
      event jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX tool_set_events_tool_set ON tool_set_events (tool_set_id, id);
    CREATE TABLE variation_assignments (
      id text PRIMARY KEY,
      account_id text NOT NULL,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      profile_id text NOT NULL,
      variation_id text NOT NULL REFERENCES agent_variations(id) ON DELETE CASCADE,
      tool_id text REFERENCES tools(id) ON DELETE CASCADE,
      tool_set_id text REFERENCES tool_sets(id) ON DELETE CASCADE,
      sub_agent_id text REFERENCES agents(id) ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK (num_nonnulls(tool_id, tool_set_id, sub_agent_id) = 1)
    );
    CREATE INDEX variation_assignments_variation ON variation_assignments (variation_id, id);
    CREATE UNIQUE INDEX variation_assignments_unique
      ON variation_assignments (variation_id, coalesce(tool_id, ''), coalesce(tool_set_id, ''), coalesce(sub_agent_id, ''));
    CREATE TABLE models (${resourceColumns}, builtin boolean NOT NULL DEFAULT false, ai_provider_key_id text);
    CREATE UNIQUE INDEX models_name ON models (workspace_id, name);
    CREATE TABLE workspace_secrets (${resourceColumns}, value_sealed text NOT NULL, last_used_at timestamptz);
    CREATE UNIQUE INDEX workspace_secrets_name ON workspace_secrets (workspace_id, name);
    CREATE TABLE ai_provider_keys (${resourceColumns}, api_key_sealed text NOT NULL);
  `.execute(db)
  for (const table of [
    'api_keys',
    'agents',
    'agent_variations',
    'tool_sets',
    'tools',
    'models',
    'workspace_secrets',
    'ai_provider_keys',
  ]) {
    await sql`CREATE INDEX ${sql.raw(`${table}_workspace`)} ON ${sql.table(table)} (workspace_id, id)`.execute(
      db,
    )
    await sql`CREATE UNIQUE INDEX ${sql.raw(`${table}_external_id`)} ON ${sql.table(table)} (workspace_id, external_id) WHERE external_id <> ''`.execute(
      db,
    )
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS ai_provider_keys, workspace_secrets, models, variation_assignments,
    tool_set_events, tools, tool_sets, agent_variations, agents, api_key_workspaces, api_keys, profiles,
    workspaces, accounts CASCADE`.execute(db)
}
