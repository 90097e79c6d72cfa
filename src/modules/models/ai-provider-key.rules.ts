import { fieldError } from '../../lib/errors.ts'
import {
  OPENROUTER_BASE_URL,
  type AiProvider,
  type AiProviderKeySpecInput,
  type StoredKeySpec,
} from './ai-provider-key.schema.ts'

/** Providers whose keys bring their own model list (the endpoint serves models we do not know). */
export const CONTRIBUTES_MODELS: ReadonlySet<AiProvider> = new Set([
  'AI_PROVIDER_OPENAI_COMPATIBLE',
  'AI_PROVIDER_OPENROUTER',
])

/**
 * Checks a key's whole spec (after create defaults or an update merge) and returns what is
 * stored. Local OpenAI-compatible servers (Ollama, vLLM) often need no API key; the others do.
 */
export function checkKeySpec(spec: AiProviderKeySpecInput, hasApiKey: boolean): StoredKeySpec {
  const provider = spec.provider
  if (!provider || provider === 'AI_PROVIDER_UNSPECIFIED') {
    throw fieldError('spec.provider', 'is required')
  }
  let baseUrl = spec.baseUrl ?? ''
  if (provider === 'AI_PROVIDER_OPENAI_COMPATIBLE' && !baseUrl) {
    throw fieldError('spec.baseUrl', 'is required for AI_PROVIDER_OPENAI_COMPATIBLE')
  }
  if (provider === 'AI_PROVIDER_OPENROUTER' && !baseUrl) baseUrl = OPENROUTER_BASE_URL
  if (!hasApiKey && provider !== 'AI_PROVIDER_OPENAI_COMPATIBLE') {
    throw fieldError('spec.apiKey', `is required for ${provider}`)
  }
  const models = spec.models ?? []
  if (models.length && !CONTRIBUTES_MODELS.has(provider)) {
    throw fieldError(
      'spec.models',
      'only keys of AI_PROVIDER_OPENAI_COMPATIBLE or AI_PROVIDER_OPENROUTER declare models',
    )
  }
  const seen = new Set<string>()
  for (const [i, model] of models.entries()) {
    if (seen.has(model.id)) throw fieldError(`spec.models.${i}.id`, `duplicates ${model.id}`)
    seen.add(model.id)
  }
  return { provider, baseUrl, models }
}
