/**
 * Goals: targets agents work toward (docs/compat.md section 1), with lead-info fields, user-set metrics kept
 * as history, attachments to agents (at most one goal per agent) and AI-generated proposals.
 * The TokenSource and HelpGenie surfaces (src/http/compat/) are adapters over these functions.
 */
export { goalRoutes } from './goals.routes.ts'
export {
  createGoal,
  getGoal,
  listGoals,
  listAllGoals,
  updateGoal,
  deleteGoal,
  type AgentChange,
} from './goal.service.ts'
export { attachGoal, detachGoal, detachAgentGoal, type GoalAttachment } from './attach.service.ts'
export { generateGoal, resolveDefaultModel } from './generate.service.ts'
export {
  currentMetrics,
  listGoalMetrics,
  computeGoalMetrics,
  type GoalFigures,
} from './metrics.service.ts'
export { notFoundResourceType, type Ref as GoalRef } from './goal-refs.ts'
export { profileNumbers } from './goals.repository.ts'
export {
  GoalStatus,
  GoalFields,
  GoalMetrics,
  GoalSpecInput,
  MetricValue,
  type Goal,
  type GoalField,
  type GoalMetric,
  type GoalMetricRecord,
  type GoalProposal,
  type GoalSpec,
} from './goal.schema.ts'
