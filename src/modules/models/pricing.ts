import type { StoredModelSpec } from './model.schema.ts'

/**
 * A model's prices as one call is charged at them: US cents per million tokens, as the catalogue
 * states them (docs/decisions.md decision 11). Cached input may cost a fraction of a cent
 * (12.5 for GPT-5), so prices are exact to a thousandth of a cent.
 */
export interface ModelPrices {
  modelId: string
  inputPricePerMillionTokens: number
  cachedInputPricePerMillionTokens: number
  outputPricePerMillionTokens: number
}

export interface PricedUsage {
  /** All input tokens, cached ones included (what the objective's token counters add up). */
  inputTokens: number
  /** The part of `inputTokens` the provider read from its prompt cache. */
  cachedInputTokens?: number
  outputTokens: number
}

/**
 * The prices of a workspace model, or undefined when Sortie does not know them: a model whose
 * input and output prices are both 0 (those an AI provider key contributes) shows no cost rather
 * than a false 0. Unknown cached-input prices charge cached tokens as plain input.
 */
export function pricesOf(
  modelId: string,
  spec: Partial<StoredModelSpec> & { cachedInputPricePerMillionTokens?: number },
): ModelPrices | undefined {
  const input = Number(spec.inputPricePerMillionTokens ?? 0)
  const output = Number(spec.outputPricePerMillionTokens ?? 0)
  if (!(input > 0) && !(output > 0)) return undefined
  const cached = spec.cachedInputPricePerMillionTokens
  return {
    modelId,
    inputPricePerMillionTokens: input,
    cachedInputPricePerMillionTokens: cached === undefined ? input : Number(cached),
    outputPricePerMillionTokens: output,
  }
}

// Dollars are kept as integers of 1e-11 USD: a price exact to 1/1000 cent per million tokens
// costs a whole number of these per token, so every sum is exact (no float drift).
const SCALE = 11
const UNIT = 10n ** BigInt(SCALE)
const milliCents = (cents: number) => BigInt(Math.round(cents * 1000))

/** The cost of one model call in US dollars, as a decimal string ("0.0042"). */
export function costUsd(prices: ModelPrices, usage: PricedUsage): string {
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens)
  const units =
    BigInt(usage.inputTokens - cached) * milliCents(prices.inputPricePerMillionTokens) +
    BigInt(cached) * milliCents(prices.cachedInputPricePerMillionTokens) +
    BigInt(usage.outputTokens) * milliCents(prices.outputPricePerMillionTokens)
  return formatUsd(units)
}

/** A decimal dollar string as 1e-11 USD units (digits past the 11th are dropped). */
export function usdUnits(usd: string): bigint {
  const [whole = '0', frac = ''] = usd.trim().split('.')
  return BigInt(whole || '0') * UNIT + BigInt((frac + '0'.repeat(SCALE)).slice(0, SCALE))
}

/** 1e-11 USD units as the shortest exact decimal string ("0.25", "3"). */
export function formatUsd(units: bigint): string {
  const whole = units / UNIT
  const frac = (units % UNIT).toString().padStart(SCALE, '0').replace(/0+$/, '')
  return frac ? `${whole}.${frac}` : `${whole}`
}

/** Adds decimal dollar strings exactly. */
export function addUsd(...amounts: string[]): string {
  return formatUsd(amounts.reduce((sum, a) => sum + usdUnits(a), 0n))
}
