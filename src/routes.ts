import type { RouteDef } from './http/router.ts'
import { agentRoutes, assignmentRoutes } from './modules/agents/index.ts'
import { modelsRoutes } from './modules/models/index.ts'
import { secretRoutes } from './modules/secrets/index.ts'
import { toolRoutes } from './modules/tools/index.ts'

/** Every API route, module by module. */
export const allRoutes: RouteDef[] = [
  ...agentRoutes,
  ...modelsRoutes,
  ...secretRoutes,
  ...toolRoutes,
  ...assignmentRoutes,
]
