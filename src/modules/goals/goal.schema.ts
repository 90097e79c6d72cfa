import { z } from 'zod'
import {
  CreateResourceMetadata,
  ListQuery,
  NamedListQuery,
  ResourceMetadata,
  Timestamp,
  UpdateMask,
  UpdateResourceMetadata,
  pageOf,
} from '../../lib/schemas.ts'

export const GoalStatus = z.enum([
  'GOAL_STATUS_ACTIVE',
  'GOAL_STATUS_ON_TRACK',
  'GOAL_STATUS_NEEDS_ATTENTION',
  'GOAL_STATUS_COMPLETED',
  'GOAL_STATUS_PAUSED',
  'GOAL_STATUS_ARCHIVED',
])
export type GoalStatus = z.infer<typeof GoalStatus>

export const GoalFieldType = z.enum([
  'string',
  'number',
  'boolean',
  'email',
  'phone',
  'date',
  'enum',
])
export type GoalFieldType = z.infer<typeof GoalFieldType>

const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/

/** A piece of lead information the agent should collect. */
export const GoalField = z
  .object({
    key: z
      .string()
      .max(64)
      .regex(SNAKE_CASE, 'must be snake_case (lower-case letters, digits and single underscores)'),
    label: z.string().max(200).optional(),
    type: GoalFieldType,
    required: z.boolean().default(false),
    description: z.string().max(2000).optional(),
    options: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
  })
  .superRefine((field, ctx) => {
    if (field.type === 'enum' && !field.options?.length) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'is required for type enum' })
    }
    if (field.type !== 'enum' && field.options !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'is only allowed for type enum' })
    }
    const seen = new Set<string>()
    field.options?.forEach((option, i) => {
      if (seen.has(option)) {
        ctx.addIssue({ code: 'custom', path: ['options', i], message: 'duplicates an option' })
      }
      seen.add(option)
    })
  })
  .meta({ id: 'GoalField' })
export type GoalField = z.infer<typeof GoalField>

/** Items whose `key` repeats an earlier one are reported at their own index. */
function uniqueKeys<T extends { key: string }>(what: string) {
  return (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>()
    items.forEach((item, i) => {
      if (seen.has(item.key)) {
        ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `duplicates another ${what}` })
      }
      seen.add(item.key)
    })
  }
}

export const GoalFields = z.array(GoalField).max(100).superRefine(uniqueKeys('field key'))

export const MetricValue = z.union([z.string().max(10_000), z.number(), z.boolean()])
export type MetricValue = z.infer<typeof MetricValue>

export const GoalMetric = z
  .object({ key: z.string().trim().min(1, 'is required').max(200), value: MetricValue })
  .meta({ id: 'GoalMetric' })
export type GoalMetric = z.infer<typeof GoalMetric>

export const GoalMetrics = z.array(GoalMetric).max(100).superRefine(uniqueKeys('metric key'))

const INT32_MAX = 2_147_483_647

/** What a request may set; every field optional (defaults are applied by the service). */
export const GoalSpecInput = z
  .object({
    description: z.string().max(10_000).nullable().optional(),
    status: GoalStatus.optional(),
    priority: z
      .number()
      .int('must be an integer')
      .min(0)
      .max(INT32_MAX)
      .nullable()
      .optional()
      .meta({ description: 'Lower is more important' }),
    fields: GoalFields.optional(),
    metrics: GoalMetrics.optional(),
  })
  .meta({ id: 'GoalSpecInput' })
export type GoalSpecInput = z.infer<typeof GoalSpecInput>

export const GoalSpec = z
  .object({
    description: z.string().nullable(),
    status: GoalStatus,
    priority: z.number().int().nullable(),
    fields: z.array(GoalField),
    metrics: z.array(GoalMetric),
  })
  .meta({ id: 'GoalSpec' })
export type GoalSpec = z.infer<typeof GoalSpec>

export const GoalComputedMetrics = z
  .object({
    objectivesTotal: z.number().int(),
    objectivesFinalized: z.number().int(),
    objectivesFailed: z.number().int(),
    fieldsCollectedRate: z.number(),
    meanFeedbackScore: z.number(),
  })
  .meta({ id: 'GoalComputedMetrics' })
export type GoalComputedMetrics = z.infer<typeof GoalComputedMetrics>

export const GoalAgent = z
  .object({ id: z.string(), name: z.string(), number: z.number().int() })
  .meta({ id: 'GoalAgent' })
export type GoalAgent = z.infer<typeof GoalAgent>

export const Goal = z
  .object({
    metadata: ResourceMetadata.extend({ number: z.number().int(), updatedAt: Timestamp }),
    spec: GoalSpec,
    info: z.object({ agents: z.array(GoalAgent), metrics: GoalComputedMetrics }).optional(),
  })
  .meta({ id: 'Goal' })
export type Goal = z.infer<typeof Goal>

export const CreateGoalBody = z.object({
  metadata: CreateResourceMetadata,
  spec: GoalSpecInput.default({}),
})
export type CreateGoalBody = z.infer<typeof CreateGoalBody>

export const UpdateGoalBody = z.object({
  metadata: UpdateResourceMetadata.optional(),
  spec: GoalSpecInput.optional(),
  updateMask: UpdateMask.optional(),
})
export type UpdateGoalBody = z.infer<typeof UpdateGoalBody>

export const ListGoalsQuery = NamedListQuery.extend({
  status: GoalStatus.optional(),
  agentId: z.string().min(1).max(300).optional(),
})
export type ListGoalsQuery = z.infer<typeof ListGoalsQuery>

export const GoalIdParams = z.object({ id: z.string().min(1) })

export const AgentRefBody = z.object({ agentId: z.string().trim().min(1, 'is required').max(300) })

export const GenerateGoalBody = z.object({
  description: z.string().trim().min(1, 'is required').max(4000),
})

/** What `generate` suggests; nothing is saved. */
export const GoalProposal = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(10_000),
    priority: z.number().int().min(0).max(INT32_MAX).nullable(),
    fields: GoalFields,
  })
  .meta({ id: 'GoalProposal' })
export type GoalProposal = z.infer<typeof GoalProposal>

/** One history row of a user-set metric; `value` null records the key's removal. */
export const GoalMetricRecord = z
  .object({
    id: z.string().meta({ format: 'int64' }),
    goalId: z.string(),
    key: z.string(),
    value: MetricValue.nullable(),
    profileId: z.string(),
    createdAt: Timestamp,
  })
  .meta({ id: 'GoalMetricRecord' })
export type GoalMetricRecord = z.infer<typeof GoalMetricRecord>

export const ListGoalMetricsQuery = ListQuery.omit({ includeInfo: true }).extend({
  key: z.string().min(1).max(200).optional(),
})
export type ListGoalMetricsQuery = z.infer<typeof ListGoalMetricsQuery>

export const GoalPage = pageOf(Goal)
export const GoalMetricPage = pageOf(GoalMetricRecord)
