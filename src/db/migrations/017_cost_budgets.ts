import { sql, type Kysely } from 'kysely'

// Cost and budgets (docs/api.md section 5.11, docs/decisions.md decision 17). Cost is exact
// `numeric` US dollars; NULL means no call of the objective (or window) had a known price, so
// nothing is shown rather than 0. A window keeps the prices its calls were charged at, so a later
// catalogue change rewrites no history. The two partial indexes let a claim honour
// SORTIE_WORKSPACE_MAX_RUNNING without scanning: running objectives per workspace, and each
// workspace's oldest PENDING ones.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE objectives
      ADD COLUMN total_cost_usd numeric,
      ADD COLUMN total_model_calls integer NOT NULL DEFAULT 0
  `.execute(db)
  await sql`
    ALTER TABLE objective_context_windows
      ADD COLUMN cost_usd numeric,
      ADD COLUMN model_prices jsonb
  `.execute(db)
  await sql`
    CREATE INDEX objectives_running_workspace ON objectives (workspace_id) WHERE state = 'RUNNING'
  `.execute(db)
  await sql`
    CREATE INDEX objectives_pending_workspace ON objectives (workspace_id, id)
    WHERE state = 'PENDING'
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS objectives_pending_workspace`.execute(db)
  await sql`DROP INDEX IF EXISTS objectives_running_workspace`.execute(db)
  await sql`
    ALTER TABLE objective_context_windows DROP COLUMN IF EXISTS cost_usd,
      DROP COLUMN IF EXISTS model_prices
  `.execute(db)
  await sql`
    ALTER TABLE objectives DROP COLUMN IF EXISTS total_cost_usd,
      DROP COLUMN IF EXISTS total_model_calls
  `.execute(db)
}
