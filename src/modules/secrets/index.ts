/** Workspace secrets: write-only values that tools reference as ${NAME} (API.md decision 5). */
export { secretRoutes } from './secrets.routes.ts'
export { readWorkspaceSecrets } from './secret.service.ts'
export type { WorkspaceSecret } from './secret.schema.ts'
