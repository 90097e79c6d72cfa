import { permissionDenied } from '../../lib/errors.ts'
import type { Actor } from '../deps.ts'

/**
 * What an API key may do (docs/api.md section 1.2). A key holds a list of permissions:
 * - `*`: everything inside the workspaces the key may act in;
 * - `<family>:read` and `<family>:write` (write includes read; `manage` is the older name of
 *   write), where a family is a group of routes (FAMILIES below);
 * - `objectives:control`: cancel, continue, compact, approve and deny;
 * - `account:manage`: administering the account (its API keys and their workspace access,
 *   workspaces, members, profiles, the webhook signing key), which `*` does not imply.
 * The key made at first start and the keys `sortie keys create` issues hold `*` and
 * `account:manage`; a key created through the API holds `*` unless its creator gives it less (or,
 * being an account admin, more). A key never gives a permission it lacks.
 */
export const ACCOUNT_ADMIN = 'account:manage'
export const OBJECTIVES_CONTROL = 'objectives:control'
export const DEFAULT_PERMISSIONS: readonly string[] = ['*']
export const OWNER_PERMISSIONS: readonly string[] = ['*', ACCOUNT_ADMIN]

/** Permission families and the first path segments of the routes each covers. */
export const FAMILIES = {
  agents: ['agents', 'agent_variations'],
  objectives: ['objectives'],
  tools: ['tool_sets', 'tools', 'search'],
  secrets: ['workspace_secrets'],
  models: ['models', 'models:swapModelOnVariations', 'ai_provider_keys'],
  goals: ['goals'],
  webhooks: [],
  memory: ['memory_layers', 'uploads'],
  api_keys: ['api_keys'],
} as const satisfies Record<string, readonly string[]>
type Family = keyof typeof FAMILIES

const FAMILY_NAMES = Object.keys(FAMILIES).join('|')
/** Every permission a key may hold. */
export const PERMISSION_PATTERN = new RegExp(
  `^(\\*|(${FAMILY_NAMES}):(read|write|manage)|${OBJECTIVES_CONTROL}|${ACCOUNT_ADMIN})$`,
)

/** The verbs that steer a running objective rather than create or edit data. */
const CONTROL_VERBS = new Set(['cancel', 'continue', 'compact', 'approve', 'deny', 'setContent'])

export const holdsAccountAdmin = (permissions: readonly string[] | undefined): boolean =>
  (permissions ?? DEFAULT_PERMISSIONS).includes(ACCOUNT_ADMIN)

/** Whether `held` covers `needed`. */
export function covers(held: readonly string[], needed: string): boolean {
  if (held.includes(needed)) return true
  if (needed === ACCOUNT_ADMIN) return false
  if (held.includes('*')) return true
  const [family, verb] = needed.split(':')
  if (verb === 'read' || verb === 'write') {
    return held.includes(`${family}:write`) || held.includes(`${family}:manage`)
  }
  return needed.endsWith(':manage') && held.includes(`${family}:write`)
}

/** Whether `held` covers every one of `permissions`, `*` only by `*` itself. */
export function holdsAll(held: readonly string[], permissions: readonly string[]): boolean {
  return permissions.every((p) => (p === '*' ? held.includes('*') : covers(held, p)))
}

/**
 * The permission a workspace route needs, from its path and method: the family of its first
 * segment (or of `secrets`, `webhook_deliveries`, `feedback` below it), read for GET and write
 * otherwise, `objectives:control` for the steering verbs. A route of no known family needs `*`.
 */
export function permissionFor(method: string, path: string): string {
  const segments = path.split('/').filter(Boolean)
  const last = segments.at(-1) ?? ''
  const verb = method.toLowerCase() === 'get' ? 'read' : 'write'
  if (verb === 'write' && CONTROL_VERBS.has(last)) return OBJECTIVES_CONTROL
  if (segments.includes('secrets')) return `secrets:${verb}`
  if (segments.includes('webhook_deliveries')) return `webhooks:${verb}`
  const family = (Object.keys(FAMILIES) as Family[]).find((f) =>
    (FAMILIES[f] as readonly string[]).includes(segments[0] ?? ''),
  )
  return family ? `${family}:${verb}` : '*'
}

/** 403 (code 7) unless the calling key holds `permission`. */
export function requirePermission(actor: Actor, permission: string, action: string): void {
  if (!covers(actor.permissions, permission)) {
    throw permissionDenied(
      permission === ACCOUNT_ADMIN
        ? `${action} needs an account-admin API key (permission "${ACCOUNT_ADMIN}")`
        : `${action} needs the permission "${permission}", which this API key does not hold`,
    )
  }
}

/** 403 (code 7) unless the calling key administers the account. */
export function requireAccountAdmin(actor: Actor, action: string): void {
  requirePermission(actor, ACCOUNT_ADMIN, action)
}

/** A key gives no permission it lacks. */
export function requireMayGrant(actor: Actor, permissions: readonly string[]): void {
  for (const p of permissions) {
    if (!holdsAll(actor.permissions, [p])) {
      throw permissionDenied(
        p === ACCOUNT_ADMIN
          ? `granting "${p}" needs an account-admin API key`
          : `granting "${p}" needs an API key that holds it`,
      )
    }
  }
}
