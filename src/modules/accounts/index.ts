/**
 * Accounts: the account, its workspaces, profiles and API keys; authentication of requests and
 * the first-start bootstrap.
 */
import type { RouteDef } from '../route.ts'
import { accountRoutes } from './account.routes.ts'
import { apiKeyRoutes } from './api-keys.routes.ts'

export { authenticate, scopeTo } from './auth.service.ts'
export { bootstrapIfEmpty, type BootstrapResult } from './bootstrap.service.ts'
export { permissionFor, requireAccountAdmin, requirePermission } from './permissions.ts'

export { fillChallengeTokens, getWebhookSigningSecret } from './account.service.ts'
export { issueApiKey, type IssuedApiKey } from './api-key-access.service.ts'

/** Every route of the module: account, workspaces, profiles and both API-key surfaces. */
export const accountsRoutes: RouteDef[] = [...accountRoutes, ...apiKeyRoutes]
