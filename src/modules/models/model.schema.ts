import { z } from 'zod'
import { ListQuery, ResourceMetadata, pageOf } from '../../lib/schemas.ts'

export const ModelStatus = z.enum([
  'MODEL_STATUS_UNSPECIFIED',
  'MODEL_STATUS_ENABLED',
  'MODEL_STATUS_DISABLED',
])
export type ModelStatus = z.infer<typeof ModelStatus>

const int64String = z.string().regex(/^\d+$/).meta({ format: 'int64' })

export const ModelSpec = z
  .object({
    family: z.string(),
    provider: z.string().meta({ description: 'anthropic, openai, google or openai-compatible' }),
    inputPricePerMillionTokens: int64String.meta({ description: 'US cents' }),
    outputPricePerMillionTokens: int64String.meta({ description: 'US cents' }),
    cachedInputPricePerMillionTokens: z
      .string()
      .optional()
      .meta({ description: 'US cents, a decimal string ("12.5"); absent: charged as input' }),
    maxInputTokens: z.number().int(),
    maxOutputTokens: z.number().int(),
    status: ModelStatus,
  })
  .meta({ id: 'ModelSpec' })
export type ModelSpec = z.infer<typeof ModelSpec>

export const Model = z.object({ metadata: ResourceMetadata, spec: ModelSpec }).meta({ id: 'Model' })
export type Model = z.infer<typeof Model>

/** What a models row keeps in its `spec` column (prices as numbers; the provider's own name). */
export interface StoredModelSpec {
  family: string
  provider: string
  providerModelName: string
  maxInputTokens: number
  maxOutputTokens: number
  inputPricePerMillionTokens: number
  outputPricePerMillionTokens: number
  /** Prompt-cache reads (migration 017's catalogue); absent on older rows and key models. */
  cachedInputPricePerMillionTokens?: number
  status: 'MODEL_STATUS_ENABLED' | 'MODEL_STATUS_DISABLED'
}

export const ListModelsQuery = ListQuery.extend({
  prefix: z.string().max(200).optional(),
  status: ModelStatus.optional(),
})
export type ListModelsQuery = z.infer<typeof ListModelsQuery>

/**
 * `status` is needed: an empty body says neither enable nor disable (docs/decisions.md decision
 * 14). The `:enable` and `:disable` verbs take no body.
 */
export const SetModelStatusBody = z.object({
  status: z
    .enum(['MODEL_STATUS_ENABLED', 'MODEL_STATUS_DISABLED'], {
      error: (issue) =>
        issue.input === undefined
          ? 'is required: MODEL_STATUS_ENABLED or MODEL_STATUS_DISABLED'
          : 'must be MODEL_STATUS_ENABLED or MODEL_STATUS_DISABLED',
    })
    .meta({ description: 'MODEL_STATUS_ENABLED or MODEL_STATUS_DISABLED' }),
})

const modelRef = z.string().trim().min(1, 'is required').max(200)

export const SwapModelBody = z.object({
  modelSwaps: z
    .array(
      z.object({
        currentModelId: modelRef,
        nextModelId: modelRef,
        disableCurrentAfterSwap: z.boolean().optional(),
      }),
    )
    .min(1, 'at least one swap is required')
    .max(100),
})
export type SwapModelBody = z.infer<typeof SwapModelBody>

export const ModelIdParams = z.object({ id: z.string().min(1) })
export const ModelNameParams = z.object({ family: z.string().min(1), model: z.string().min(1) })

export const ModelPage = pageOf(Model)
