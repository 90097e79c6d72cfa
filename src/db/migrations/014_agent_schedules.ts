import { sql, type Kysely } from 'kysely'

// Agent schedules and their fires. A fire is claimed by inserting (schedule_id, fire_at) in the
// transaction that creates its objective and advances the schedule's next_fire_at: whichever
// process commits first wins, any other gets a unique violation or no longer sees the fire due.
// Objectives remember the schedule that fired them, for the agentScheduleId list filter.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE agent_schedules (
      id text PRIMARY KEY,
      account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      profile_id text NOT NULL,
      name text NOT NULL DEFAULT '',
      external_id text NOT NULL DEFAULT '',
      labels jsonb NOT NULL DEFAULT '{}',
      spec jsonb NOT NULL DEFAULT '{}',
      agent_id text NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
      status text NOT NULL DEFAULT 'ACTIVE',
      next_fire_at timestamptz,
      last_fire_at timestamptz,
      last_objective_id text,
      last_skipped_at timestamptz,
      last_skip_reason text NOT NULL DEFAULT '',
      total_fires integer NOT NULL DEFAULT 0,
      total_skips integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX agent_schedules_workspace ON agent_schedules (workspace_id, id);
    CREATE INDEX agent_schedules_agent ON agent_schedules (workspace_id, agent_id, id);
    CREATE UNIQUE INDEX agent_schedules_external_id ON agent_schedules (workspace_id, external_id)
      WHERE external_id <> '';
    -- What the scheduler scans: active schedules by their next fire time.
    CREATE INDEX agent_schedules_due ON agent_schedules (next_fire_at)
      WHERE status = 'ACTIVE' AND next_fire_at IS NOT NULL;

    CREATE TABLE agent_schedule_fires (
      schedule_id text NOT NULL REFERENCES agent_schedules(id) ON DELETE CASCADE,
      fire_at timestamptz NOT NULL,
      objective_id text,
      skip_reason text NOT NULL DEFAULT '',
      -- The scheduler (process) that claimed it.
      fired_by text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (schedule_id, fire_at)
    );

    ALTER TABLE objectives ADD COLUMN source_schedule_id text;
    CREATE INDEX objectives_source_schedule ON objectives (workspace_id, source_schedule_id, id)
      WHERE source_schedule_id IS NOT NULL;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE objectives DROP COLUMN IF EXISTS source_schedule_id;
    DROP TABLE IF EXISTS agent_schedule_fires, agent_schedules CASCADE;
  `.execute(db)
}
