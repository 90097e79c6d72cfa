import type { RouteDef } from './modules/route.ts'
import { accountsRoutes } from './modules/accounts/index.ts'
import { agentRoutes, assignmentRoutes } from './modules/agents/index.ts'
import { bundleRoutes } from './modules/bundles/index.ts'
import { feedbackRoutes } from './modules/feedback/index.ts'
import { goalRoutes } from './modules/goals/index.ts'
import { memoryAssignmentRoutes, memoryRoutes } from './modules/memory/index.ts'
import { modelsRoutes } from './modules/models/index.ts'
import { objectiveRoutes } from './modules/objectives/index.ts'
import { scheduleRoutes } from './modules/schedules/index.ts'
import { secretRoutes } from './modules/secrets/index.ts'
import { streamRoutes } from './modules/streams/index.ts'
import { taskRoutes } from './modules/tasks/index.ts'
import { toolRoutes } from './modules/tools/index.ts'
import { uploadRoutes } from './modules/uploads/index.ts'
import { webhookRoutes } from './modules/webhooks/index.ts'

/** Every API route, module by module. */
export const allRoutes: RouteDef[] = [
  ...accountsRoutes,
  ...agentRoutes,
  ...modelsRoutes,
  ...streamRoutes,
  ...webhookRoutes,
  ...objectiveRoutes,
  ...secretRoutes,
  ...toolRoutes,
  ...assignmentRoutes,
  ...feedbackRoutes,
  ...taskRoutes,
  ...goalRoutes,
  ...scheduleRoutes,
  ...memoryRoutes,
  ...memoryAssignmentRoutes,
  ...uploadRoutes,
  ...bundleRoutes,
]
