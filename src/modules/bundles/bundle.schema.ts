import { z } from 'zod'
import {
  AgentSchema,
  AgentSpecSchema,
  AgentVariationSchema,
  AgentVariationSpecSchema,
  VariationAssignmentSchema,
} from '../agents/index.ts'
import { ToolSchema, ToolSetSchema, ToolSetSpecSchema, ToolSpecSchema } from '../tools/index.ts'
import {
  CreateResourceMetadata,
  ListQuery,
  OperationMetadata,
  Profile,
  Timestamp,
  pageOf,
} from '../../lib/schemas.ts'

/**
 * Bulk workspace applies (seed 003 `BulkWorkspaceResources`, docs/api.md section 3.14): a bundle
 * declares agents (with their variations and assignments) and tool sets (with their tools), each
 * keyed by the external id it gets; one apply makes the workspace match it in one transaction.
 */

/** A bundle key, and the keys of its entries (they become external ids). */
const Key = z
  .string()
  .min(1, 'is required')
  .max(200)
  .regex(/^[^:/\s]+$/, 'may not contain spaces, ":" or "/"')

const name = CreateResourceMetadata.shape.name
const labels = CreateResourceMetadata.shape.labels

/** What this server does not take in a bundle yet: present and non-empty is a 400. */
const NotServed = z.unknown().optional()

const ref = z.string().trim().min(1).max(300)

/** One assignment of a variation: an id, or `external_id:<key>` of a bundle entry or other resource. */
export const VariationAssignmentEntry = z
  .object({ toolId: ref.optional(), toolSetId: ref.optional(), subAgentId: ref.optional() })
  .meta({ id: 'VariationAssignmentEntry' })
export type VariationAssignmentEntry = z.infer<typeof VariationAssignmentEntry>

export const AgentVariationEntry = z
  .object({
    name,
    labels,
    spec: AgentVariationSpecSchema.default({}),
    /** The variation's assignments become exactly this list (absent = none). */
    assignments: z.array(VariationAssignmentEntry).max(200).optional(),
    memoryLayers: NotServed,
  })
  .meta({ id: 'AgentVariationEntry' })

export const AgentEntry = z
  .object({
    name,
    labels,
    spec: AgentSpecSchema.default({}),
    variations: z.record(Key, AgentVariationEntry).optional(),
    schedules: NotServed,
  })
  .meta({ id: 'AgentEntry' })

export const ToolEntry = z.object({ name, labels, spec: ToolSpecSchema }).meta({ id: 'ToolEntry' })

export const ToolSetEntry = z
  .object({
    name,
    labels,
    spec: ToolSetSpecSchema,
    tools: z.record(Key, ToolEntry).optional(),
  })
  .meta({ id: 'ToolSetEntry' })

export const BulkWorkspaceApplyData = z
  .object({
    bundleKey: Key,
    sourceUrl: z.string().max(2048).optional(),
    agents: z.record(Key, AgentEntry).optional(),
    toolSets: z.record(Key, ToolSetEntry).optional(),
    memoryLayers: NotServed,
  })
  .meta({ id: 'BulkWorkspaceApplyData' })
export type BulkWorkspaceApplyData = z.infer<typeof BulkWorkspaceApplyData>

export const ApplyBundleBody = z.object({ data: BulkWorkspaceApplyData })
export type ApplyBundleBody = z.infer<typeof ApplyBundleBody>

export const ApplyState = z.enum([
  'STATE_UNSPECIFIED',
  'STATE_PENDING',
  'STATE_VALIDATING',
  'STATE_RUNNING',
  'STATE_SUCCEEDED',
  'STATE_PARTIALLY_APPLIED',
  'STATE_FAILED',
  'STATE_CANCELLED',
])

export const BulkWorkspaceApply = z
  .object({
    metadata: OperationMetadata,
    data: BulkWorkspaceApplyData,
    status: z.object({ state: ApplyState, message: z.string().optional() }),
    info: z
      .object({
        createdBy: Profile.optional(),
        startedAt: Timestamp.optional(),
        completedAt: Timestamp.optional(),
        totalCount: z.number().int(),
        createdCount: z.number().int(),
        updatedCount: z.number().int(),
        unchangedCount: z.number().int(),
        deletedCount: z.number().int(),
        failedCount: z.number().int(),
      })
      .optional(),
  })
  .meta({ id: 'BulkWorkspaceApply' })
export type BulkWorkspaceApply = z.infer<typeof BulkWorkspaceApply>

export const ACTIONS = [
  'ACTION_CREATED',
  'ACTION_UPDATED',
  'ACTION_UNCHANGED',
  'ACTION_DELETED',
] as const
export const Action = z.enum(['ACTION_UNSPECIFIED', ...ACTIONS, 'ACTION_FAILED'])
export type Action = (typeof ACTIONS)[number]

/** The kinds of resource a result is about: the key of its outcome in `data`. */
export const RESULT_TYPES = [
  'toolSet',
  'tool',
  'agent',
  'agentVariation',
  'variationAssignment',
] as const
export type ResultType = (typeof RESULT_TYPES)[number]

const outcome = <T extends z.ZodType>(resource: T) =>
  z.object({ action: Action, externalId: z.string(), resource })

export const BulkWorkspaceApplyResult = z
  .object({
    metadata: OperationMetadata,
    data: z.object({
      type: z.enum(RESULT_TYPES),
      toolSet: outcome(ToolSetSchema).optional(),
      tool: outcome(ToolSchema).optional(),
      agent: outcome(AgentSchema).optional(),
      agentVariation: outcome(AgentVariationSchema).optional(),
      variationAssignment: outcome(VariationAssignmentSchema).optional(),
    }),
  })
  .meta({ id: 'BulkWorkspaceApplyResult' })
export type BulkWorkspaceApplyResult = z.infer<typeof BulkWorkspaceApplyResult>

export const ListAppliesQuery = ListQuery.extend({
  bundleKey: z.string().max(200).optional(),
  state: ApplyState.optional(),
})
export type ListAppliesQuery = z.infer<typeof ListAppliesQuery>

export const ListResultsQuery = ListQuery.extend({
  action: Action.optional(),
  type: z.enum(RESULT_TYPES).optional(),
})
export type ListResultsQuery = z.infer<typeof ListResultsQuery>

export const ApplyIdParams = z.object({ id: z.string().min(1) })
export const ApplyChildParams = z.object({ bulkWorkspaceApplyId: z.string().min(1) })

export const BulkWorkspaceApplyPage = pageOf(BulkWorkspaceApply)
export const BulkWorkspaceApplyResultPage = pageOf(BulkWorkspaceApplyResult)
