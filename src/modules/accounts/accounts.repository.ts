import { preparedEnd, type Executor } from '../../db/database.ts'
import type { IdRef } from '../../lib/ids.ts'

/** Finds an enabled API key by the hash of its token, with the state of its home workspace. */
export function findApiKeyByTokenHash(db: Executor, tokenHash: string) {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('workspaces as w', 'w.id', 'k.workspace_id')
    .select(['k.id', 'k.account_id', 'k.workspace_id', 'k.key_profile_id', 'k.spec', 'w.status'])
    .where('k.token_hash', '=', tokenHash)
    .where('k.enabled', '=', true)
    .modifyEnd(preparedEnd) // every request authenticates: planned once per connection
    .executeTakeFirst()
}

/**
 * The workspace (by id or external id), if the key may act in it: its home workspace or one its
 * profile is a member of.
 */
export function findAccessibleWorkspace(
  db: Executor,
  key: { accountId: string; profileId: string; homeWorkspaceId: string },
  ref: IdRef,
) {
  let qb = db
    .selectFrom('workspaces as w')
    .select(['w.id', 'w.status'])
    .where('w.account_id', '=', key.accountId)
  qb = 'id' in ref ? qb.where('w.id', '=', ref.id) : qb.where('w.external_id', '=', ref.externalId)
  return qb
    .where((eb) =>
      eb.or([
        eb('w.id', '=', key.homeWorkspaceId),
        eb.exists(
          eb
            .selectFrom('workspace_members as m')
            .select('m.id')
            .whereRef('m.workspace_id', '=', 'w.id')
            .where('m.profile_id', '=', key.profileId),
        ),
      ]),
    )
    .orderBy('w.id')
    .executeTakeFirst()
}

export function countAccounts(db: Executor) {
  return db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
}

export function insertAccount(
  db: Executor,
  row: {
    id: string
    name: string
    webhookSecretSealed: string
    challengeTokenSealed: string
    profileId: string
  },
) {
  return db
    .insertInto('accounts')
    .values({
      id: row.id,
      name: row.name,
      profile_id: row.profileId,
      labels: '{}',
      spec: '{}',
      webhook_secret_sealed: row.webhookSecretSealed,
      challenge_token_sealed: row.challengeTokenSealed,
    })
    .execute()
}

export function insertWorkspace(
  db: Executor,
  row: { id: string; accountId: string; name: string; profileId: string; description?: string },
) {
  return db
    .insertInto('workspaces')
    .values({
      id: row.id,
      account_id: row.accountId,
      name: row.name,
      profile_id: row.profileId,
      labels: '{}',
      spec: JSON.stringify({ description: row.description ?? '' }),
    })
    .execute()
}

export function insertProfile(
  db: Executor,
  row: { id: string; accountId: string; type: string; name: string; email?: string },
) {
  return db
    .insertInto('profiles')
    .values({
      id: row.id,
      account_id: row.accountId,
      profile_id: row.id,
      type: row.type,
      name: row.name,
      email: row.email ?? null,
      labels: '{}',
    })
    .execute()
}

export function insertApiKey(
  db: Executor,
  row: {
    id: string
    accountId: string
    workspaceId: string
    profileId: string
    keyProfileId: string
    name: string
    externalId?: string
    labels?: Record<string, string>
    description: string
    permissions: readonly string[]
    tokenHash: string
  },
) {
  return db
    .insertInto('api_keys')
    .values({
      id: row.id,
      account_id: row.accountId,
      workspace_id: row.workspaceId,
      profile_id: row.profileId,
      key_profile_id: row.keyProfileId,
      name: row.name,
      external_id: row.externalId ?? '',
      labels: JSON.stringify(row.labels ?? {}),
      spec: JSON.stringify({ description: row.description, permissions: row.permissions }),
      token_hash: row.tokenHash,
    })
    .execute()
}

export function findAccount(db: Executor, accountId: string) {
  return db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst()
}

export function setWebhookSecret(db: Executor, accountId: string, sealed: string) {
  return db
    .updateTable('accounts')
    .set({ webhook_secret_sealed: sealed })
    .where('id', '=', accountId)
    .executeTakeFirst()
}

/** Sets the challenge token; `onlyIfUnset` leaves one another process set meanwhile. */
export function setChallengeToken(
  db: Executor,
  accountId: string,
  sealed: string,
  onlyIfUnset = false,
) {
  let q = db
    .updateTable('accounts')
    .set({ challenge_token_sealed: sealed })
    .where('id', '=', accountId)
  if (onlyIfUnset) q = q.where('challenge_token_sealed', 'is', null)
  return q.executeTakeFirst()
}

/** Accounts made before migration 021, which have no challenge token yet. */
export function accountsWithoutChallengeToken(db: Executor) {
  return db
    .selectFrom('accounts')
    .select('id')
    .where('challenge_token_sealed', 'is', null)
    .execute()
}
