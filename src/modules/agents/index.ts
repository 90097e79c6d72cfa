/** Agents and their variations: the population objectives draw from. */
export { agentRoutes } from './agents.routes.ts'
export { assignmentRoutes } from './assignment.routes.ts'
export { agentOf, validateAgentSpec } from './agent.service.ts'
export { variationOf } from './variation.service.ts'
export { presentVariation } from './discovery-names.ts'
export {
  posteriorMean,
  posteriorUpdate,
  selectVariation,
  sampleBeta,
  type Rng,
} from './thompson.ts'
export { findAgentRow, findVariationRow, type AgentRow, type VariationRow } from './rows.ts'
export type { Agent, AgentSpec, AgentVariation, AgentVariationSpec } from './agent.schema.ts'
export {
  Agent as AgentSchema,
  AgentSpec as AgentSpecSchema,
  AgentVariation as AgentVariationSchema,
  AgentVariationSpec as AgentVariationSpecSchema,
  VariationAssignment as VariationAssignmentSchema,
} from './agent.schema.ts'
