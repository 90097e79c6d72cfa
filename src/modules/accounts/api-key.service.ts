import { generateApiToken, hashToken } from '../../lib/crypto.ts'
import { failedPrecondition, fieldError, notFound, permissionDenied } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
import type { Actor, Deps } from '../deps.ts'
import { applyUpdate, resourceMetadata, rethrowUnique } from '../resource.ts'
import * as repo from './accounts.repository.ts'
import type {
  ApiKey,
  ApiKeySpecInput,
  CreateApiKeyBody,
  ListApiKeysQuery,
  UpdateApiKeyBody,
} from './api-key.schema.ts'
import * as keys from './api-keys.repository.ts'
import type { ApiKeyRow } from './api-keys.repository.ts'
import { addMember, removeProfileMemberships, workspaceIdsOfProfile } from './members.repository.ts'
import { loadProfiles } from '../profiles/index.ts'
import {
  ACCOUNT_ADMIN,
  holdsAll,
  DEFAULT_PERMISSIONS,
  holdsAccountAdmin,
  requireAccountAdmin,
  requireMayGrant,
} from './permissions.ts'

/**
 * API keys are managed through two surfaces: seed-004 `/v1/api_keys` (keys homed in the request's
 * workspace: `within` is that workspace) and seed-003 `/v1/account/api_keys` (every key of the
 * account: `within` is undefined). Keys outside the surface are 404. Each key acts as its own
 * PROFILE_TYPE_API_KEY profile; its token is shown once (create, rotate) and stored only hashed.
 */

type StoredSpec = { description?: string; permissions?: string[]; system?: boolean }

/** The one row -> APIKey mapping; `token` is passed only by create and rotate. */
export function apiKeyOf(row: ApiKeyRow, token?: string, info?: ApiKey['info']): ApiKey {
  const spec = row.spec as StoredSpec
  return {
    metadata: resourceMetadata(row),
    spec: {
      description: spec.description ?? '',
      ...(token ? { token } : {}),
      permissions: spec.permissions ?? [...DEFAULT_PERMISSIONS],
      system: spec.system ?? false,
    },
    state: row.enabled ? 'API_KEY_STATE_ENABLED' : 'API_KEY_STATE_DISABLED',
    ...(info ? { info } : {}),
  }
}

async function withInfo(deps: Deps, rows: ApiKeyRow[], token?: string): Promise<ApiKey[]> {
  const profiles = await loadProfiles(
    deps,
    rows.map((r) => r.profile_id),
  )
  return rows.map((row) => apiKeyOf(row, token, { createdBy: profiles.get(row.profile_id) }))
}

const storedSpec = (spec: ApiKeySpecInput, permissions: readonly string[]): StoredSpec => ({
  description: spec.description ?? '',
  permissions: [...permissions],
})

const permissionsOf = (row: ApiKeyRow) => (row.spec as StoredSpec).permissions

/**
 * Another key is managed (updated, deleted, rotated) only by a key holding every permission it
 * holds and able to act in every workspace it may act in: otherwise a narrower key could rotate
 * a wider one (the admin key, or a key granted another workspace) and take its token.
 */
async function requireMayManage(deps: Deps, actor: Actor, row: ApiKeyRow, action: string) {
  if (row.id === actor.apiKeyId) return
  const target = permissionsOf(row) ?? DEFAULT_PERMISSIONS
  if (holdsAccountAdmin(target)) requireAccountAdmin(actor, `${action} an account-admin API key`)
  if (!holdsAll(actor.permissions, target)) {
    throw permissionDenied(`${action} an API key with permissions this key does not hold`)
  }
  if (holdsAccountAdmin(actor.permissions)) return
  const [theirs, mine] = await Promise.all([
    workspaceIdsOfProfile(deps.db, row.key_profile_id),
    workspaceIdsOfProfile(deps.db, actor.profileId),
  ])
  const reachable = new Set([actor.homeWorkspaceId, ...mine.map((w) => w.id)])
  if (![row.workspace_id, ...theirs.map((w) => w.id)].every((id) => reachable.has(id))) {
    throw permissionDenied(`${action} an API key that may act in workspaces this key may not`)
  }
}

