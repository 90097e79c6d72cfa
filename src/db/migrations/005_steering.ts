import { sql, type Kysely } from 'kysely'

// Steering the loop: feedback that moves a variation's Thompson posterior, and the to-do list an
// objective's model keeps with the built-in task tool. Approvals need no table of their own: they
// live on objective_tool_calls (status, memo, status_changed_by).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE objective_feedback (
      id text PRIMARY KEY,
      account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      profile_id text NOT NULL,
      objective_id text NOT NULL REFERENCES objectives(id) ON DELETE CASCADE,
      agent_id text NOT NULL,
      variation_id text NOT NULL,
      external_id text NOT NULL DEFAULT '',
      labels jsonb NOT NULL DEFAULT '{}',
      score double precision,
      comment text NOT NULL DEFAULT '',
      attributes jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX objective_feedback_objective ON objective_feedback (objective_id, id);
    CREATE INDEX objective_feedback_agent ON objective_feedback (workspace_id, agent_id, id);
    CREATE INDEX objective_feedback_variation ON objective_feedback (variation_id, id);

    CREATE TABLE objective_tasks (
      id text PRIMARY KEY,
      objective_id text NOT NULL REFERENCES objectives(id) ON DELETE CASCADE,
      number integer NOT NULL,
      task text NOT NULL,
      completed boolean NOT NULL DEFAULT false,
      completed_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (objective_id, number)
    );
    CREATE INDEX objective_tasks_objective ON objective_tasks (objective_id, id);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS objective_tasks, objective_feedback CASCADE`.execute(db)
}
