/** A seeded pseudo-random generator (mulberry32): the same seed gives the same draws. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The seed of a run: CHAOS_SEED when set (to replay a run), else a fixed default. */
export function chaosSeed(fallback: number): number {
  const env = Number(process.env.CHAOS_SEED)
  return Number.isInteger(env) && env > 0 ? env : fallback
}

/** Milliseconds as `1234 ms` figures, p50/p99/max of a list (empty: `-`). */
export function latencyFigures(label: string, values: number[]): Record<string, string> {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (p: number) =>
    sorted.length
      ? `${sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!.toFixed(0)} ms`
      : '-'
  return {
    [`${label} p50`]: at(50),
    [`${label} p99`]: at(99),
    [`${label} max`]: sorted.length ? `${sorted.at(-1)!.toFixed(0)} ms` : '-',
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
