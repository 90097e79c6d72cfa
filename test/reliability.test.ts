/**
 * The short variant of every reliability part (chaos/parts/): the same rules `npm run chaos`
 * checks at full size, with fewer requests, rounds and objectives.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadParts } from '../chaos/parts.ts'

const parts = await loadParts()
for (const [name, part] of parts) {
  test(
    `reliability (${name}, short): every rule of the part holds`,
    { timeout: 300_000 },
    async () => {
      const result = await part({ short: true, log: () => {} })
      assert.equal(result.name, name)
      assert.deepEqual(result.failures, [], `${name} failed:\n${result.failures.join('\n')}`)
      assert.ok(result.ok)
    },
  )
}
