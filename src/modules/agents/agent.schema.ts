import { z } from 'zod'
import {
  BareMetadata,
  CompactionConfig,
  CreateResourceMetadata,
  NamedListQuery,
  ListQuery,
  Profile,
  ResourceMetadata,
  UpdateMask,
  UpdateResourceMetadata,
  pageOf,
  DurationSeconds,
  UsdAmount,
} from '../../lib/schemas.ts'

export const AgentStatus = z.enum([
  'AGENT_STATUS_UNSPECIFIED',
  'AGENT_STATUS_DRAFT',
  'AGENT_STATUS_PUBLISHED',
  'AGENT_STATUS_ARCHIVED',
])
export const VariationSelectionMode = z.enum([
  'VARIATION_SELECTION_MODE_UNSPECIFIED',
  'VARIATION_SELECTION_MODE_RANDOM',
  'VARIATION_SELECTION_MODE_WEIGHTED',
])

const JsonObject = z.record(z.string(), z.unknown())
const httpUrl = z
  .string()
  .max(2048)
  .refine((u) => u === '' || /^https?:\/\/[^\s]+$/i.test(u), 'must be an http(s) URL')

export const AgentSpec = z
  .object({
    status: AgentStatus.optional(),
    variationSelectionMode: VariationSelectionMode.optional(),
    description: z.string().max(10_000).optional(),
    webhookEventsUrl: httpUrl.optional(),
    inputDataSchema: JsonObject.optional(),
    outputDefinition: JsonObject.optional(),
  })
  .meta({ id: 'AgentSpec' })
export type AgentSpec = z.infer<typeof AgentSpec>

export const Agent = z
  .object({
    metadata: ResourceMetadata,
    spec: AgentSpec,
    info: z
      .object({
        createdBy: Profile.optional(),
        variationCount: z.number().int(),
        /** What its objectives cost, per variation (docs/api.md section 5.11). */
        variationCosts: z
          .array(
            z.object({
              variationId: z.string(),
              objectiveCount: z.number().int(),
              totalCostUsd: z
                .string()
                .optional()
                .meta({ description: 'US dollars; absent while no call had a known price' }),
            }),
          )
          .optional(),
      })
      .optional(),
  })
  .meta({ id: 'Agent' })
export type Agent = z.infer<typeof Agent>

const nonNegativeInt = z.number().int().min(0)

/** Newest API `modelConfig.reasoningEffort`: the enum name, or its bare lower-case level. */
export const ReasoningEffort = z.enum([
  'REASONING_EFFORT_UNSPECIFIED',
  'REASONING_EFFORT_MINIMAL',
  'REASONING_EFFORT_LOW',
  'REASONING_EFFORT_MEDIUM',
  'REASONING_EFFORT_HIGH',
  'minimal',
  'low',
  'medium',
  'high',
])

