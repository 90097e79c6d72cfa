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
          challengeToken: await challengeTokenOf(deps, row),
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
 * The account's challenge token (docs/decisions.md decision 21), made on first read: migrations
 * cannot seal one. Of two first reads at once, the first write wins and both show it.
 */
async function challengeTokenOf(
  deps: Deps,
  row: NonNullable<Awaited<ReturnType<typeof repo.findAccount>>>,
): Promise<string> {
  if (row.challenge_token_sealed) return deps.box.open(row.challenge_token_sealed)
  await repo.setChallengeToken(deps.db, row.id, deps.box.seal(generateChallengeToken()), true)
  const fresh = await repo.findAccount(deps.db, row.id)
  if (!fresh?.challenge_token_sealed) throw notFound('account', row.id)
  return deps.box.open(fresh.challenge_token_sealed)
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
