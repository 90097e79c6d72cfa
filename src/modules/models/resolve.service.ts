import type { ProviderTarget } from '../../providers/index.ts'
import { AppError, Code, failedPrecondition } from '../../lib/errors.ts'
import type { Deps } from '../deps.ts'
import type { StoredKeySpec } from './ai-provider-key.schema.ts'
import type { BuiltinProvider } from './catalogue.ts'
import type { StoredModelSpec } from './model.schema.ts'
import * as repo from './models.repository.ts'
import { pricesOf, type ModelPrices } from './pricing.ts'

/** A workspace model made callable: which SDK provider, which model name, which credentials. */
export interface ResolvedModel {
  modelId: string
  provider: 'openai' | 'anthropic' | 'google' | 'openai-compatible'
  providerModelName: string
  apiKey?: string
  baseUrl?: string
  maxInputTokens: number
  maxOutputTokens: number
  /** The prices a call is charged at now; undefined: unknown, so its calls show no cost. */
  prices?: ModelPrices
}

const PROVIDER_CREDENTIALS: Record<
  BuiltinProvider,
  { keyProvider: string; apiKeyEnv: string; baseUrlEnv: string }
> = {
  openai: {
    keyProvider: 'AI_PROVIDER_OPENAI',
    apiKeyEnv: 'OPENAI_API_KEY',
    baseUrlEnv: 'OPENAI_BASE_URL',
  },
  anthropic: {
    keyProvider: 'AI_PROVIDER_ANTHROPIC',
    apiKeyEnv: 'ANTHROPIC_API_KEY',
    baseUrlEnv: 'ANTHROPIC_BASE_URL',
  },
  google: {
    keyProvider: 'AI_PROVIDER_GOOGLE',
    apiKeyEnv: 'GOOGLE_GENERATIVE_AI_API_KEY',
    baseUrlEnv: 'GOOGLE_GENERATIVE_AI_BASE_URL',
  },
}

const orUndefined = (s: string | undefined) => (s ? s : undefined)
const priced = (prices: ModelPrices | undefined) => (prices ? { prices } : {})

/**
 * Resolves a variation's `family/model` id in a workspace. Credentials: for models contributed by
 * an OpenAI-compatible or OpenRouter key, that key; for built-in models, the workspace's newest
 * key of the model's provider, else the process environment.
 */
export async function resolveModel(
  deps: Deps,
  workspaceId: string,
  modelId: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedModel> {
  const row = await repo.findModelByName(deps.db, workspaceId, modelId)
  if (!row) {
    throw new AppError(Code.INVALID_ARGUMENT, `unknown model ${JSON.stringify(modelId)}`)
  }
  const spec = row.spec as unknown as StoredModelSpec
  if (spec.status === 'MODEL_STATUS_DISABLED') {
    throw failedPrecondition(`model ${JSON.stringify(modelId)} is disabled in this workspace`)
  }
  const base = {
    modelId,
    providerModelName: spec.providerModelName,
    maxInputTokens: spec.maxInputTokens,
    maxOutputTokens: spec.maxOutputTokens,
    ...priced(pricesOf(modelId, spec)),
  }
  if (row.ai_provider_key_id) {
    const key = await repo.findKeyById(deps.db, row.ai_provider_key_id)
    if (!key) {
      throw failedPrecondition(`the AI provider key of model ${JSON.stringify(modelId)} is gone`)
    }
    const keySpec = key.spec as unknown as StoredKeySpec
    return {
      ...base,
      provider: 'openai-compatible',
      apiKey: orUndefined(deps.box.open(key.api_key_sealed)),
      baseUrl: keySpec.baseUrl,
    }
  }
  const provider = spec.provider as BuiltinProvider
  const creds = PROVIDER_CREDENTIALS[provider]
  if (!creds) {
    throw failedPrecondition(`model ${JSON.stringify(modelId)} has no usable provider`)
  }
  const key = await repo.findNewestKey(deps.db, workspaceId, creds.keyProvider)
  if (key) {
    return {
      ...base,
      provider,
      apiKey: deps.box.open(key.api_key_sealed),
      baseUrl: orUndefined((key.spec as unknown as StoredKeySpec).baseUrl),
    }
  }
  const apiKey = orUndefined(env[creds.apiKeyEnv])
  if (!apiKey) {
    throw failedPrecondition(
      `no credentials for model ${JSON.stringify(modelId)}: set ${creds.apiKeyEnv} in the ` +
        `server environment or create an AI provider key with provider ${creds.keyProvider} ` +
        `in this workspace`,
    )
  }
  return { ...base, provider, apiKey, baseUrl: orUndefined(env[creds.baseUrlEnv]) }
}

/** Where a call to the resolved model goes: the one place a ProviderTarget is built. */
export function providerTarget(model: ResolvedModel): ProviderTarget {
  return {
    provider: model.provider,
    modelName: model.providerModelName,
    apiKey: model.apiKey,
    baseUrl: model.baseUrl,
  }
}
