import { generateChallengeToken, generateWebhookSecret } from '../../lib/crypto.ts'
import { notFound } from '../../lib/errors.ts'
import type { Actor, Deps } from '../deps.ts'
import type { Account } from './account.schema.ts'
import * as repo from './accounts.repository.ts'
import { workspaceOf } from './workspace.service.ts'
import { findWorkspacesOfAccount } from './workspaces.repository.ts'
import { workspaceIdsOfProfile } from './members.repository.ts'
import { holdsAccountAdmin } from './permissions.ts'

type AccountSpec = { billingEmail?: string; description?: string; domain?: string }

/**
 * The account with its active workspaces. `info.webhookEventsHmacSecret` is the one place the
 * webhook signing secret is ever shown, and only to an account admin: with it anyone can sign a
 * webhook of any workspace. Any other key sees the workspaces it may act in and no secret.
 */
export async function getAccount(deps: Deps, actor: Actor): Promise<Account> {
  const row = await repo.findAccount(deps.db, actor.accountId)
  if (!row) throw notFound('account', actor.accountId)
  const all = await findWorkspacesOfAccount(deps.db, row.id)
  const admin = holdsAccountAdmin(actor.permissions)
  const workspaces = admin ? all : await accessibleOnly(deps, actor, all)
  const spec = row.spec as AccountSpec
  return {
    metadata: {
      id: row.id,
      accountId: row.id,
      name: row.name,
      profileId: row.profile_id,
      externalId: row.external_id,
      labels: row.labels ?? {},
    },
    spec: {
      billingEmail: spec.billingEmail ?? '',
      description: spec.description ?? '',
      domain: spec.domain ?? '',
      workspaces: workspaces.map(workspaceOf),
    },
    info: admin
      ? {
          webhookEventsHmacSecret: deps.box.open(row.webhook_secret_sealed),
          ...(row.challenge_token_sealed
            ? { challengeToken: deps.box.open(row.challenge_token_sealed) }
            : {}),
        }
      : {},
  }
}

async function accessibleOnly<W extends { id: string }>(deps: Deps, actor: Actor, all: W[]) {
  const ids = new Set(
    (await workspaceIdsOfProfile(deps.db, actor.profileId))
      .map((w) => w.id)
      .concat(actor.homeWorkspaceId),
  )
  return all.filter((w) => ids.has(w.id))
}

/** Replaces the webhook signing secret; deliveries signed from now on use the new one. */
export async function rotateWebhookSigningKey(
  deps: Deps,
  actor: Actor,
): Promise<{ webhookEventsHmacSecret: string }> {
  const secret = generateWebhookSecret()
  const result = await repo.setWebhookSecret(deps.db, actor.accountId, deps.box.seal(secret))
  if (!result.numUpdatedRows) throw notFound('account', actor.accountId)
  return { webhookEventsHmacSecret: secret }
}

/**
 * Gives every account made before migration 021 its challenge token (docs/decisions.md decision
 * 21). Run at start, never on a request: a read must change nothing. Accounts made since get one
 * at creation. Of two processes starting at once, the first write wins.
 */
export async function fillChallengeTokens(deps: Pick<Deps, 'db' | 'box'>): Promise<void> {
  for (const { id } of await repo.accountsWithoutChallengeToken(deps.db)) {
    await repo.setChallengeToken(deps.db, id, deps.box.seal(generateChallengeToken()), true)
  }
}

/** Replaces the challenge token; the old one is no longer shown. */
export async function rotateChallengeToken(
  deps: Deps,
  actor: Actor,
): Promise<{ challengeToken: string }> {
  const token = generateChallengeToken()
  const result = await repo.setChallengeToken(deps.db, actor.accountId, deps.box.seal(token))
  if (!result.numUpdatedRows) throw notFound('account', actor.accountId)
  return { challengeToken: token }
}

/** The account's Standard Webhooks signing secret (`whsec_...`), for the webhook dispatcher. */
export async function getWebhookSigningSecret(
  deps: Pick<Deps, 'db' | 'box'>,
  accountId: string,
): Promise<string> {
  const row = await repo.findAccount(deps.db, accountId)
  if (!row) throw notFound('account', accountId)
  return deps.box.open(row.webhook_secret_sealed)
}
