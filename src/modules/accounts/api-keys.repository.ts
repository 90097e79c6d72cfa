import type { Selectable } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { deleteResource, insertResource, updateResource } from '../../db/resources.ts'
import type { ApiKeyTable } from '../../db/schema.ts'
import type { IdRef } from '../../lib/ids.ts'
import type { PagePosition } from '../../lib/pagination.ts'
import { pageRows } from '../../db/paging.ts'

export type ApiKeyRow = Selectable<ApiKeyTable>

/**
 * One key of the account by id or external id, optionally only among keys homed in a workspace.
 * External ids are unique per workspace only: across the account the oldest match is taken.
 */
export function findApiKey(
  db: Executor,
  accountId: string,
  ref: IdRef,
  homeWorkspaceId?: string,
): Promise<ApiKeyRow | undefined> {
  let qb = db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId)
  if (homeWorkspaceId) qb = qb.where('workspace_id', '=', homeWorkspaceId)
  qb = 'id' in ref ? qb.where('id', '=', ref.id) : qb.where('external_id', '=', ref.externalId)
  return qb.orderBy('id').executeTakeFirst()
}

/** Keys of the account (all workspaces, or those homed in one), by name prefix. */
export function listApiKeys(
  db: Executor,
  accountId: string,
  position: PagePosition,
  filter: { homeWorkspaceId?: string; namePrefix?: string },
) {
  let base = db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId)
  if (filter.homeWorkspaceId) base = base.where('workspace_id', '=', filter.homeWorkspaceId)
  if (filter.namePrefix) {
    const escaped = filter.namePrefix.replace(/[\\%_]/g, (c) => `\\${c}`)
    base = base.where('name', 'like', `${escaped}%`)
  }
  return pageRows<ApiKeyRow>(base, position, 'id')
}

export function createApiKeyRow(
  db: Executor,
  row: {
    id: string
    accountId: string
    workspaceId: string
    profileId: string
    keyProfileId: string
    name: string
    externalId: string
    labels: Record<string, string>
    spec: Record<string, unknown>
    tokenHash: string
  },
): Promise<ApiKeyRow> {
  return insertResource(db, 'api_keys', {
    id: row.id,
    account_id: row.accountId,
    workspace_id: row.workspaceId,
    profile_id: row.profileId,
    key_profile_id: row.keyProfileId,
    name: row.name,
    external_id: row.externalId,
    labels: JSON.stringify(row.labels),
    spec: JSON.stringify(row.spec),
    token_hash: row.tokenHash,
  })
}

export function updateApiKeyRow(
  db: Executor,
  id: string,
  values: {
    name: string
    externalId: string
    labels: Record<string, string>
    spec: Record<string, unknown>
  },
): Promise<ApiKeyRow> {
  return updateResource(db, 'api_keys', id, {
    name: values.name,
    external_id: values.externalId,
    labels: JSON.stringify(values.labels),
    spec: JSON.stringify(values.spec),
  })
}

/** Removes the key; its profile stays for `createdBy`. */
export function deleteApiKeyRow(db: Executor, id: string): Promise<void> {
  return deleteResource(db, 'api_keys', id)
}

export function setApiKeyTokenHash(db: Executor, id: string, tokenHash: string) {
  return db
    .updateTable('api_keys')
    .set({ token_hash: tokenHash, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
}

export function setApiKeyEnabled(db: Executor, id: string, enabled: boolean) {
  return db
    .updateTable('api_keys')
    .set({ enabled, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
}

export function renameProfile(db: Executor, profileId: string, name: string) {
  return db.updateTable('profiles').set({ name }).where('id', '=', profileId).execute()
}
