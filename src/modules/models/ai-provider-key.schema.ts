import { z } from 'zod'
import {
  CreateResourceMetadata,
  NamedListQuery,
  Profile,
  ResourceMetadata,
  UpdateMask,
  UpdateResourceMetadata,
  pageOf,
} from '../../lib/schemas.ts'

export const AiProvider = z.enum([
  'AI_PROVIDER_OPENROUTER',
  'AI_PROVIDER_OPENAI',
  'AI_PROVIDER_ANTHROPIC',
  'AI_PROVIDER_GOOGLE',
  'AI_PROVIDER_OPENAI_COMPATIBLE',
])
export type AiProvider = z.infer<typeof AiProvider>

/** Accepted on input: the newest API's spelling of Google (GEMINI) and the zero value. */
const AiProviderInput = z
  .enum([...AiProvider.options, 'AI_PROVIDER_GEMINI', 'AI_PROVIDER_UNSPECIFIED'])
  .transform((p) => (p === 'AI_PROVIDER_GEMINI' ? 'AI_PROVIDER_GOOGLE' : p))

export const OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1'

const httpUrl = z
  .string()
  .max(2048)
  .regex(/^https?:\/\/[^\s/]+[^\s]*$/i, 'must be an http(s) URL')

const positiveInt = z.number().int().min(1).max(100_000_000)

export const KeyModel = z
  .object({
    id: z
      .string()
      .regex(/^[\w.-]+\/[\w.:@-]+$/, 'must be a "family/model" id, e.g. "ollama/llama3.1"')
      .max(200),
    name: z.string().trim().min(1, 'is required').max(200),
    maxInputTokens: positiveInt.optional(),
    maxOutputTokens: positiveInt.optional(),
  })
  .meta({ id: 'AIProviderKeyModel' })
export type KeyModel = z.infer<typeof KeyModel>

const SpecInput = z.object({
  provider: AiProviderInput.optional(),
  apiKey: z.string().max(8192).optional(),
  baseUrl: z.union([httpUrl, z.literal('')]).optional(),
  models: z.array(KeyModel).max(500).optional(),
})
export type AiProviderKeySpecInput = z.infer<typeof SpecInput>

/** What an ai_provider_keys row keeps in `spec`; the API key itself is sealed in its own column. */
export interface StoredKeySpec {
  provider: AiProvider
  baseUrl: string
  models: KeyModel[]
}

export const AiProviderKey = z
  .object({
    metadata: ResourceMetadata,
    spec: z.object({
      provider: AiProvider,
      baseUrl: z.string(),
      models: z.array(KeyModel),
    }),
    info: z.object({ createdBy: Profile.optional() }).optional(),
  })
  .meta({ id: 'AIProviderKey', description: 'spec.apiKey is write-only and never returned' })
export type AiProviderKey = z.infer<typeof AiProviderKey>

export const CreateAiProviderKeyBody = z.object({
  metadata: CreateResourceMetadata,
  spec: SpecInput,
})
export type CreateAiProviderKeyBody = z.infer<typeof CreateAiProviderKeyBody>

export const UpdateAiProviderKeyBody = z.object({
  metadata: UpdateResourceMetadata.optional(),
  spec: SpecInput.optional(),
  updateMask: UpdateMask.optional(),
})
export type UpdateAiProviderKeyBody = z.infer<typeof UpdateAiProviderKeyBody>

export const AiProviderKeyParams = z.object({ id: z.string().min(1) })
export const ListAiProviderKeysQuery = NamedListQuery
export const AiProviderKeyPage = pageOf(AiProviderKey)
