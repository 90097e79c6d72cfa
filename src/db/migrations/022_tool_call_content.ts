import { sql, type Kysely } from 'kysely'

// Bare tool sets (docs/api.md section 5.13): the content a call's result was given as (text and
// image parts); a call parked for its content may have a deadline (`contentTimeout`), after which
// a sweep answers it with a tool error. Only parked calls with a deadline are indexed: the sweep
// reads nothing else.
// The usage of an objective's last model call (input and cached input tokens) for its
// diagnostics.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE objectives ADD COLUMN last_call_usage jsonb`.execute(db)
  // HEAD tool set `:archive`: an archived set's tools are given to no new objective.
  await sql`ALTER TABLE tool_sets ADD COLUMN archived_at timestamptz`.execute(db)
  await sql`ALTER TABLE objective_tool_calls ADD COLUMN result_content jsonb`.execute(db)
  await sql`ALTER TABLE objective_tool_calls ADD COLUMN content_deadline timestamptz`.execute(db)
  await sql`
    CREATE INDEX objective_tool_calls_content_deadline_idx ON objective_tool_calls (content_deadline)
    WHERE content_deadline IS NOT NULL
      AND execution_status = 'TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT'
  `.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS objective_tool_calls_content_deadline_idx`.execute(db)
  await sql`ALTER TABLE objective_tool_calls DROP COLUMN IF EXISTS content_deadline`.execute(db)
  await sql`ALTER TABLE objective_tool_calls DROP COLUMN IF EXISTS result_content`.execute(db)
  await sql`ALTER TABLE objectives DROP COLUMN IF EXISTS last_call_usage`.execute(db)
  await sql`ALTER TABLE tool_sets DROP COLUMN IF EXISTS archived_at`.execute(db)
}