/**
 * Seed-003 `/v1/account/api_keys/{id}` (`within` undefined) serves every key of the account to
 * an account admin, and to any other key only itself (read it, rotate it).
 */
function requireAccountSurfaceAccess(actor: Actor, row: ApiKeyRow, within: string | undefined) {
  if (within === undefined && row.id !== actor.apiKeyId) {
    requireAccountAdmin(actor, 'managing another key through /v1/account/api_keys')
  }
}

export async function findApiKeyRow(
  deps: Deps,
  actor: Actor,
  ref: string,
  within: string | undefined,
): Promise<ApiKeyRow> {
  const row = await keys.findApiKey(deps.db, actor.accountId, parseIdRef(ref), within)
  if (!row) throw notFound('API key', ref)
  return row
}

/** Inserts a key and its profile in one transaction; returns the row and the clear token. */
export async function insertApiKey(
  deps: Deps,
  input: {
    accountId: string
    homeWorkspaceId: string
    creatorProfileId: string
    body: CreateApiKeyBody
    permissions: readonly string[]
  },
): Promise<{ row: ApiKeyRow; token: string }> {
  const token = generateApiToken()
  const { body } = input
  const row = await deps.db
    .transaction()
    .execute(async (trx) => {
      const keyProfileId = deps.ids('profile')
      await repo.insertProfile(trx, {
        id: keyProfileId,
        accountId: input.accountId,
        type: 'PROFILE_TYPE_API_KEY',
        name: body.metadata.name,
      })
      await addMember(trx, {
        id: deps.ids('workspaceMember'),
        accountId: input.accountId,
        workspaceId: input.homeWorkspaceId,
        profileId: keyProfileId,
      })
      return keys.createApiKeyRow(trx, {
        id: deps.ids('apiKey'),
        accountId: input.accountId,
        workspaceId: input.homeWorkspaceId,
        profileId: input.creatorProfileId,
        keyProfileId,
        name: body.metadata.name,
        externalId: body.metadata.externalId ?? '',
        labels: body.metadata.labels ?? {},
        spec: storedSpec(body.spec, input.permissions),
        tokenHash: hashToken(token),
      })
    })
    .catch((err) => rethrowUnique(err, 'an API key'))
  return { row, token }
}

/** Creates a key homed in `homeWorkspaceId` (already checked to be usable by the actor). */
export async function createApiKey(
  deps: Deps,
  actor: Actor,
  homeWorkspaceId: string,
  body: CreateApiKeyBody,
): Promise<ApiKey> {
  const permissions = body.spec.permissions ?? DEFAULT_PERMISSIONS
  requireMayGrant(actor, permissions)
  const { row, token } = await insertApiKey(deps, {
    accountId: actor.accountId,
    homeWorkspaceId,
    creatorProfileId: actor.profileId,
    body,
    permissions,
  })
  return (await withInfo(deps, [row], token))[0]!
}

export async function getApiKey(
  deps: Deps,
  actor: Actor,
  ref: string,
  within: string | undefined,
): Promise<ApiKey> {
  const row = await findApiKeyRow(deps, actor, ref, within)
  requireAccountSurfaceAccess(actor, row, within)
  return (await withInfo(deps, [row]))[0]!
}

export async function listApiKeys(
  deps: Deps,
  actor: Actor,
  query: ListApiKeysQuery,
  within: string | undefined,
): Promise<Page<ApiKey>> {
  const position = decodePageRequest(query)
  const { rows, total } = await keys.listApiKeys(deps.db, actor.accountId, position, {
    homeWorkspaceId: within,
    namePrefix: query.prefix,
  })
  const page = toPage(rows, position, total, (r) => r)
  const items = query.includeInfo
    ? await withInfo(deps, page.items)
    : page.items.map((r) => apiKeyOf(r))
  return { ...page, items }
}

