import { sql, type Kysely } from 'kysely'

// The newest API's AccountInfo.challengeToken, sealed like the webhook secret. Accounts made
// before it get theirs when Sortie starts (fillChallengeTokens): migrations cannot seal.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE accounts ADD COLUMN challenge_token_sealed text`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE accounts DROP COLUMN IF EXISTS challenge_token_sealed`.execute(db)
}
