/**
 * Objectives: launching an agent on an initial message, reading its durable history (events,
 * tool calls, context windows, frozen tools), cancelling and continuing it. The engine
 * (src/engine) runs them; it reads and writes their rows through what is exported here.
 */
export { objectiveRoutes } from './objectives.routes.ts'
export { createObjective } from './create-objective.service.ts'
export { cancelObjective, continueObjective } from './control-objective.service.ts'
export { getObjective, findObjectiveRow } from './read-objective.service.ts'
export {
  callableOf,
  storedEventData,
  storedEventOf,
  type StoredObjectiveData,
  type StoredTool,
} from './objective.mappers.ts'
export type { ObjectiveRow, EventRow } from './objectives.repository.ts'
export * from './objective.ts'
export { CANCEL_CHANNEL, WORK_CHANNEL } from './runtime.ts'
export { selectVariation, sampleBeta, type Rng } from './variation-selection.ts'
