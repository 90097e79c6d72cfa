import { hashToken } from '../../lib/crypto.ts'
import { notFound, permissionDenied, rateLimited, unauthenticated } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import type { Actor, Deps, Scope } from '../deps.ts'
import * as repo from './accounts.repository.ts'
import { DEFAULT_PERMISSIONS } from './permissions.ts'
import { WORKSPACE_ARCHIVED } from './workspaces.repository.ts'

/**
 * Resolves a bearer token to the actor it belongs to; unknown, deleted or rotated-away tokens are
 * 401. A key homed in an archived workspace is refused (403): archived workspaces reject every
 * request scoped to them, and the implicit route family always acts in the home workspace.
 */
export async function authenticate(deps: Deps, token: string | undefined): Promise<Actor> {
  if (!token) throw unauthenticated('missing API key: send "Authorization: Bearer <token>"')
  const key = await repo.findApiKeyByTokenHash(deps.db, hashToken(token))
  if (!key) throw unauthenticated('invalid API key')
  if (key.status === WORKSPACE_ARCHIVED) {
    throw permissionDenied(`the API key's workspace ${key.workspace_id} is archived`)
  }
  const waitMs = deps.rateLimit(key.id)
  if (waitMs > 0) {
    throw rateLimited(`rate limit exceeded for API key ${key.id}; retry in ${waitMs} ms`, waitMs)
  }
  return {
    accountId: key.account_id,
    apiKeyId: key.id,
    profileId: key.key_profile_id,
    homeWorkspaceId: key.workspace_id,
    permissions: (key.spec as { permissions?: string[] }).permissions ?? DEFAULT_PERMISSIONS,
  }
}

/**
 * The actor acting in a workspace it may use, named by id or `external_id:`; any other workspace
 * is 404, never 403. The scope carries the workspace's real id.
 */
export async function scopeTo(deps: Deps, actor: Actor, workspaceRef: string): Promise<Scope> {
  if (workspaceRef === actor.homeWorkspaceId) return { ...actor, workspaceId: workspaceRef }
  const ws = await repo.findAccessibleWorkspace(deps.db, actor, parseIdRef(workspaceRef))
  if (!ws) throw notFound('workspace', workspaceRef)
  // The key may see it, so saying it is archived reveals nothing new.
  if (ws.status === WORKSPACE_ARCHIVED) throw permissionDenied(`workspace ${ws.id} is archived`)
  return { ...actor, workspaceId: ws.id }
}
