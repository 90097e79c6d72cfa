/** Agents and their variations: the population objectives draw from. */
export { agentRoutes } from './agents.routes.ts'
export { assignmentRoutes } from './assignment.routes.ts'
export { agentOf, findAgentRow } from './agent.service.ts'
export {
  findVariationRow,
  variationOf,
  variationScore,
  type VariationRow,
} from './variation.service.ts'
export type { Agent, AgentSpec, AgentVariation, AgentVariationSpec } from './agent.schema.ts'
