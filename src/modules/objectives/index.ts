/**
 * Objectives: launching an agent on an initial message, reading its durable history (events,
 * tool calls, context windows, frozen tools), cancelling, continuing and compacting it. The engine
 * (src/engine) runs them; it reads and writes their rows through what is exported here.
 */
import type { RouteDef } from '../route.ts'
import { objectiveRoutes as coreRoutes } from './objectives.routes.ts'
import { toolCallDecisionRoutes } from './tool-call.routes.ts'

/** Every route of the module: objectives, their history, control and tool-call decisions. */
export const objectiveRoutes: RouteDef[] = [...coreRoutes, ...toolCallDecisionRoutes]
export {
  createObjective,
  insertPreparedObjective,
  prepareObjective,
  type PreparedObjective,
  type ReadMemo,
  type ScheduleOrigin,
} from './create-objective.service.ts'
export { validateInputData } from './input-data.ts'
export {
  countSubObjectives,
  lockObjectiveRow,
  preparedMetadata,
  prepareSubObjective,
  settlesParent,
  subAgentDescription,
  subAgentSpawned,
  subAgentParameters,
  subObjectiveOutcomes,
  wakeParent,
  SUB_OBJECTIVE_LIMIT_MESSAGE,
  WAITING_FOR_SUB_OBJECTIVES,
  type SubObjectiveOutcome,
} from './sub-objectives.ts'
export { cancelObjective } from './cancel-objective.service.ts'
export { timeOutInactive } from './timeout-objectives.service.ts'
export { continueObjective } from './continue-objective.service.ts'
export { compactObjective } from './compact.service.ts'
export { decideToolCall, type ToolCallDecision } from './decide-tool-call.service.ts'
export { getObjective, findObjectiveRow } from './read-objective.service.ts'
export {
  callableOf,
  eventOf,
  objectiveMetadata,
  storedEventData,
  storedEventOf,
  type StoredObjectiveData,
  type StoredSubAgent,
  type StoredTool,
} from './objective.mappers.ts'
export type { ObjectiveRow, EventRow } from './objectives.repository.ts'
export * from './objective.ts'
export {
  GET_MEMORY_TOOL_NAME,
  MEMORY_LOAD_SKILL_TOOL_NAME,
  MEMORY_SAVE_TOOL_NAME,
  memoryCallables,
  SUBMIT_OUTPUT_TOOL_NAME,
  TASK_TOOL_NAME,
  submitOutputCallable,
  taskToolCallable,
  discoveryCallables,
  TOOL_LOAD_TOOL_NAME,
  TOOL_SEARCH_TOOL_NAME,
  type BuiltinOwner,
} from './builtin-tools.ts'
export { CANCEL_CHANNEL, WORK_CHANNEL } from './runtime.ts'
export {
  objectiveFiguresForGoal,
  objectiveFiguresForGoals,
  type ObjectiveGoalFigures,
} from './goal-figures.ts'
export {
  budgetHolders,
  endOverBudget,
  warnedCaps,
  type BudgetEnd,
  type BudgetHolder,
  type Spend,
} from './budget.service.ts'
export {
  CAP_NAMES,
  capsOf,
  hasCaps,
  objectiveCaps,
  type CapLimits,
  type Caps,
} from './budget-caps.ts'
