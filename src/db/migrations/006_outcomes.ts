import { sql, type Kysely } from 'kysely'

// Structured outcomes: the output an objective finalized with, and the goal it was created under
// (snapshotted, so a goal's computed metrics are one aggregate over its objectives).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE objectives ADD COLUMN output jsonb, ADD COLUMN goal_id text;
    CREATE INDEX objectives_goal ON objectives (goal_id, state) WHERE goal_id IS NOT NULL;
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS objectives_goal;
    ALTER TABLE objectives DROP COLUMN IF EXISTS output, DROP COLUMN IF EXISTS goal_id;
  `.execute(db)
}
