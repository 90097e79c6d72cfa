import { sql, type Kysely } from 'kysely'

// Manual compaction of a RUNNING or PENDING objective: the API cannot compact what a worker holds,
// so it leaves a request on the row for the worker, which answers it before its next model call.
// One request at a time: {id, config, profileId, expiresAt}, and once answered also
// {outcome: {windowId} | {refusal}} for the waiting API call to read. No index: it is read only
// by primary key, and no step rewrites it, so steps stay HOT updates.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE objectives ADD COLUMN compaction_request jsonb`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE objectives DROP COLUMN IF EXISTS compaction_request`.execute(db)
}
