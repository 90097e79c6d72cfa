import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

describe('input Postgres cannot store is a 400, never a 500', () => {
  it('a NUL character in an external id of the path is 400 code 3', async () => {
    for (const path of ['/v1/agents/external_id:a%00b', '/v1/goals/eid:x%00y']) {
      const res = await t.api('GET', path)
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.code, 3)
    }
  })

  it('a NUL character in a name or label is 400 and nothing is created', async () => {
    const before = await t.api('GET', '/v1/agents')
    const bodies = [
      { metadata: { name: 'bad\u0000name' }, spec: {} },
      { metadata: { name: 'ok', labels: { k: 'v\u0000' } }, spec: {} },
    ]
    for (const body of bodies) {
      const res = await t.api('POST', '/v1/agents', body)
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.code, 3)
    }
    const after = await t.api('GET', '/v1/agents')
    assert.equal(after.body.pagination.total, before.body.pagination.total)
  })

  it('a missing required field says "is required" for that field', async () => {
    const res = await t.api('POST', '/v1/workspace_secrets', { metadata: {}, spec: {} })
    assert.equal(res.status, 400)
    const violations = res.body.details[0].fieldViolations
    assert.ok(
      violations.some((v: any) => v.field === 'metadata.name' && /is required/.test(v.description)),
      JSON.stringify(violations),
    )
  })
})
