import { sql, type Kysely } from 'kysely'

// Memory (docs/api.md section 3.11): layers of keyed entries, their assignment to variations, and
// uploads whose bytes live here so every process of a deployment can read them.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE memory_layers (
      id text PRIMARY KEY,
      account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      profile_id text NOT NULL,
      name text NOT NULL DEFAULT '',
      external_id text NOT NULL DEFAULT '',
      labels jsonb NOT NULL DEFAULT '{}',
      spec jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      type text NOT NULL,
      system_managed boolean NOT NULL DEFAULT false,
      -- Episodic layers: one per (agent, key), entries expire ttl_seconds after their write.
      agent_id text REFERENCES agents(id) ON DELETE CASCADE,
      episodic_key text,
      ttl_seconds integer,
      expires_at timestamptz,
      last_used_at timestamptz,
      -- Bumped by every write to the layer or its entries: what a cached manifest is keyed by.
      version bigint NOT NULL DEFAULT 0
    );
    CREATE INDEX memory_layers_workspace ON memory_layers (workspace_id, id);
    CREATE UNIQUE INDEX memory_layers_external_id ON memory_layers (workspace_id, external_id)
      WHERE external_id <> '';
    CREATE UNIQUE INDEX memory_layers_episodic ON memory_layers (agent_id, episodic_key)
      WHERE episodic_key IS NOT NULL;

    CREATE TABLE memory_entries (
      id text PRIMARY KEY,
      account_id text NOT NULL,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      layer_id text NOT NULL REFERENCES memory_layers(id) ON DELETE CASCADE,
      profile_id text NOT NULL,
      name text NOT NULL DEFAULT '',
      external_id text NOT NULL DEFAULT '',
      labels jsonb NOT NULL DEFAULT '{}',
      spec jsonb NOT NULL DEFAULT '{}',
      key text NOT NULL COLLATE "C",
      content text NOT NULL DEFAULT '',
      expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX memory_entries_key ON memory_entries (layer_id, key);
    CREATE INDEX memory_entries_layer ON memory_entries (layer_id, id);
    CREATE INDEX memory_entries_workspace ON memory_entries (workspace_id, id);
    CREATE UNIQUE INDEX memory_entries_external_id ON memory_entries (layer_id, external_id)
      WHERE external_id <> '';

    CREATE TABLE variation_memory_layers (
      id text PRIMARY KEY,
      account_id text NOT NULL,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      profile_id text NOT NULL,
      variation_id text NOT NULL REFERENCES agent_variations(id) ON DELETE CASCADE,
      memory_layer_id text NOT NULL REFERENCES memory_layers(id) ON DELETE CASCADE,
      position integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX variation_memory_layers_position
      ON variation_memory_layers (variation_id, position);
    CREATE UNIQUE INDEX variation_memory_layers_layer
      ON variation_memory_layers (variation_id, memory_layer_id);

    CREATE TABLE uploads (
      id text PRIMARY KEY,
      account_id text NOT NULL,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      profile_id text NOT NULL,
      name text NOT NULL DEFAULT '',
      external_id text NOT NULL DEFAULT '',
      labels jsonb NOT NULL DEFAULT '{}',
      spec jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      status text NOT NULL,
      size_bytes bigint NOT NULL,
      -- Only the hash of the URL's signature is kept: the URL is the credential.
      signature_hash text NOT NULL,
      url_expires_at timestamptz NOT NULL,
      bytes bytea
    );
    CREATE INDEX uploads_workspace ON uploads (workspace_id, id);
    CREATE UNIQUE INDEX uploads_external_id ON uploads (workspace_id, external_id)
      WHERE external_id <> '';
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS variation_memory_layers, memory_entries, memory_layers, uploads`.execute(
    db,
  )
}
