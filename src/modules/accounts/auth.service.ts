import { hashToken } from '../../lib/crypto.ts'
import { notFound, unauthenticated } from '../../lib/errors.ts'
import type { Actor, Deps, Scope } from '../deps.ts'
import * as repo from './accounts.repository.ts'

/** Resolves a bearer token to the actor it belongs to; unknown or disabled keys are 401. */
export async function authenticate(deps: Deps, token: string | undefined): Promise<Actor> {
  if (!token) throw unauthenticated('missing API key: send "Authorization: Bearer <token>"')
  const key = await repo.findApiKeyByTokenHash(deps.db, hashToken(token))
  if (!key) throw unauthenticated('invalid API key')
  return {
    accountId: key.account_id,
    apiKeyId: key.id,
    profileId: key.key_profile_id,
    homeWorkspaceId: key.workspace_id,
  }
}

/** The actor acting in a workspace it may use; any other workspace is 404, never 403. */
export async function scopeTo(deps: Deps, actor: Actor, workspaceId: string): Promise<Scope> {
  if (workspaceId === actor.homeWorkspaceId) return { ...actor, workspaceId }
  const ws = await repo.findAccessibleWorkspace(
    deps.db,
    actor.apiKeyId,
    actor.accountId,
    workspaceId,
  )
  if (!ws) throw notFound('workspace', workspaceId)
  return { ...actor, workspaceId }
}
