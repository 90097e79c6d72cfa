import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { capsOf, hasCaps, lowerCaps } from './budget-caps.ts'

describe('budget caps', () => {
  it('no constraints means no caps; maxDuration and maxDurationSeconds: the shorter holds', () => {
    assert.equal(hasCaps(capsOf()), false)
    const both = capsOf({ maxDuration: '30s', maxDurationSeconds: 60 })
    assert.equal(both.maxDurationSeconds, 30)
    assert.equal(both.durationName, 'maxDuration')
    const older = capsOf({ maxDuration: '90s', maxDurationSeconds: 60 })
    assert.equal(older.durationName, 'maxDurationSeconds')
    assert.equal(capsOf({ maxCostUsd: 0.5 }).maxCostUsd, '0.5')
  })

  it('an objective budget lowers the variation caps and keeps those it leaves out', () => {
    const variation = capsOf({ maxCostUsd: '1.00', maxModelCalls: 10, maxDuration: '600s' })
    const { caps, violations } = lowerCaps(variation, { maxCostUsd: '0.25', maxDuration: '60s' })
    assert.deepEqual(violations, [])
    assert.equal(caps.maxCostUsd, '0.25')
    assert.equal(caps.maxModelCalls, 10)
    assert.equal(caps.maxDurationSeconds, 60)
  })

  it('a budget above the variation cap is refused, naming the field; one where the variation has none is taken', () => {
    const variation = capsOf({ maxCostUsd: '1', maxModelCalls: 3 })
    const { caps, violations } = lowerCaps(variation, {
      maxCostUsd: '1.5',
      maxModelCalls: 3,
      maxInputTokens: 500,
    })
    assert.deepEqual(
      violations.map((v) => v.field),
      ['budget.maxCostUsd'],
    )
    assert.match(violations[0]!.description, /constraints\.maxCostUsd \(1\)/)
    assert.equal(caps.maxInputTokens, 500)
  })
})