export const AgentVariationSpec = z
  .object({
    description: z.string().max(10_000).optional(),
    prompt: z.string().max(200_000).optional(),
    /** The newest API's name of `prompt`: one field, both names read and written (variation-spec.ts). */
    systemPromptTemplate: z.string().max(200_000).optional(),
    /** Newest API: a Liquid template rendered with the create's `firstUserMessageData`. */
    firstUserMessageTemplate: z.string().max(200_000).optional(),
    modelConfig: z
      .object({
        modelId: z
          .string()
          .regex(/^[\w.-]+\/[\w.:@-]+$/, 'must be a "family/model" id, e.g. "openai/gpt-4.1-mini"')
          .optional(),
        temperature: z.number().min(0).max(2).optional(),
        // Newest API call settings, passed to the providers that support them (docs/api.md section 10).
        topP: z.number().min(0).max(1).optional(),
        topK: z.number().int().min(1).max(1000).optional(),
        stopSequences: z.array(z.string().min(1).max(200)).max(16).optional(),
        maxOutputTokens: z.number().int().min(1).max(1_000_000).optional(),
        reasoningEffort: ReasoningEffort.optional(),
        cachingEnabled: z.boolean().optional(),
      })
      .optional(),
    constraints: z
      .object({
        maxToolCalls: nonNegativeInt.optional(),
        maxSubObjectives: nonNegativeInt.optional(),
        maxInputTokens: nonNegativeInt.optional(),
        maxOutputTokens: nonNegativeInt.optional(),
        maxDurationSeconds: nonNegativeInt.optional(),
        maxModelCalls: nonNegativeInt.optional(),
        maxCostUsd: UsdAmount.optional(),
        /** Wall-clock cap since creation, a Duration such as "600s" (docs/api.md section 5.11). */
        maxDuration: DurationSeconds.optional(),
        /**
         * An objective that stays RUNNING or WAITING this long without progress (no step, no
         * message) ends TIMED_OUT (docs/api.md section 5.8). The newest API's Duration form.
         */
        inactivityTimeout: z
          .string()
          .regex(/^\d{1,9}(\.\d{1,9})?s$/, 'must be a duration in seconds such as "7200s"')
          .refine((d) => parseFloat(d) >= 1, 'must be at least "1s"')
          .optional(),
      })
      .optional(),
    compactionConfig: CompactionConfig.optional(),
    enableEpisodicMemory: z.boolean().optional(),
    episodicMemoryTtl: nonNegativeInt.optional(),
    toolSelection: z
      .object({
        assignedTools: z.object({ allowDiscovery: z.boolean().optional() }).optional(),
        autoDiscovery: z
          .object({ hints: z.array(z.string()).optional(), maxTools: nonNegativeInt.optional() })
          .optional(),
      })
      .optional(),
    progressiveDiscovery: z
      .object({
        hints: z.array(z.string()).optional(),
        maxTools: nonNegativeInt.optional(),
        rerankThreshold: z.number().min(0).max(1).optional(),
      })
      .optional(),
    weight: nonNegativeInt.optional(),
  })
  .meta({ id: 'AgentVariationSpec' })
export type AgentVariationSpec = z.infer<typeof AgentVariationSpec>

export const VariationAssignment = z
  .object({
    id: z.string(),
    /** Newest API: the key of the populated variant. */
    type: z.enum(['tool', 'toolSet', 'agent']).optional(),
    tool: BareMetadata.optional(),
    toolSet: BareMetadata.optional(),
    agent: BareMetadata.optional(),
  })
  .meta({ id: 'VariationAssignment' })
export type VariationAssignment = z.infer<typeof VariationAssignment>

export const AgentVariation = z
  .object({
    metadata: ResourceMetadata,
    spec: AgentVariationSpec,
    info: z
      .object({
        assignments: z.array(VariationAssignment),
        createdBy: Profile.optional(),
        feedbackCount: z.number().int(),
        model: ResourceMetadata.optional(),
        score: z.number(),
        subAgentCount: z.number().int(),
        toolCount: z.number().int(),
        toolSetCount: z.number().int(),
        memoryLayerAssignments: z.array(
          z.object({ id: z.string(), memoryLayer: BareMetadata, position: z.number().int() }),
        ),
        memoryLayerCount: z.number().int(),
      })
      .optional(),
  })
  .meta({ id: 'AgentVariation' })
export type AgentVariation = z.infer<typeof AgentVariation>

export const CreateVariationBody = z.object({
  metadata: CreateResourceMetadata,
  spec: AgentVariationSpec.default({}),
})

export const CreateAgentBody = z.object({
  metadata: CreateResourceMetadata,
  spec: AgentSpec.default({}),
  defaultVariation: CreateVariationBody.optional(),
})
export type CreateAgentBody = z.infer<typeof CreateAgentBody>

export const UpdateAgentBody = z.object({
  metadata: UpdateResourceMetadata.optional(),
  spec: AgentSpec.optional(),
  updateMask: UpdateMask.optional(),
})
export type UpdateAgentBody = z.infer<typeof UpdateAgentBody>

export const UpdateVariationBody = z.object({
  metadata: UpdateResourceMetadata.optional(),
  spec: AgentVariationSpec.optional(),
  updateMask: UpdateMask.optional(),
})
export type UpdateVariationBody = z.infer<typeof UpdateVariationBody>

export const AgentIdParams = z.object({ id: z.string().min(1) })
export const AgentChildParams = z.object({ agentId: z.string().min(1) })
export const VariationParams = z.object({ agentId: z.string().min(1), id: z.string().min(1) })

export const ListAgentsQuery = NamedListQuery
export const ListVariationsQuery = NamedListQuery
export type ListAgentsQuery = z.infer<typeof ListAgentsQuery>

export const AgentPage = pageOf(Agent)
export const VariationPage = pageOf(AgentVariation)
export { ListQuery }
