import { sql, type Kysely } from 'kysely'

// constraints.inactivityTimeout: frozen on the objective at creation; the sweep that ends idle
// objectives TIMED_OUT reads only objectives that have one and could still make progress.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE objectives ADD COLUMN inactivity_timeout_ms integer`.execute(db)
  await sql`
    CREATE INDEX objectives_inactivity_idx ON objectives (updated_at)
    WHERE inactivity_timeout_ms IS NOT NULL AND state IN ('RUNNING', 'WAITING')
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS objectives_inactivity_idx`.execute(db)
  await sql`ALTER TABLE objectives DROP COLUMN IF EXISTS inactivity_timeout_ms`.execute(db)
}
