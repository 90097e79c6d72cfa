import { z } from 'zod'

const ref = z.string().trim().min(1).max(300)

const target = z.object({ id: ref })

/**
 * Attaches one tool, tool set or sub-agent to a variation. Exactly one target is set (checked by
 * the service so each offending field is named); `type` is the newer SDKs' discriminator. The
 * newest API's union form `{type: "toolSet", toolSet: {id}}` names the same targets.
 */
export const AddAssignmentBody = z.object({
  type: z.enum(['toolId', 'toolSetId', 'subAgentId', 'tool', 'toolSet', 'agent']).optional(),
  toolId: ref.optional(),
  toolSetId: ref.optional(),
  subAgentId: ref.optional(),
  tool: target.optional(),
  toolSet: target.optional(),
  agent: target.optional(),
})
export type AddAssignmentBody = z.infer<typeof AddAssignmentBody>

/** Seed 004: variations addressed by id alone. */
export const FlatVariationParams = z.object({ agentVariationId: z.string().min(1) })
export const FlatAssignmentParams = FlatVariationParams.extend({ id: z.string().min(1) })

/** Seed 003: variations nested under their agent. */
export const NestedVariationParams = z.object({
  agentId: z.string().min(1),
  variationId: z.string().min(1),
})
export const NestedAssignmentParams = NestedVariationParams.extend({ id: z.string().min(1) })

export { VariationAssignment } from './agent.schema.ts'
