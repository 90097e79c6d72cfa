import { addUsd, usdUnits } from '../models/index.ts'

/**
 * An objective's budget (docs/api.md section 5.11): caps on what it and its sub-objectives spend,
 * 0 (or "0") meaning none. The variation's `constraints` set them; an objective may lower them at
 * creation (its `budget`), never raise them (docs/decisions.md decision 17).
 */
export interface Caps {
  maxInputTokens: number
  maxOutputTokens: number
  maxModelCalls: number
  /** US dollars, a decimal string. */
  maxCostUsd: string
  maxDurationSeconds: number
  /** The name the duration cap was given as, for messages. */
  durationName: 'maxDuration' | 'maxDurationSeconds'
}

/** The caps as a variation's `constraints` or a create body's `budget` state them. */
export interface CapLimits {
  maxInputTokens?: number
  maxOutputTokens?: number
  maxModelCalls?: number
  maxCostUsd?: string | number
  /** A Duration string such as "600s". */
  maxDuration?: string
  /** The older form, still accepted. */
  maxDurationSeconds?: number
}

export const CAP_NAMES = [
  'maxInputTokens',
  'maxOutputTokens',
  'maxModelCalls',
  'maxCostUsd',
  'maxDuration',
] as const

const seconds = (d: string | undefined) => (d ? parseFloat(d) : 0)

/** Caps from limits; when both duration forms are set the shorter one holds. */
export function capsOf(c: CapLimits = {}): Caps {
  const a = seconds(c.maxDuration)
  const b = c.maxDurationSeconds ?? 0
  const useA = a > 0 && (b <= 0 || a <= b)
  return {
    maxInputTokens: c.maxInputTokens ?? 0,
    maxOutputTokens: c.maxOutputTokens ?? 0,
    maxModelCalls: c.maxModelCalls ?? 0,
    maxCostUsd: c.maxCostUsd === undefined ? '0' : addUsd(String(c.maxCostUsd)),
    maxDurationSeconds: useA ? a : b,
    durationName: useA ? 'maxDuration' : 'maxDurationSeconds',
  }
}

/** True when the objective has any cap at all (the engine skips its checks otherwise). */
export function hasCaps(c: Caps): boolean {
  return (
    c.maxInputTokens > 0 ||
    c.maxOutputTokens > 0 ||
    c.maxModelCalls > 0 ||
    usdUnits(c.maxCostUsd) > 0n ||
    c.maxDurationSeconds > 0
  )
}

/**
 * The caps of an objective created with `budget` under a variation's caps: each of the body's
 * caps must be at most the variation's (where it has one); a higher one is refused with the field
 * it came from. A cap the body leaves out (or sets to 0) keeps the variation's.
 */
export function lowerCaps(
  variation: Caps,
  budget: CapLimits,
): { caps: Caps; violations: { field: string; description: string }[] } {
  const asked = capsOf(budget)
  const violations: { field: string; description: string }[] = []
  const pick = (field: string, mine: number, theirs: number, shown: string) => {
    if (mine <= 0) return theirs
    if (theirs > 0 && mine > theirs) {
      violations.push({
        field: `budget.${field}`,
        description: `must not exceed the variation's constraints.${field} (${shown})`,
      })
    }
    return mine
  }
  const cost = pick(
    'maxCostUsd',
    Number(usdUnits(asked.maxCostUsd)),
    Number(usdUnits(variation.maxCostUsd)),
    variation.maxCostUsd,
  )
  const durationField = budget.maxDuration !== undefined ? 'maxDuration' : 'maxDurationSeconds'
  const duration = pick(
    durationField,
    asked.maxDurationSeconds,
    variation.maxDurationSeconds,
    variation.durationName === 'maxDuration'
      ? `${variation.maxDurationSeconds}s`
      : String(variation.maxDurationSeconds),
  )
  return {
    caps: {
      maxInputTokens: pick(
        'maxInputTokens',
        asked.maxInputTokens,
        variation.maxInputTokens,
        String(variation.maxInputTokens),
      ),
      maxOutputTokens: pick(
        'maxOutputTokens',
        asked.maxOutputTokens,
        variation.maxOutputTokens,
        String(variation.maxOutputTokens),
      ),
      maxModelCalls: pick(
        'maxModelCalls',
        asked.maxModelCalls,
        variation.maxModelCalls,
        String(variation.maxModelCalls),
      ),
      maxCostUsd:
        cost === Number(usdUnits(asked.maxCostUsd)) ? asked.maxCostUsd : variation.maxCostUsd,
      maxDurationSeconds: duration,
      durationName:
        duration === asked.maxDurationSeconds && asked.maxDurationSeconds > 0
          ? asked.durationName
          : variation.durationName,
    },
    violations,
  }
}

/** The caps an objective runs under: frozen at creation, or (older rows) its variation's. */
export function objectiveCaps(data: {
  budget?: Caps
  variation?: { spec?: { constraints?: CapLimits } }
}): Caps {
  return data.budget ?? capsOf(data.variation?.spec?.constraints)
}
