/**
 * Variation-selection simulation (no server, no database): K variations with hidden success
 * rates, N objectives in a row, each scored +1 (success) or -1 (failure) as feedback. Compares
 * Thompson sampling (RANDOM mode, the engine's own selectVariation and update rule) with uniform
 * choice and with WEIGHTED mode under fixed operator weights. Seeded, so figures are reproducible.
 */
import { posteriorUpdate, selectVariation, type Rng } from '../src/modules/agents/index.ts'
import { table, writeSection } from './report.ts'

const RATES = [0.3, 0.45, 0.5, 0.55, 0.7]
/** An operator's guess that happens to favour the wrong variations. */
const WEIGHTS = [3, 3, 2, 1, 1]
const ROUNDS = 2000
const RUNS = 100

function seeded(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Mode = 'thompson' | 'uniform' | 'weighted'

interface Outcome {
  regret: number
  bestShare: number
  lateBestShare: number
}

function simulate(mode: Mode, seed: number): Outcome {
  const rng = seeded(seed)
  const arms = RATES.map((_, i) => ({
    id: String(i),
    ts_alpha: 1,
    ts_beta: 1,
    weight: WEIGHTS[i]!,
  }))
  const best = RATES.indexOf(Math.max(...RATES))
  let regret = 0
  let bestPicks = 0
  let lateBest = 0
  for (let round = 0; round < ROUNDS; round++) {
    const pick =
      mode === 'uniform'
        ? Math.floor(rng() * arms.length)
        : Number(
            selectVariation(
              arms,
              mode === 'weighted'
                ? 'VARIATION_SELECTION_MODE_WEIGHTED'
                : 'VARIATION_SELECTION_MODE_RANDOM',
              rng,
            ),
          )
    const score = rng() < RATES[pick]! ? 1 : -1
    const update = posteriorUpdate(score)!
    arms[pick]!.ts_alpha += update.alpha
    arms[pick]!.ts_beta += update.beta
    regret += RATES[best]! - RATES[pick]!
    if (pick === best) {
      bestPicks++
      if (round >= ROUNDS - 500) lateBest++
    }
  }
  return { regret, bestShare: bestPicks / ROUNDS, lateBestShare: lateBest / 500 }
}

export async function run(): Promise<void> {
  const modes = ['thompson', 'uniform', 'weighted'] as const
  const results = new Map<Mode, Outcome>()
  for (const mode of modes) {
    const runs = Array.from({ length: RUNS }, (_, i) => simulate(mode, 1000 + i))
    const mean = (f: (o: Outcome) => number) => runs.reduce((s, o) => s + f(o), 0) / RUNS
    results.set(mode, {
      regret: mean((o) => o.regret),
      bestShare: mean((o) => o.bestShare),
      lateBestShare: mean((o) => o.lateBestShare),
    })
  }
  const uniform = results.get('uniform')!.regret
  const rows = modes.map((mode) => {
    const r = results.get(mode)!
    return [
      mode,
      r.regret.toFixed(1),
      (r.regret / uniform).toFixed(2),
      `${(r.bestShare * 100).toFixed(1)} %`,
      `${(r.lateBestShare * 100).toFixed(1)} %`,
    ]
  })
  const body = `Command: \`npm run bench -- selection\` · pure simulation (no server), seeds 1000..${999 + RUNS}

${RATES.length} variations with hidden success rates ${RATES.join(', ')}; ${ROUNDS} objectives in a row, each
scored +1 or -1 by feedback (docs/decisions.md decision 6 update rule); means over ${RUNS} seeded runs. Thompson = RANDOM mode
(the server's \`selectVariation\`); weighted = WEIGHTED mode with fixed weights ${WEIGHTS.join(', ')}.
Regret = sum over rounds of (best rate - chosen rate).

${table(
  [
    'mode',
    'cumulative regret',
    'regret vs uniform',
    'best variation share',
    'best share, last 500',
  ],
  rows,
)}`
  await writeSection('Variation selection', body)
  console.log(body)
}