/** Updates name, external id, labels and description; the key's profile follows its name. */
export async function updateApiKey(
  deps: Deps,
  actor: Actor,
  ref: string,
  within: string | undefined,
  body: UpdateApiKeyBody,
): Promise<ApiKey> {
  const row = await findApiKeyRow(deps, actor, ref, within)
  requireAccountSurfaceAccess(actor, row, within)
  await requireMayManage(deps, actor, row, 'updating')
  const next = applyUpdate(apiKeyOf(row), body, body.updateMask)
  if (!next.metadata.name) throw fieldError('metadata.name', 'is required')
  const permissions = next.spec.permissions
  if (permissions.join() !== apiKeyOf(row).spec.permissions.join()) {
    requireMayGrant(actor, permissions)
    if (row.id === actor.apiKeyId && holdsAccountAdmin(permissionsOf(row))) {
      if (!holdsAccountAdmin(permissions)) {
        throw failedPrecondition(
          `an API key cannot give up "${ACCOUNT_ADMIN}" itself; use another admin key`,
        )
      }
    }
  }
  const updated = await deps.db
    .transaction()
    .execute(async (trx) => {
      const saved = await keys.updateApiKeyRow(trx, row.id, {
        name: next.metadata.name,
        externalId: next.metadata.externalId ?? '',
        labels: next.metadata.labels ?? {},
        spec: {
          ...(row.spec as StoredSpec),
          description: next.spec.description ?? '',
          permissions: [...permissions],
        },
      })
      await keys.renameProfile(trx, row.key_profile_id, saved.name)
      return saved
    })
    .catch((err) => rethrowUnique(err, 'an API key'))
  return (await withInfo(deps, [updated]))[0]!
}

/**
 * Deletes a key; its token stops working at once. A key may not delete itself: deleting the
 * only admin key would lock everyone out of the account, so another key has to do it.
 */
export async function deleteApiKey(
  deps: Deps,
  actor: Actor,
  ref: string,
  within: string | undefined,
): Promise<void> {
  const row = await findApiKeyRow(deps, actor, ref, within)
  requireAccountSurfaceAccess(actor, row, within)
  if (row.id === actor.apiKeyId) {
    throw failedPrecondition('an API key cannot delete itself; use another key')
  }
  await requireMayManage(deps, actor, row, 'deleting')
  await deps.db.transaction().execute(async (trx) => {
    await keys.deleteApiKeyRow(trx, row.id)
    await removeProfileMemberships(trx, row.key_profile_id)
  })
}

/** Issues a new token; the previous one stops working at once. A key may rotate itself. */
export async function rotateApiKey(
  deps: Deps,
  actor: Actor,
  ref: string,
  within: string | undefined,
): Promise<ApiKey> {
  const row = await findApiKeyRow(deps, actor, ref, within)
  requireAccountSurfaceAccess(actor, row, within)
  await requireMayManage(deps, actor, row, 'rotating')
  const token = generateApiToken()
  const updated = await keys.setApiKeyTokenHash(deps.db, row.id, hashToken(token))
  return (await withInfo(deps, [updated], token))[0]!
}

/**
 * `:enable` / `:disable` (HEAD): a disabled key's token stops working until it is enabled again;
 * its grants and permissions stay. A key cannot disable itself (it would lock its caller out).
 */
export async function setApiKeyEnabled(
  deps: Deps,
  actor: Actor,
  ref: string,
  within: string | undefined,
  enabled: boolean,
): Promise<ApiKey> {
  const row = await findApiKeyRow(deps, actor, ref, within)
  requireAccountSurfaceAccess(actor, row, within)
  if (!enabled && row.id === actor.apiKeyId) {
    throw failedPrecondition('an API key cannot disable itself; use another key')
  }
  await requireMayManage(deps, actor, row, enabled ? 'enabling' : 'disabling')
  const updated = await keys.setApiKeyEnabled(deps.db, row.id, enabled)
  return (await withInfo(deps, [updated]))[0]!
}
