import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TokenBuckets } from './rate-limit.ts'

test('a key spends its burst at once, then waits 1/rate per request; keys do not share a bucket', () => {
  let now = 0
  const buckets = new TokenBuckets({ perSecond: 2, burst: 3 }, () => now)
  assert.deepEqual(
    [1, 2, 3].map(() => buckets.take('a')),
    [0, 0, 0],
  )
  assert.equal(buckets.take('a'), 500)
  assert.equal(buckets.take('b'), 0, 'another key has its own bucket')
  now += 250
  assert.equal(buckets.take('a'), 250, 'half a token earned: a quarter second to go')
  now += 250
  assert.equal(buckets.take('a'), 0)
  now += 60_000
  assert.deepEqual(
    [1, 2, 3, 4].map(() => buckets.take('a')),
    [0, 0, 0, 500],
    'never above burst',
  )
})
