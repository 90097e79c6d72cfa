import { sql, type Kysely } from 'kysely'

// Engine steps update their objective row (version, counters, updated_at) once per step. The
// claim index keyed on updated_at made every such update touch all of the table's indexes (a
// non-HOT update, including the labels GIN index). The claim now reads two indexes on columns no
// step writes: unleased runnable objectives by id, and leased ones by lease expiry (the sweeper).
// Held leases are skipped by the index itself, so claiming does not scan what is running. With
// free room left on each page Postgres updates a stepped row in place (HOT).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS objectives_runnable;
    CREATE INDEX objectives_runnable ON objectives (id)
      WHERE state IN ('PENDING', 'RUNNING') AND lease_owner IS NULL;
    CREATE INDEX objectives_leased ON objectives (lease_expires_at)
      WHERE state IN ('PENDING', 'RUNNING') AND lease_owner IS NOT NULL;
    ALTER TABLE objectives SET (fillfactor = 70);
    ALTER TABLE objective_context_windows SET (fillfactor = 80);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS objectives_runnable;
    DROP INDEX IF EXISTS objectives_leased;
    CREATE INDEX objectives_runnable ON objectives (updated_at)
      WHERE state IN ('PENDING', 'RUNNING');
    ALTER TABLE objectives RESET (fillfactor);
    ALTER TABLE objective_context_windows RESET (fillfactor);
  `.execute(db)
}
