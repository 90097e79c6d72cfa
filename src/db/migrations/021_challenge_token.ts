import { sql, type Kysely } from 'kysely'

// The newest API's AccountInfo.challengeToken, sealed like the webhook secret. Null until an
// account admin first reads the account (the key that seals it is not known to migrations).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE accounts ADD COLUMN challenge_token_sealed text`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE accounts DROP COLUMN IF EXISTS challenge_token_sealed`.execute(db)
}
