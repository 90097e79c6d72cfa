import { sql, type Kysely } from 'kysely'

// Objectives and their append-only history. The event log is the checkpoint: every engine step
// commits its rows together with the counters on the objective row, guarded by `version`.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE objectives (
      id text PRIMARY KEY,
      account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      profile_id text NOT NULL,
      external_id text NOT NULL DEFAULT '',
      labels jsonb NOT NULL DEFAULT '{}',
      agent_id text NOT NULL,
      variation_id text NOT NULL,
      parent_objective_id text,
      state text NOT NULL,
      wait_reason text,
      state_message text NOT NULL DEFAULT '',
      version integer NOT NULL DEFAULT 0,
      data jsonb NOT NULL,
      secrets_sealed text,
      tools jsonb NOT NULL DEFAULT '[]',
      total_input_tokens bigint NOT NULL DEFAULT 0,
      total_output_tokens bigint NOT NULL DEFAULT 0,
      total_tool_calls integer NOT NULL DEFAULT 0,
      refused_tool_calls integer NOT NULL DEFAULT 0,
      limit_strikes integer NOT NULL DEFAULT 0,
      total_events integer NOT NULL DEFAULT 0,
      total_context_windows integer NOT NULL DEFAULT 0,
      event_seq integer NOT NULL DEFAULT 0,
      current_window_id text,
      lease_owner text,
      lease_expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX objectives_workspace ON objectives (workspace_id, id);
    CREATE UNIQUE INDEX objectives_external_id ON objectives (workspace_id, external_id) WHERE external_id <> '';
    CREATE INDEX objectives_agent ON objectives (workspace_id, agent_id, id);
    CREATE INDEX objectives_state ON objectives (workspace_id, state, id);
    CREATE INDEX objectives_parent ON objectives (parent_objective_id, id) WHERE parent_objective_id IS NOT NULL;
    CREATE INDEX objectives_profile ON objectives (workspace_id, profile_id, id);
    CREATE INDEX objectives_labels ON objectives USING gin (labels jsonb_path_ops);
    -- The claim query scans only runnable objectives.
    CREATE INDEX objectives_runnable ON objectives (updated_at)
      WHERE state IN ('PENDING', 'RUNNING');
    CREATE INDEX objectives_lease ON objectives (lease_owner) WHERE lease_owner IS NOT NULL;

    CREATE TABLE objective_context_windows (
      id text PRIMARY KEY,
      objective_id text NOT NULL REFERENCES objectives(id) ON DELETE CASCADE,
      sequence integer NOT NULL,
      prompt_tokens bigint NOT NULL DEFAULT 0,
      completion_tokens bigint NOT NULL DEFAULT 0,
      previous_window_continue_instructions text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (objective_id, sequence)
    );
    CREATE INDEX objective_context_windows_objective ON objective_context_windows (objective_id, id);

    CREATE TABLE objective_events (
      id text PRIMARY KEY,
      objective_id text NOT NULL REFERENCES objectives(id) ON DELETE CASCADE,
      seq integer NOT NULL,
      window_id text NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL,
      profile_id text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (objective_id, seq)
    );
    CREATE INDEX objective_events_window ON objective_events (objective_id, window_id, seq);

    CREATE TABLE objective_tool_calls (
      id text PRIMARY KEY,
      objective_id text NOT NULL REFERENCES objectives(id) ON DELETE CASCADE,
      window_id text NOT NULL,
      provider_call_id text NOT NULL DEFAULT '',
      function_name text NOT NULL,
      tool_id text,
      callable jsonb NOT NULL,
      arguments jsonb,
      status text NOT NULL,
      execution_status text NOT NULL,
      result text,
      memo text NOT NULL DEFAULT '',
      status_changed_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX objective_tool_calls_objective ON objective_tool_calls (objective_id, id);
    CREATE INDEX objective_tool_calls_status ON objective_tool_calls (objective_id, status, id);

    CREATE TABLE objective_inbox (
      id text PRIMARY KEY,
      objective_id text NOT NULL REFERENCES objectives(id) ON DELETE CASCADE,
      content text NOT NULL,
      profile_id text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX objective_inbox_objective ON objective_inbox (objective_id, id);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS objective_inbox, objective_tool_calls, objective_events,
    objective_context_windows, objectives CASCADE`.execute(db)
}
