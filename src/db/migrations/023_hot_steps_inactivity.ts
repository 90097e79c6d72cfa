import { sql, type Kysely } from 'kysely'

// Every engine step updates its objective row (version, counters, updated_at). Migration 009 made
// that update in place (HOT) by keeping updated_at out of every index; 016's inactivity index was
// keyed on updated_at again, so each step's update wrote a new entry into all of the table's
// indexes, the labels GIN index included (issue 19: no objectives update was HOT). The sweep's
// condition (`updated_at < now() - inactivity_timeout_ms`) depends on each row's own timeout, so
// an index on updated_at could only order the candidates, not bound them: the index now lists
// the same candidates by id, on columns no step writes, and the sweep filters them.
// Tool calls get free room on their pages, so that a call's result is written in place too.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS objectives_inactivity_idx;
    CREATE INDEX objectives_inactivity_idx ON objectives (id)
      WHERE inactivity_timeout_ms IS NOT NULL AND state IN ('RUNNING', 'WAITING');
    ALTER TABLE objective_tool_calls SET (fillfactor = 80);
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    DROP INDEX IF EXISTS objectives_inactivity_idx;
    CREATE INDEX objectives_inactivity_idx ON objectives (updated_at)
      WHERE inactivity_timeout_ms IS NOT NULL AND state IN ('RUNNING', 'WAITING');
    ALTER TABLE objective_tool_calls RESET (fillfactor);
  `.execute(db)
}
