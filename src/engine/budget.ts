/**
 * The per-objective budget of the variation's `constraints` (0 or absent = unlimited): input and
 * output tokens over the objective's life, and wall-clock seconds since it was created. It is
 * checked before every provider call, so once crossed no further call is made.
 */
export interface Budget {
  maxInputTokens: number
  maxOutputTokens: number
  maxDurationSeconds: number
}

export interface Usage {
  inputTokens: number
  outputTokens: number
}

export function budgetOf(constraints: Partial<Budget> = {}): Budget {
  const c = constraints
  return {
    maxInputTokens: c.maxInputTokens ?? 0,
    maxOutputTokens: c.maxOutputTokens ?? 0,
    maxDurationSeconds: c.maxDurationSeconds ?? 0,
  }
}

/** Adds one provider call's tokens to what the objective has used. */
export function spend(used: Usage, usage: Usage): void {
  used.inputTokens += usage.inputTokens
  used.outputTokens += usage.outputTokens
}

/** Why the next provider call may not be made, or undefined while the budget holds. */
export function budgetExceeded(
  budget: Budget,
  used: Usage,
  createdAt: Date,
  now: Date,
): string | undefined {
  if (budget.maxInputTokens > 0 && used.inputTokens >= budget.maxInputTokens) {
    return `input token budget exhausted: ${used.inputTokens} tokens used, constraints.maxInputTokens is ${budget.maxInputTokens}`
  }
  if (budget.maxOutputTokens > 0 && used.outputTokens >= budget.maxOutputTokens) {
    return `output token budget exhausted: ${used.outputTokens} tokens used, constraints.maxOutputTokens is ${budget.maxOutputTokens}`
  }
  const seconds = (now.getTime() - createdAt.getTime()) / 1000
  if (budget.maxDurationSeconds > 0 && seconds >= budget.maxDurationSeconds) {
    return `time budget exhausted: ${Math.floor(seconds)} s since the objective was created, constraints.maxDurationSeconds is ${budget.maxDurationSeconds}`
  }
  return undefined
}
