import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadConfig } from '../../config.ts'
import type { SendResult } from './sender.ts'
import { outcomeOf, retryDelayMs, retryWindowMs, scheduledDelayMs } from './retry-policy.ts'

const defaults = loadConfig({}).webhooks
const H = 3_600_000
const M = 60_000

const response = (status: number): SendResult => ({
  kind: 'response',
  status,
  headers: {},
  contentLength: 0,
  latencyMs: 1,
  error: '',
})

describe('webhook retry policy', () => {
  it('follows a seconds-to-hours schedule by default: 5 s, 30 s, 2 min, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
    assert.equal(defaults.maxAttempts, 10)
    const waits = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => scheduledDelayMs(n, defaults))
    assert.deepEqual(waits, [5000, 30_000, 2 * M, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H])
  })

  it('the retry window (creation to last attempt) is 27 h 37 min 35 s by default', () => {
    assert.equal(retryWindowMs(defaults), 27 * H + 37 * M + 35_000)
  })

  it('no wait is longer than the last entry of the schedule, which repeats', () => {
    const policy = { maxAttempts: 20, retryScheduleMs: [10, 20] }
    assert.deepEqual(
      [1, 2, 3, 10, 19].map((n) => scheduledDelayMs(n, policy)),
      [10, 20, 20, 20, 20],
    )
    assert.equal(retryWindowMs(policy), 10 + 18 * 20)
  })

  it('jitter keeps each wait within ±10 % of the schedule', () => {
    assert.equal(
      retryDelayMs(6, defaults, () => 0),
      Math.round(2 * H * 0.9),
    )
    assert.equal(
      retryDelayMs(6, defaults, () => 1),
      Math.round(2 * H * 1.1),
    )
  })

  it('the schedule and attempts are read from SORTIE_WEBHOOK_RETRY_SCHEDULE and _MAX_ATTEMPTS', () => {
    const c = loadConfig({
      SORTIE_WEBHOOK_RETRY_SCHEDULE: '250ms, 2s,1m,1.5h,40',
      SORTIE_WEBHOOK_MAX_ATTEMPTS: '3',
    }).webhooks
    assert.deepEqual(c.retryScheduleMs, [250, 2000, M, 1.5 * H, 40])
    assert.equal(retryWindowMs(c), 2250)
    for (const bad of ['', '5x', '1,,2', '25h', '-1s']) {
      assert.throws(
        () => loadConfig({ SORTIE_WEBHOOK_RETRY_SCHEDULE: bad }),
        /SORTIE_WEBHOOK_RETRY_SCHEDULE/,
        bad,
      )
    }
  })

  it('2xx completes, 410 disables, others retry until the last attempt, then fail', () => {
    const policy = { maxAttempts: 3, retryScheduleMs: [100] }
    assert.deepEqual(outcomeOf(response(204), 0, true, policy), { status: 'COMPLETED' })
    assert.deepEqual(outcomeOf(response(410), 0, true, policy), { status: 'DISABLED' })
    assert.equal(outcomeOf(response(500), 1, true, policy).status, 'PENDING')
    assert.deepEqual(outcomeOf(response(500), 2, true, policy), { status: 'FAILED' })
    assert.deepEqual(outcomeOf(response(500), 0, false, policy), { status: 'FAILED' })
    const refused = { ...response(0), kind: 'refused' as const }
    assert.deepEqual(outcomeOf(refused, 0, true, policy), { status: 'FAILED' })
  })
})
