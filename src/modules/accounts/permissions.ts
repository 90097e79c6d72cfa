import { permissionDenied } from '../../lib/errors.ts'
import type { Actor } from '../deps.ts'

/**
 * What an API key may do (docs/api.md, "API keys and account administration"). `*` is every
 * permission inside the workspaces the key may act in; administering the account (its API keys and
 * their workspace access, workspaces, members, profiles, the webhook signing key) needs
 * `account:manage` as well, which `*` does not imply. The key made at first start and the keys
 * `sortie keys create` issues hold both; a key created through the API holds `*` unless an
 * account administrator gives it more.
 */
export const ACCOUNT_ADMIN = 'account:manage'
export const DEFAULT_PERMISSIONS: readonly string[] = ['*']
export const OWNER_PERMISSIONS: readonly string[] = ['*', ACCOUNT_ADMIN]

export const holdsAccountAdmin = (permissions: readonly string[] | undefined): boolean =>
  (permissions ?? DEFAULT_PERMISSIONS).includes(ACCOUNT_ADMIN)

/** 403 (code 7) unless the calling key administers the account. */
export function requireAccountAdmin(actor: Actor, action: string): void {
  if (!actor.accountAdmin) {
    throw permissionDenied(
      `${action} needs an account-admin API key (permission "${ACCOUNT_ADMIN}")`,
    )
  }
}

/** A key gives no permission it lacks: only an account admin grants `account:manage`. */
export function requireMayGrant(actor: Actor, permissions: readonly string[]): void {
  if (holdsAccountAdmin(permissions)) {
    requireAccountAdmin(actor, `granting "${ACCOUNT_ADMIN}"`)
  }
}
