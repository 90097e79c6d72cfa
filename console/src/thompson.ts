/**
 * The variation posteriors of docs/decisions.md decision 6: the prior is Beta(1, 1) and each
 * feedback with score s adds r = (s + 1) / 2 to alpha and 1 - r to beta. The API shows
 * `info.score` = alpha / (alpha + beta) and `info.feedbackCount` = n, and alpha + beta = 2 + n,
 * so both parameters follow from what the API serves.
 */
export interface Posterior {
  alpha: number
  beta: number
}

export function posteriorOf(score: number, feedbackCount: number): Posterior {
  const total = 2 + Math.max(0, feedbackCount)
  return { alpha: score * total, beta: (1 - score) * total }
}

/** Replays feedback scores (oldest first) into the posterior after each one. */
export function posteriorHistory(scores: number[]): Posterior[] {
  let p: Posterior = { alpha: 1, beta: 1 }
  const out: Posterior[] = [p]
  for (const s of scores) {
    const r = (Math.max(-1, Math.min(1, s)) + 1) / 2
    p = { alpha: p.alpha + r, beta: p.beta + 1 - r }
    out.push(p)
  }
  return out
}

/** ln Γ(x) by the Lanczos approximation (g = 7), accurate to ~1e-13 for x > 0. */
export function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ]
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x)
  x -= 1
  let a = c[0]
  const t = x + 7.5
  for (let i = 1; i < 9; i++) a += c[i] / (x + i)
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a)
}

/** The Beta(alpha, beta) density at x in (0, 1). */
export function betaDensity(x: number, { alpha, beta }: Posterior): number {
  if (x <= 0 || x >= 1) return 0
  const lnB = lnGamma(alpha) + lnGamma(beta) - lnGamma(alpha + beta)
  return Math.exp((alpha - 1) * Math.log(x) + (beta - 1) * Math.log(1 - x) - lnB)
}

/** P(this variation's theta is the largest) by a deterministic grid integration. */
export function winProbabilities(posteriors: Posterior[], steps = 400): number[] {
  if (posteriors.length <= 1) return posteriors.map(() => 1)
  const xs = Array.from({ length: steps }, (_, i) => (i + 0.5) / steps)
  const pdf = posteriors.map((p) => xs.map((x) => betaDensity(x, p) / steps))
  const cdf = pdf.map((d) => {
    let acc = 0
    return d.map((v) => (acc += v) - v / 2)
  })
  return posteriors.map((_, i) => {
    let win = 0
    for (let k = 0; k < steps; k++) {
      let others = 1
      for (let j = 0; j < posteriors.length; j++) if (j !== i) others *= cdf[j][k]
      win += pdf[i][k] * others
    }
    return win
  })
}
