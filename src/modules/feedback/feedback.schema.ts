import { z } from 'zod'
import {
  BareMetadata,
  CreateOperationMetadata,
  ListQuery,
  OperationMetadata,
  Profile,
  pageOf,
} from '../../lib/schemas.ts'

const Attributes = z
  .record(z.string().min(1).max(63), z.string().max(1024))
  .refine((a) => Object.keys(a).length <= 64, 'at most 64 attributes')

const FeedbackData = z.object({
  score: z
    .number()
    .min(-1, 'must be between -1 and 1')
    .max(1, 'must be between -1 and 1')
    .optional(),
  comment: z.string().max(20_000).optional(),
  attributes: Attributes.optional(),
})

/**
 * Every era: seed 004 sends `{data: {score, comment, attributes}}`; seed 003 adds a required
 * `metadata` and dropped `attributes`; the seed-001 guide sends the flat `{score, comment}`.
 * A body with neither `data` nor a flat field is missing its `data`.
 */
export const CreateFeedbackBody = z
  .object({
    metadata: CreateOperationMetadata.optional(),
    data: FeedbackData.optional(),
    ...FeedbackData.shape,
  })
  .refine(
    (b) =>
      b.data !== undefined ||
      b.score !== undefined ||
      b.comment !== undefined ||
      b.attributes !== undefined,
    { message: 'is required', path: ['data'] },
  )
export type CreateFeedbackBody = z.infer<typeof CreateFeedbackBody>

export const ObjectiveFeedback = z
  .object({
    metadata: OperationMetadata,
    data: z.object({
      score: z.number().optional().meta({ description: '-1..1; absent when none was given' }),
      comment: z.string(),
      attributes: z.record(z.string(), z.string()),
    }),
    info: z
      .object({
        submittedBy: Profile.optional(),
        objective: BareMetadata,
        agentVariation: BareMetadata,
      })
      .optional(),
  })
  .meta({ id: 'ObjectiveFeedback' })
export type ObjectiveFeedback = z.infer<typeof ObjectiveFeedback>

export const SENTIMENTS = [
  'SENTIMENT_UNSPECIFIED',
  'SENTIMENT_POSITIVE',
  'SENTIMENT_NEGATIVE',
  'SENTIMENT_NEUTRAL',
] as const

/** `positive`, `POSITIVE` and `SENTIMENT_POSITIVE` all mean the same filter. */
const Sentiment = z.preprocess((v) => {
  if (typeof v !== 'string') return v
  const upper = v.trim().toUpperCase()
  return upper.startsWith('SENTIMENT_') ? upper : `SENTIMENT_${upper}`
}, z.enum(SENTIMENTS))

const instant = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp' })

export const ListFeedbackQuery = ListQuery
export type ListFeedbackQuery = z.infer<typeof ListFeedbackQuery>

export const ListAgentFeedbackQuery = ListQuery.extend({
  agentVariationId: z.string().min(1).max(300).optional(),
  createdAfter: instant.optional(),
  createdBefore: instant.optional(),
  query: z.string().max(500).optional(),
  sentiment: Sentiment.optional(),
})
export type ListAgentFeedbackQuery = z.infer<typeof ListAgentFeedbackQuery>

export const FeedbackObjectiveParams = z.object({ objectiveId: z.string().min(1) })
export const FeedbackAgentParams = z.object({ agentId: z.string().min(1) })

export const FeedbackPage = pageOf(ObjectiveFeedback)
