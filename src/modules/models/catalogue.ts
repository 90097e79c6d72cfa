/**
 * The built-in model catalogue every workspace is seeded with (docs/decisions.md decision 11). Ids are
 * `family/model`; `providerModelName` is what the provider's API calls the model. Prices are US
 * cents per million tokens (int64 strings on the wire; cached input as a decimal string); `maxInputTokens` is the context window the
 * engine compacts against, so for models whose input limit is below their total context (GPT-5)
 * it is the input limit.
 */
export type BuiltinProvider = 'anthropic' | 'openai' | 'google'

export interface CatalogueModel {
  id: string
  provider: BuiltinProvider
  providerModelName: string
  maxInputTokens: number
  maxOutputTokens: number
  inputPricePerMillionTokens: number
  outputPricePerMillionTokens: number
  /** Prompt-cache reads; may be a fraction of a cent (models/pricing.ts). */
  cachedInputPricePerMillionTokens: number
}

const m = (
  id: string,
  provider: BuiltinProvider,
  providerModelName: string,
  [maxInputTokens, maxOutputTokens]: [number, number],
  [inputPricePerMillionTokens, outputPricePerMillionTokens, cachedInputPricePerMillionTokens]: [
    number,
    number,
    number,
  ],
): CatalogueModel => ({
  id,
  provider,
  providerModelName,
  maxInputTokens,
  maxOutputTokens,
  inputPricePerMillionTokens,
  outputPricePerMillionTokens,
  cachedInputPricePerMillionTokens,
})

const GEMINI_CONTEXT = 1_048_576
const GPT_41_CONTEXT = 1_047_576

export const BUILTIN_MODELS: readonly CatalogueModel[] = [
  m('claude/opus-4.5', 'anthropic', 'claude-opus-4-5', [200_000, 64_000], [500, 2500, 50]),
  m('claude/opus-4.1', 'anthropic', 'claude-opus-4-1', [200_000, 32_000], [1500, 7500, 150]),
  m('claude/opus-4', 'anthropic', 'claude-opus-4-0', [200_000, 32_000], [1500, 7500, 150]),
  m('claude/sonnet-4.5', 'anthropic', 'claude-sonnet-4-5', [200_000, 64_000], [300, 1500, 30]),
  m('claude/sonnet-4', 'anthropic', 'claude-sonnet-4-0', [200_000, 64_000], [300, 1500, 30]),
  m('claude/haiku-4.5', 'anthropic', 'claude-haiku-4-5', [200_000, 64_000], [100, 500, 10]),
  m('openai/gpt-5.1', 'openai', 'gpt-5.1', [272_000, 128_000], [125, 1000, 12.5]),
  m('openai/gpt-5', 'openai', 'gpt-5', [272_000, 128_000], [125, 1000, 12.5]),
  m('openai/gpt-5-mini', 'openai', 'gpt-5-mini', [272_000, 128_000], [25, 200, 2.5]),
  m('openai/gpt-5-nano', 'openai', 'gpt-5-nano', [272_000, 128_000], [5, 40, 0.5]),
  m('openai/gpt-4.1', 'openai', 'gpt-4.1', [GPT_41_CONTEXT, 32_768], [200, 800, 50]),
  m('openai/gpt-4.1-mini', 'openai', 'gpt-4.1-mini', [GPT_41_CONTEXT, 32_768], [40, 160, 10]),
  m('openai/gpt-4.1-nano', 'openai', 'gpt-4.1-nano', [GPT_41_CONTEXT, 32_768], [10, 40, 2.5]),
  m('openai/gpt-4o', 'openai', 'gpt-4o', [128_000, 16_384], [250, 1000, 125]),
  m('openai/gpt-4o-mini', 'openai', 'gpt-4o-mini', [128_000, 16_384], [15, 60, 7.5]),
  m('openai/o3', 'openai', 'o3', [200_000, 100_000], [200, 800, 50]),
  m('openai/o4-mini', 'openai', 'o4-mini', [200_000, 100_000], [110, 440, 27.5]),
  m(
    'google/gemini-3-pro-preview',
    'google',
    'gemini-3-pro-preview',
    [GEMINI_CONTEXT, 65_536],
    [200, 1200, 20],
  ),
  m(
    'google/gemini-2.5-pro',
    'google',
    'gemini-2.5-pro',
    [GEMINI_CONTEXT, 65_536],
    [125, 1000, 12.5],
  ),
  m(
    'google/gemini-2.5-flash',
    'google',
    'gemini-2.5-flash',
    [GEMINI_CONTEXT, 65_536],
    [30, 250, 3],
  ),
  m(
    'google/gemini-2.5-flash-lite',
    'google',
    'gemini-2.5-flash-lite',
    [GEMINI_CONTEXT, 65_536],
    [10, 40, 1],
  ),
  m(
    'google/gemini-2.0-flash',
    'google',
    'gemini-2.0-flash',
    [GEMINI_CONTEXT, 8_192],
    [10, 40, 2.5],
  ),
]
