/**
 * Secrets: write-only values that tools reference as ${NAME} (docs/decisions.md decision 5), kept per
 * workspace or per tool set.
 */
export { secretRoutes } from './secrets.routes.ts'
export { readSecrets } from './read-secrets.ts'
export type { WorkspaceSecret } from './secret.schema.ts'
