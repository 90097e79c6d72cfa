import { sql } from 'kysely'
import {
  generateApiToken,
  generateChallengeToken,
  generateWebhookSecret,
  hashToken,
} from '../../lib/crypto.ts'
import type { Deps } from '../deps.ts'
import * as repo from './accounts.repository.ts'
import { addMember } from './members.repository.ts'
import { OWNER_PERMISSIONS } from './permissions.ts'

const BOOTSTRAP_LOCK_KEY = 8675309

export interface BootstrapResult {
  accountId: string
  workspaceId: string
  apiKeyId: string
  token: string
}

/**
 * On an empty database, creates the first account, workspace, profile and admin API key, all in
 * one transaction; concurrent starts serialise on a lock so only one of them creates anything.
 * Returns undefined when an account already exists.
 */
export async function bootstrapIfEmpty(
  deps: Deps,
  opts: { token?: string },
): Promise<BootstrapResult | undefined> {
  return deps.db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`.execute(trx)
    const { n } = await repo.countAccounts(trx)
    if (Number(n) > 0) return undefined
    const accountId = deps.ids('account')
    const workspaceId = deps.ids('workspace')
    const adminProfileId = deps.ids('profile')
    const keyProfileId = deps.ids('profile')
    const apiKeyId = deps.ids('apiKey')
    const token = opts.token ?? generateApiToken()
    await repo.insertAccount(trx, {
      id: accountId,
      name: 'Sortie',
      profileId: adminProfileId,
      webhookSecretSealed: deps.box.seal(generateWebhookSecret()),
      challengeTokenSealed: deps.box.seal(generateChallengeToken()),
    })
    await repo.insertProfile(trx, {
      id: adminProfileId,
      accountId,
      type: 'PROFILE_TYPE_USER',
      name: 'Administrator',
    })
    await repo.insertProfile(trx, {
      id: keyProfileId,
      accountId,
      type: 'PROFILE_TYPE_API_KEY',
      name: 'admin',
    })
    await repo.insertWorkspace(trx, {
      id: workspaceId,
      accountId,
      name: 'Default',
      profileId: adminProfileId,
    })
    await repo.insertApiKey(trx, {
      id: apiKeyId,
      accountId,
      workspaceId,
      profileId: adminProfileId,
      keyProfileId,
      name: 'admin',
      description: 'Created at first start',
      permissions: OWNER_PERMISSIONS,
      tokenHash: hashToken(token),
    })
    for (const profileId of [adminProfileId, keyProfileId]) {
      await addMember(trx, { id: deps.ids('workspaceMember'), accountId, workspaceId, profileId })
    }
    const result = { accountId, workspaceId, apiKeyId, token }
    return result
  })
}
