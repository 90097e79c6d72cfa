import type { RouteDef } from './http/router.ts'
import { agentRoutes } from './modules/agents/index.ts'

/** Every API route, module by module. */
export const allRoutes: RouteDef[] = [...agentRoutes]
