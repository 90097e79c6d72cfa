import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sampleBeta, selectVariation, type Rng } from './thompson.ts'

/** A seeded generator (mulberry32) so the statistics below are reproducible. */
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

const v = (id: string, a: number, b: number, weight: number | null = null) => ({
  id,
  ts_alpha: a,
  ts_beta: b,
  weight,
})

describe('variation selection', () => {
  it('Beta samples have the distribution mean alpha/(alpha+beta) and stay in [0, 1]', () => {
    const rng = seeded(1)
    for (const [a, b] of [
      [1, 1],
      [8, 2],
      [0.5, 0.5],
      [2, 30],
    ] as const) {
      let sum = 0
      const n = 20_000
      for (let i = 0; i < n; i++) {
        const x = sampleBeta(a, b, rng)
        assert.ok(x >= 0 && x <= 1)
        sum += x
      }
      assert.ok(Math.abs(sum / n - a / (a + b)) < 0.01, `mean of Beta(${a},${b})`)
    }
  })

  it('Thompson sampling is uniform without feedback', () => {
    const rng = seeded(2)
    const counts = new Map<string, number>()
    const choices = [v('a', 1, 1), v('b', 1, 1), v('c', 1, 1)]
    for (let i = 0; i < 9000; i++) {
      const id = selectVariation(choices, 'VARIATION_SELECTION_MODE_RANDOM', rng)!
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    for (const id of ['a', 'b', 'c']) assert.ok(Math.abs(counts.get(id)! - 3000) < 300, id)
  })

  it('Thompson sampling favours the variation with the better posterior', () => {
    const rng = seeded(3)
    let good = 0
    for (let i = 0; i < 2000; i++) {
      if (selectVariation([v('bad', 2, 8), v('good', 8, 2)], undefined, rng) === 'good') good++
    }
    assert.ok(good > 1900, `good won ${good} of 2000`)
  })

  it('weighted selection follows the weights and never draws weight 0', () => {
    const rng = seeded(4)
    const counts = new Map<string, number>()
    const choices = [v('zero', 1, 1, 0), v('one', 1, 1, 1), v('three', 1, 1, 3)]
    for (let i = 0; i < 8000; i++) {
      const id = selectVariation(choices, 'VARIATION_SELECTION_MODE_WEIGHTED', rng)!
      counts.set(id, (counts.get(id) ?? 0) + 1)
    }
    assert.equal(counts.get('zero'), undefined)
    assert.ok(Math.abs(counts.get('three')! / 8000 - 0.75) < 0.02)
  })

  it('weighted selection with only zero weights draws nothing', () => {
    assert.equal(selectVariation([v('z', 1, 1, 0)], 'VARIATION_SELECTION_MODE_WEIGHTED'), undefined)
    assert.equal(selectVariation([], undefined), undefined)
  })
})
