import { costUsd, type ResolvedModel } from '../modules/models/index.ts'
import type { ModelCallResult } from '../providers/index.ts'
import type { StepWrite } from './journal.ts'

/** One model call's spend, as the step that records it commits it (docs/api.md section 5.11). */
export interface CallCost {
  modelId: string
  inputTokens: number
  cachedInputTokens: number
  outputTokens: number
  /** US dollars, a decimal string; absent when the model's prices are unknown. */
  costUsd?: string
}

/**
 * Charges a model call to the step that records its answer: one more model call, its cost at the
 * model's prices now (snapshotted on the window, so a later price change rewrites nothing).
 * Returns the call's spend for whoever observes calls.
 */
export function charge(
  step: StepWrite,
  usage: ModelCallResult['usage'],
  model: ResolvedModel,
): CallCost {
  const cost = model.prices ? costUsd(model.prices, usage) : undefined
  step.add = { ...step.add, modelCalls: (step.add?.modelCalls ?? 0) + 1 }
  if (cost !== undefined) {
    step.add.costUsd = cost
    step.prices = model.prices
  }
  return {
    modelId: model.modelId,
    inputTokens: usage.inputTokens,
    cachedInputTokens: usage.cachedInputTokens ?? 0,
    outputTokens: usage.outputTokens,
    ...(cost !== undefined ? { costUsd: cost } : {}),
  }
}
