import { failedPrecondition, fieldError, notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
import type { Actor, Deps } from '../deps.ts'
import type { Workspace } from './account.schema.ts'
import { findAccount } from './accounts.repository.ts'
import { CreateApiKeyBody, type ApiKey, type CreateAccountApiKeyBody } from './api-key.schema.ts'
import { createApiKey, findApiKeyRow, getApiKey, insertApiKey } from './api-key.service.ts'
import * as members from './members.repository.ts'
import { parseLabelsFilter } from './labels-filter.ts'
import { OWNER_PERMISSIONS, requireAccountAdmin } from './permissions.ts'
import { workspaceOf } from './workspace.service.ts'
import * as workspaces from './workspaces.repository.ts'

/** An active workspace of the actor's account, or NotFound / FailedPrecondition. */
async function activeWorkspace(deps: Deps, accountId: string, ref: string) {
  const ws = await workspaces.findWorkspace(deps.db, accountId, parseIdRef(ref))
  if (!ws) throw notFound('workspace', ref)
  if (ws.status === workspaces.WORKSPACE_ARCHIVED) {
    throw failedPrecondition(`workspace ${ws.id} is archived`)
  }
  return ws
}

/**
 * Account-level create (`POST /v1/account/api_keys`): the key is homed in `workspaceId` when
 * given (any active workspace of the account), else in the caller's home workspace.
 */
export async function createAccountApiKey(
  deps: Deps,
  actor: Actor,
  body: CreateAccountApiKeyBody,
): Promise<ApiKey> {
  const home = body.workspaceId
    ? (await activeWorkspace(deps, actor.accountId, body.workspaceId)).id
    : actor.homeWorkspaceId
  return createApiKey(deps, actor, home, body)
}

/** The active workspaces a key may act in: its home workspace and its grants. */
export async function listApiKeyWorkspaces(
  deps: Deps,
  actor: Actor,
  keyRef: string,
  query: { cursor?: string; limit?: number; sortOrder?: 'asc' | 'desc'; labels?: string },
): Promise<Page<Workspace>> {
  const key = await findApiKeyRow(deps, actor, keyRef, undefined)
  if (key.id !== actor.apiKeyId) requireAccountAdmin(actor, "reading another key's workspaces")
  const position = decodePageRequest(query)
  const { rows, total } = await workspaces.listKeyWorkspaces(
    deps.db,
    { profileId: key.key_profile_id, accountId: key.account_id, homeWorkspaceId: key.workspace_id },
    position,
    parseLabelsFilter(query.labels),
  )
  return toPage(rows, position, total, workspaceOf)
}

/** Grants a key access to a workspace of its account; granting twice is a no-op. */
export async function grantApiKeyWorkspace(
  deps: Deps,
  actor: Actor,
  keyRef: string,
  workspaceRef: string,
): Promise<ApiKey> {
  const key = await findApiKeyRow(deps, actor, keyRef, undefined)
  const ws = await activeWorkspace(deps, actor.accountId, workspaceRef)
  await members.addMember(deps.db, {
    id: deps.ids('workspaceMember'),
    accountId: key.account_id,
    workspaceId: ws.id,
    profileId: key.key_profile_id,
  })
  return getApiKey(deps, actor, key.id, undefined)
}

/**
 * Revokes a key's access to a workspace; revoking a workspace it was never granted is a no-op.
 * The home workspace cannot be revoked: it is where the key's implicit routes act.
 */
export async function revokeApiKeyWorkspace(
  deps: Deps,
  actor: Actor,
  keyRef: string,
  workspaceRef: string,
): Promise<void> {
  const key = await findApiKeyRow(deps, actor, keyRef, undefined)
  const ws = await workspaces.findWorkspace(deps.db, actor.accountId, parseIdRef(workspaceRef))
  if (!ws) throw notFound('workspace', workspaceRef)
  if (ws.id === key.workspace_id) {
    throw failedPrecondition("a key's home workspace cannot be revoked; delete the key instead")
  }
  await members.removeMember(deps.db, ws.id, key.key_profile_id)
}

export interface IssuedApiKey {
  apiKeyId: string
  accountId: string
  workspaceId: string
  token: string
}

/**
 * Issues a key from the command line (`sortie keys create`), acting as the account's owner
 * profile: in `workspaceId`, or else the oldest active workspace of the oldest account.
 */
export async function issueApiKey(
  deps: Deps,
  opts: { workspaceId?: string; name?: string },
): Promise<IssuedApiKey> {
  const parsed = CreateApiKeyBody.safeParse({
    metadata: { name: opts.name ?? 'cli' },
    spec: { description: 'Created with sortie keys create' },
  })
  if (!parsed.success) throw fieldError('--name', parsed.error.issues[0]?.message ?? 'is invalid')
  const ws = opts.workspaceId
    ? await workspaces.findWorkspaceById(deps.db, opts.workspaceId)
    : await workspaces.findFirstActiveWorkspace(deps.db)
  if (!ws) {
    throw opts.workspaceId
      ? notFound('workspace', opts.workspaceId)
      : failedPrecondition('no active workspace exists yet; start `sortie serve` once first')
  }
  if (ws.status === workspaces.WORKSPACE_ARCHIVED) {
    throw failedPrecondition(`workspace ${ws.id} is archived`)
  }
  const account = await findAccount(deps.db, ws.account_id)
  if (!account) throw notFound('account', ws.account_id)
  const { row, token } = await insertApiKey(deps, {
    accountId: account.id,
    homeWorkspaceId: ws.id,
    creatorProfileId: account.profile_id,
    body: parsed.data,
    permissions: OWNER_PERMISSIONS,
  })
  return { apiKeyId: row.id, accountId: account.id, workspaceId: ws.id, token }
}
