import type { ModelCallRequest } from '../providers/index.ts'

/** The call settings of a variation's `modelConfig` (the newest API adds all but temperature). */
export interface ModelConfigSettings {
  temperature?: number
  topP?: number
  topK?: number
  stopSequences?: string[]
  maxOutputTokens?: number
  reasoningEffort?: string
  cachingEnabled?: boolean
}

type CallSettings = Pick<
  ModelCallRequest,
  | 'temperature'
  | 'topP'
  | 'topK'
  | 'stopSequences'
  | 'maxOutputTokens'
  | 'reasoningEffort'
  | 'cachingEnabled'
>

/**
 * What a provider call takes from the frozen variation's modelConfig. The AI SDK adapters pass
 * each setting in their provider's wire form and drop (with a warning) what the model does not
 * support, e.g. topK on OpenAI, temperature on a reasoning model.
 */
export function callSettingsOf(config: ModelConfigSettings | undefined): CallSettings {
  if (!config) return {}
  const effort = config.reasoningEffort?.replace(/^REASONING_EFFORT_/, '').toLowerCase()
  return {
    temperature: config.temperature,
    ...(config.topP !== undefined ? { topP: config.topP } : {}),
    ...(config.topK !== undefined ? { topK: config.topK } : {}),
    ...(config.stopSequences?.length ? { stopSequences: config.stopSequences } : {}),
    ...(config.maxOutputTokens !== undefined ? { maxOutputTokens: config.maxOutputTokens } : {}),
    ...(effort && effort !== 'unspecified'
      ? { reasoningEffort: effort as CallSettings['reasoningEffort'] }
      : {}),
    ...(config.cachingEnabled ? { cachingEnabled: true } : {}),
  }
}
