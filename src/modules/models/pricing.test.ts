import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { addUsd, costUsd, formatUsd, pricesOf, usdUnits } from './pricing.ts'

describe('model call cost', () => {
  it('charges input, cached input and output at the catalogue prices, exactly', () => {
    // GPT-5: $1.25 / M input, $0.125 / M cached input, $10 / M output.
    const prices = pricesOf('openai/gpt-5', {
      inputPricePerMillionTokens: 125,
      cachedInputPricePerMillionTokens: 12.5,
      outputPricePerMillionTokens: 1000,
    })!
    const cost = costUsd(prices, { inputTokens: 1000, cachedInputTokens: 400, outputTokens: 7 })
    // 600 * 1.25e-6 + 400 * 0.125e-6 + 7 * 10e-6 = 0.00075 + 0.00005 + 0.00007
    assert.equal(cost, '0.00087')
  })

  it('sums without float drift where floats would', () => {
    assert.equal(0.1 + 0.2 === 0.3, false)
    assert.equal(addUsd('0.1', '0.2'), '0.3')
    assert.equal(formatUsd(usdUnits('12.50') * 3n), '37.5')
  })

  it('a model with no prices (both 0) has unknown prices, not a zero cost', () => {
    assert.equal(pricesOf('tiny/llama', { inputPricePerMillionTokens: 0 }), undefined)
  })

  it('without a cached-input price, cached tokens cost plain input', () => {
    const prices = pricesOf('x/y', {
      inputPricePerMillionTokens: 100,
      outputPricePerMillionTokens: 0,
    })!
    assert.equal(
      costUsd(prices, { inputTokens: 10, cachedInputTokens: 10, outputTokens: 0 }),
      '0.00001',
    )
  })
})
