import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { backoffDelay, ProviderError, retryAfterMs } from './provider-error.ts'

describe('retryAfterMs', () => {
  it('prefers retry-after-ms over retry-after seconds', () => {
    assert.equal(retryAfterMs({ 'retry-after-ms': '250', 'retry-after': '9' }), 250)
    assert.equal(retryAfterMs({ 'Retry-After': '3' }), 3000)
  })

  it('reads an HTTP date as the time left until then', () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString()
    const ms = retryAfterMs({ 'retry-after': inTenSeconds })
    assert.ok(ms !== undefined && ms > 8000 && ms <= 10_000, String(ms))
  })

  it('ignores missing or unreadable values', () => {
    assert.equal(retryAfterMs({}), undefined)
    assert.equal(retryAfterMs({ 'retry-after': 'soon' }), undefined)
  })
})

describe('backoffDelay', () => {
  const opts = { baseDelayMs: 500, maxDelayMs: 30_000 }
  const err = (retryAfter?: number) =>
    new ProviderError('x', { provider: 'openai', retryable: true, retryAfterMs: retryAfter })

  it('draws a full-jitter delay below base * 2^(attempt-1), capped by maxDelayMs', () => {
    assert.equal(
      backoffDelay(1, err(), opts, () => 0.999),
      499,
    )
    assert.equal(
      backoffDelay(3, err(), opts, () => 0.5),
      1000,
    )
    assert.equal(
      backoffDelay(20, err(), opts, () => 0.999),
      29_970,
    )
  })

  it('uses the provider-requested delay, bounded by maxDelayMs', () => {
    assert.equal(backoffDelay(1, err(4000), opts), 4000)
    assert.equal(backoffDelay(1, err(60_000), opts), 30_000)
  })
})
