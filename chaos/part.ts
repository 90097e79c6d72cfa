/**
 * One part of the reliability suite (`npm run chaos`): it runs bounded, against loopback only,
 * and reports its figures for RELIABILITY.md. `short` is the quick variant `npm test` runs.
 */
export interface ChaosOptions {
  /** The quick variant used by `npm test`: fewer requests, rounds and objectives. */
  short: boolean
  /** Progress lines go here (stderr in `npm run chaos`). */
  log: (line: string) => void
}

export interface ChaosResult {
  /** The part's name as `npm run chaos -- <name>` takes it: fuzz, isolation, secrets, crash, webhooks, cancel. */
  name: string
  /** True when every rule the part checks held. */
  ok: boolean
  /** Figures in the order they are reported: label -> value (numbers or short text). */
  figures: Record<string, string | number>
  /** Each rule that did not hold, with enough detail to reproduce it (empty when ok). */
  failures: string[]
}

export type ChaosPart = (options: ChaosOptions) => Promise<ChaosResult>
