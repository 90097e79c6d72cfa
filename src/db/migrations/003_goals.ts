import { sql, type Kysely } from 'kysely'

// Goals (docs/compat.md): named resources agents work toward, their attachments to agents and the
// history of their user-set metrics. Compatible surfaces address goals, agents and profiles by
// small integers (TokenSource `id`, `aiAssistants[].id`, `userId`), so those tables get a
// `number`: assigned by a trigger from a per-scope counter row, so concurrent inserts never share
// a number, numbers are never reused, and the modules that insert these rows need not know.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE number_counters (
      scope_id text NOT NULL,
      kind text NOT NULL,
      last integer NOT NULL,
      PRIMARY KEY (scope_id, kind)
    );

    -- TG_ARGV[0] names the column that scopes the sequence (workspace_id, account_id). The
    -- counter row stays locked until the inserting transaction ends: that is the serialisation.
    CREATE FUNCTION sortie_assign_number() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO number_counters AS c (scope_id, kind, last)
      VALUES (to_jsonb(NEW) ->> TG_ARGV[0], TG_TABLE_NAME, 1)
      ON CONFLICT (scope_id, kind) DO UPDATE SET last = c.last + 1
      RETURNING c.last INTO NEW.number;
      RETURN NEW;
    END $$;

    CREATE TABLE goals (
      id text PRIMARY KEY,
      account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      profile_id text NOT NULL,
      name text NOT NULL DEFAULT '',
      external_id text NOT NULL DEFAULT '',
      labels jsonb NOT NULL DEFAULT '{}',
      spec jsonb NOT NULL DEFAULT '{}',
      number integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX goals_workspace ON goals (workspace_id, id);
    CREATE UNIQUE INDEX goals_external_id ON goals (workspace_id, external_id) WHERE external_id <> '';
    CREATE UNIQUE INDEX goals_number ON goals (workspace_id, number);
    CREATE TRIGGER goals_number BEFORE INSERT ON goals
      FOR EACH ROW EXECUTE FUNCTION sortie_assign_number('workspace_id');

    -- agent_id is the key: an agent has at most one goal, and attaching is one upsert.
    CREATE TABLE goal_agents (
      agent_id text PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
      goal_id text NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
      workspace_id text NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      profile_id text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX goal_agents_goal ON goal_agents (goal_id, created_at);

    -- Append-only: a null value records that the key was removed.
    CREATE TABLE goal_metrics (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      goal_id text NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
      workspace_id text NOT NULL,
      key text NOT NULL,
      value jsonb,
      profile_id text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX goal_metrics_goal ON goal_metrics (goal_id, id);
    CREATE INDEX goal_metrics_current ON goal_metrics (goal_id, key, id DESC);
  `.execute(db)
  await addNumberColumn(db, 'agents', 'workspace_id')
  await addNumberColumn(db, 'profiles', 'account_id')
}

/** Numbers existing rows in creation order, seeds their counters, then numbers new rows. */
async function addNumberColumn(db: Kysely<any>, table: string, scope: string): Promise<void> {
  // Identifiers and literals are inlined: the statements run as one multi-command query.
  const t = sql.table(table)
  const s = sql.ref(scope)
  await sql`
    ALTER TABLE ${t} ADD COLUMN number integer;
    UPDATE ${t} AS x SET number = r.n
      FROM (SELECT id, row_number() OVER (PARTITION BY ${s} ORDER BY created_at, id) AS n FROM ${t}) r
      WHERE r.id = x.id;
    INSERT INTO number_counters (scope_id, kind, last)
      SELECT ${s}, ${sql.lit(table)}, max(number) FROM ${t} GROUP BY ${s};
    ALTER TABLE ${t} ALTER COLUMN number SET NOT NULL;
    CREATE UNIQUE INDEX ${sql.raw(`${table}_number`)} ON ${t} (${s}, number);
    CREATE TRIGGER ${sql.raw(`${table}_number`)} BEFORE INSERT ON ${t}
      FOR EACH ROW EXECUTE FUNCTION sortie_assign_number(${sql.lit(scope)});
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP TRIGGER IF EXISTS agents_number ON agents;
    DROP TRIGGER IF EXISTS profiles_number ON profiles;
    ALTER TABLE agents DROP COLUMN IF EXISTS number;
    ALTER TABLE profiles DROP COLUMN IF EXISTS number;
    DROP TABLE IF EXISTS goal_metrics, goal_agents, goals, number_counters CASCADE;
    DROP FUNCTION IF EXISTS sortie_assign_number();
  `.execute(db)
}
