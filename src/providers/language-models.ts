import { createHash } from 'node:crypto'
import { createAnthropic } from '@ai-sdk/anthropic'
import { createGoogleGenerativeAI } from '@ai-sdk/google'
import { createOpenAI } from '@ai-sdk/openai'
import { createOpenAICompatible } from '@ai-sdk/openai-compatible'
import type { LanguageModelV3 } from '@ai-sdk/provider'
import type { ProviderTarget } from './contract.ts'
import { ProviderError } from './provider-error.ts'

type ProviderFactory = (modelName: string) => LanguageModelV3

/** Enough for every key of a busy multi-tenant server; the oldest entry goes first. */
const MAX_CACHED_PROVIDERS = 256

/**
 * Builds AI SDK provider instances once per (provider, baseUrl, key) and hands out language
 * models from them. The key is hashed so the cache never holds it as a map key.
 */
export function createLanguageModels(fetchImpl?: typeof fetch) {
  const cache = new Map<string, ProviderFactory>()

  function factoryFor(target: ProviderTarget): ProviderFactory {
    const keyHash = target.apiKey
      ? createHash('sha256').update(target.apiKey).digest('hex').slice(0, 32)
      : ''
    const cacheKey = `${target.provider}\n${target.baseUrl ?? ''}\n${keyHash}`
    const cached = cache.get(cacheKey)
    if (cached) return cached
    const created = buildFactory(target, fetchImpl)
    if (cache.size >= MAX_CACHED_PROVIDERS) cache.delete(cache.keys().next().value as string)
    cache.set(cacheKey, created)
    return created
  }

  return (target: ProviderTarget): LanguageModelV3 => factoryFor(target)(target.modelName)
}

function buildFactory(target: ProviderTarget, fetchImpl?: typeof fetch): ProviderFactory {
  const common = { apiKey: target.apiKey, baseURL: target.baseUrl, fetch: fetchImpl }
  switch (target.provider) {
    case 'openai': {
      // Chat Completions, never the Responses API: it is what OpenAI-like servers implement.
      const provider = createOpenAI(common)
      return (model) => provider.chat(model)
    }
    case 'anthropic': {
      const provider = createAnthropic(common)
      return (model) => provider.messages(model)
    }
    case 'google': {
      const provider = createGoogleGenerativeAI(common)
      return (model) => provider.chat(model)
    }
    case 'openai-compatible': {
      if (!target.baseUrl) {
        throw new ProviderError('an openai-compatible provider needs a base URL', {
          provider: target.provider,
          retryable: false,
        })
      }
      const provider = createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: target.baseUrl,
        apiKey: target.apiKey,
        fetch: fetchImpl,
        includeUsage: true,
      })
      return (model) => provider.chatModel(model)
    }
    default:
      throw new ProviderError(`unknown provider ${String((target as ProviderTarget).provider)}`, {
        provider: String((target as ProviderTarget).provider),
        retryable: false,
      })
  }
}
