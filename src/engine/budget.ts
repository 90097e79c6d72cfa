import { formatUsd, usdUnits } from '../modules/models/index.ts'
import type { BudgetEnd, BudgetHolder, Spend, StoredEvent } from '../modules/objectives/index.ts'

/** Tokens one provider call used. */
export interface Usage {
  inputTokens: number
  outputTokens: number
}

/** What the budget says before a model call or a spawn (docs/api.md section 5.11). */
export interface Verdict {
  /** A cap is reached: this objective (the run's own or an ancestor) ends. */
  end?: BudgetEnd & { objectiveId: string }
  /** `budget.near` notices due on the run's own objective (80 % of a cap, once per cap). */
  near: StoredEvent[]
}

export const NEAR_RATIO = 0.8

interface Reading {
  cap: string
  /** used / cap */
  ratio: number
  exceeded: string
  near: string
  timedOut?: boolean
}

/** Each cap of a holder with its figures; caps at 0 are absent. */
function readings(h: BudgetHolder, extra: Spend | undefined, now: Date): Reading[] {
  const c = h.caps
  const s = {
    inputTokens: h.spend.inputTokens + (extra?.inputTokens ?? 0),
    outputTokens: h.spend.outputTokens + (extra?.outputTokens ?? 0),
    modelCalls: h.spend.modelCalls + (extra?.modelCalls ?? 0),
    cost: usdUnits(h.spend.costUsd) + usdUnits(extra?.costUsd ?? '0'),
  }
  const tree = h.descendants > 0 ? ' (sub-objectives included)' : ''
  const out: Reading[] = []
  const count = (cap: string, used: number, max: number, what: string, unit: string) => {
    if (max <= 0) return
    out.push({
      cap,
      ratio: used / max,
      exceeded: `${what} budget exhausted: ${used} ${unit} used${tree}, ${cap} is ${max}`,
      near: `${what} budget ${Math.floor((used / max) * 100)} % used: ${used} of ${max} ${unit}${tree} (${cap})`,
    })
  }
  count('maxInputTokens', s.inputTokens, c.maxInputTokens, 'input token', 'tokens')
  count('maxOutputTokens', s.outputTokens, c.maxOutputTokens, 'output token', 'tokens')
  count('maxModelCalls', s.modelCalls, c.maxModelCalls, 'model call', 'calls')
  const maxCost = usdUnits(c.maxCostUsd)
  if (maxCost > 0n) {
    const spent = formatUsd(s.cost)
    // Compared as integers: 1e-11 USD units, so no float decides a cap.
    out.push({
      cap: 'maxCostUsd',
      ratio: s.cost >= maxCost ? 1 : s.cost * 5n >= maxCost * 4n ? NEAR_RATIO : 0,
      exceeded: `cost budget exhausted: ${spent} USD spent${tree}, maxCostUsd is ${c.maxCostUsd}`,
      near: `cost budget at least 80 % used: ${spent} of ${c.maxCostUsd} USD${tree} (maxCostUsd)`,
    })
  }
  if (c.maxDurationSeconds > 0) {
    const seconds = (now.getTime() - h.createdAt.getTime()) / 1000
    const shown =
      c.durationName === 'maxDuration' ? `${c.maxDurationSeconds}s` : c.maxDurationSeconds
    out.push({
      cap: c.durationName,
      ratio: seconds / c.maxDurationSeconds,
      exceeded: `time budget exhausted: ${Math.floor(seconds)} s since the objective was created, ${c.durationName} is ${shown}`,
      near: `time budget ${Math.floor((seconds / c.maxDurationSeconds) * 100)} % used: ${Math.floor(seconds)} s of ${shown} (${c.durationName})`,
      timedOut: true,
    })
  }
  return out
}

/**
 * Judges the caps of the run's objective and its ancestors against their trees' spend (plus
 * `extra`, spend not yet committed). The outermost objective over a cap ends, which ends its
 * whole tree. Checked before every model call and spawn, so a cap is passed by at most the one
 * call that crossed it.
 */
export function judge(
  holders: BudgetHolder[],
  now: Date,
  warned: Set<string>,
  extra?: Spend,
): Verdict {
  const near: StoredEvent[] = []
  for (const h of [...holders].sort((a, b) => b.depth - a.depth)) {
    const rs = readings(h, extra, now)
    const over = rs.find((r) => r.ratio >= 1)
    if (over) {
      return {
        near: [],
        end: {
          objectiveId: h.id,
          state: over.timedOut ? 'TIMED_OUT' : 'FAILED',
          message: over.exceeded,
          notice: {
            type: 'notice',
            payload: { level: 'LEVEL_WARN', key: 'budget.exceeded', message: over.exceeded },
            x: { cap: `exceeded:${over.cap}` },
          },
        },
      }
    }
    if (h.depth !== 0) continue
    for (const r of rs) {
      if (r.ratio < NEAR_RATIO || warned.has(r.cap)) continue
      near.push({
        type: 'notice',
        payload: { level: 'LEVEL_WARN', key: 'budget.near', message: r.near },
        x: { cap: r.cap },
      })
    }
  }
  return { near }
}
