import { sql, type Selectable } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { ProfileTable } from '../../db/schema.ts'
import type { IdRef } from '../../lib/ids.ts'
import type { PagePosition } from '../../lib/pagination.ts'
import { pageRows } from '../../db/paging.ts'

/** Profiles of the account, filtered by type and by a case-insensitive name/email substring. */
export function listProfiles(
  db: Executor,
  accountId: string,
  position: PagePosition,
  filter: { type?: string; query?: string },
) {
  let base = db.selectFrom('profiles').selectAll().where('account_id', '=', accountId)
  if (filter.type && filter.type !== 'PROFILE_TYPE_UNSPECIFIED') {
    base = base.where('type', '=', filter.type)
  }
  if (filter.query) {
    const pattern = `%${filter.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    base = base.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('email', 'ilike', pattern)]))
  }
  return pageRows<Selectable<ProfileTable>>(base, position, 'id')
}

/** One profile of the account by id or external id. */
export function findProfile(db: Executor, accountId: string, ref: IdRef) {
  let qb = db.selectFrom('profiles').selectAll().where('account_id', '=', accountId)
  qb = 'id' in ref ? qb.where('id', '=', ref.id) : qb.where('external_id', '=', ref.externalId)
  return qb.orderBy('id').executeTakeFirst()
}

/** The account's profile with this email (emails are unique per account, case-insensitively). */
export function findProfileByEmail(db: Executor, accountId: string, email: string) {
  return db
    .selectFrom('profiles')
    .selectAll()
    .where('account_id', '=', accountId)
    .where(sql<boolean>`lower(email) = lower(${email})`)
    .executeTakeFirst()
}

/** Creates a user profile for an email unless one exists (a concurrent invite may win). */
export async function insertUserProfile(
  db: Executor,
  row: { id: string; accountId: string; creatorProfileId: string; email: string; name: string },
): Promise<void> {
  await db
    .insertInto('profiles')
    .values({
      id: row.id,
      account_id: row.accountId,
      profile_id: row.creatorProfileId,
      type: 'PROFILE_TYPE_USER',
      name: row.name,
      email: row.email,
      labels: '{}',
    })
    .onConflict((oc) =>
      oc
        .expression(sql`account_id, lower(email)`)
        .where('email', 'is not', null)
        .doNothing(),
    )
    .execute()
}

/** Whether the profile is an API key's whose home workspace this is. */
export async function isApiKeyHomedIn(
  db: Executor,
  profileId: string,
  workspaceId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('api_keys')
    .select('id')
    .where('key_profile_id', '=', profileId)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst()
  return row !== undefined
}
