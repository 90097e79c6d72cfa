import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createIdGenerator, pooledRandom } from './ids.ts'

describe('ids', () => {
  it('ids are prefixed ULIDs, unique and in creation order', () => {
    const ids = createIdGenerator()
    const made = Array.from({ length: 20_000 }, () => ids('event'))
    assert.ok(made.every((id) => /^oevt_[0-9A-HJKMNP-TV-Z]{26}$/.test(id)))
    assert.equal(new Set(made).size, made.length)
    assert.deepEqual([...made].sort(), made)
  })

  it('pooled random fractions lie in [0, 1) and cover every ULID character', () => {
    const random = pooledRandom(64)
    const seen = new Set<number>()
    for (let i = 0; i < 10_000; i++) {
      const x = random()
      assert.ok(x >= 0 && x < 1)
      seen.add(Math.floor(x * 32))
    }
    assert.equal(seen.size, 32)
  })
})
