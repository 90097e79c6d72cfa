import { z } from 'zod'
import { notFound } from '../../lib/errors.ts'
import { BareMetadata, Profile } from '../../lib/schemas.ts'
import { loadProfiles } from '../profiles/index.ts'
import type { Actor, Deps } from '../deps.ts'
import { Workspace } from './account.schema.ts'
import * as repo from './accounts.repository.ts'
import { ApiKey } from './api-key.schema.ts'
import { getApiKey } from './api-key.service.ts'
import { workspaceOf } from './workspace.service.ts'
import { findWorkspacesOfAccount } from './workspaces.repository.ts'
import { workspaceIdsOfProfile } from './members.repository.ts'
import { holdsAccountAdmin } from './permissions.ts'

export const WhoAmI = z
  .object({
    apiKey: ApiKey,
    profile: Profile.optional(),
    account: BareMetadata,
    /** The key's own workspace: where the implicit route family acts. */
    workspace: Workspace,
    /** Every workspace the key may act in (an account admin: all of the account's). */
    workspaces: z.array(Workspace),
    permissions: z.array(z.string()),
    accountAdmin: z.boolean(),
  })
  .meta({ id: 'WhoAmI' })
export type WhoAmI = z.infer<typeof WhoAmI>

/**
 * `GET /v1/whoami` (HEAD): the calling key (never its token), its profile, account, workspaces
 * and permissions. Any key may ask about itself; the webhook signing secret is never included.
 */
export async function whoAmI(deps: Deps, actor: Actor): Promise<WhoAmI> {
  const account = await repo.findAccount(deps.db, actor.accountId)
  if (!account) throw notFound('account', actor.accountId)
  const [apiKey, profiles, all, member] = await Promise.all([
    getApiKey(deps, actor, actor.apiKeyId, undefined),
    loadProfiles(deps, [actor.profileId]),
    findWorkspacesOfAccount(deps.db, actor.accountId),
    workspaceIdsOfProfile(deps.db, actor.profileId),
  ])
  const admin = holdsAccountAdmin(actor.permissions)
  const mayAct = new Set([...member.map((w) => w.id), actor.homeWorkspaceId])
  const workspaces = all.filter((w) => admin || mayAct.has(w.id)).map(workspaceOf)
  const home = all.find((w) => w.id === actor.homeWorkspaceId)
  if (!home) throw notFound('workspace', actor.homeWorkspaceId)
  return {
    apiKey,
    ...(profiles.get(actor.profileId) ? { profile: profiles.get(actor.profileId) } : {}),
    account: { id: account.id, name: account.name },
    workspace: workspaceOf(home),
    workspaces,
    permissions: [...actor.permissions],
    accountAdmin: admin,
  }
}
