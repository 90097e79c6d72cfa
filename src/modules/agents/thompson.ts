/**
 * Thompson sampling: how a variation is picked for a new objective, and how feedback moves it
 * (docs/decisions.md, decision 6). Each variation v holds a Beta(alpha_v, beta_v) posterior over
 * its chance of a good outcome, starting at Beta(1, 1). Selection draws theta_v from every
 * posterior and takes the argmax (WEIGHTED mode draws by fixed weights instead); a feedback score
 * s in [-1, 1] is one observation with reward r = (s + 1) / 2: alpha += r, beta += 1 - r. The
 * variation's `score` is the posterior mean alpha / (alpha + beta).
 */

/** A uniform random number in [0, 1); injectable so selection is testable. */
export type Rng = () => number

function standardNormal(rng: Rng): number {
  // Box-Muller; 1 - u keeps log() away from 0.
  const u = 1 - rng()
  const v = rng()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** Gamma(shape, 1) by Marsaglia-Tsang; shapes below 1 use the boost Gamma(a+1) * U^(1/a). */
export function sampleGamma(shape: number, rng: Rng): number {
  if (!(shape > 0)) throw new RangeError('gamma shape must be > 0')
  if (shape < 1) return sampleGamma(shape + 1, rng) * Math.pow(1 - rng(), 1 / shape)
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let x: number
    let v: number
    do {
      x = standardNormal(rng)
      v = 1 + c * x
    } while (v <= 0)
    v = v * v * v
    const u = 1 - rng()
    if (u < 1 - 0.0331 * x ** 4) return d * v
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v
  }
}

/** theta ~ Beta(alpha, beta) as X / (X + Y) with X ~ Gamma(alpha), Y ~ Gamma(beta). */
export function sampleBeta(alpha: number, beta: number, rng: Rng): number {
  const x = sampleGamma(alpha, rng)
  const y = sampleGamma(beta, rng)
  return x + y === 0 ? 0.5 : x / (x + y)
}

export interface VariationChoice {
  id: string
  ts_alpha: number
  ts_beta: number
  weight: number | null
}

/**
 * Picks a variation (docs/decisions.md decision 6). RANDOM and UNSPECIFIED draw theta_v ~ Beta(alpha_v, beta_v) and
 * take the argmax: uniform while no feedback exists, and better-scored variations win more often.
 * WEIGHTED draws with P(v) = weight_v / sum(weights); weight 0 is never drawn. Returns undefined
 * when nothing can be drawn.
 */
export function selectVariation(
  choices: VariationChoice[],
  mode: string | undefined,
  rng: Rng = Math.random,
): string | undefined {
  if (choices.length === 0) return undefined
  if (mode === 'VARIATION_SELECTION_MODE_WEIGHTED') {
    const total = choices.reduce((sum, c) => sum + Math.max(0, c.weight ?? 0), 0)
    if (total <= 0) return undefined
    let point = rng() * total
    for (const c of choices) {
      const w = Math.max(0, c.weight ?? 0)
      if (w === 0) continue
      if (point < w) return c.id
      point -= w
    }
    return choices.filter((c) => (c.weight ?? 0) > 0).at(-1)?.id
  }
  let best: string | undefined
  let bestTheta = -1
  for (const c of choices) {
    const theta = sampleBeta(Math.max(c.ts_alpha, 1e-6), Math.max(c.ts_beta, 1e-6), rng)
    if (theta > bestTheta) {
      bestTheta = theta
      best = c.id
    }
  }
  return best
}

/** The posterior increments one feedback score adds (a score-less feedback adds none). */
export function posteriorUpdate(score: number | null): { alpha: number; beta: number } | null {
  if (score === null) return null
  const reward = (score + 1) / 2
  return { alpha: reward, beta: 1 - reward }
}

/** A variation's score: the mean of its Beta posterior. */
export function posteriorMean(posterior: { ts_alpha: number; ts_beta: number }): number {
  return posterior.ts_alpha / (posterior.ts_alpha + posterior.ts_beta)
}
