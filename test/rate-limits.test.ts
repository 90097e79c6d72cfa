/**
 * Per-API-key rate limits (SORTIE_RATE_LIMIT_RPS / _BURST): a key that spent its burst gets 429
 * code 8 with `Retry-After`, a google.rpc.RetryInfo detail, and no change; other keys are not
 * held back; the compat surfaces answer 429 in their own envelopes.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  // One token per 100 s: the fourth request of a burst of three is refused however slow the run.
  t = await startTestSortie({ SORTIE_RATE_LIMIT_RPS: '0.01', SORTIE_RATE_LIMIT_BURST: '3' })
})
after(() => t?.sortie.stop())

describe('per-key rate limits', () => {
  it('a key past its burst gets 429 code 8 with Retry-After and RetryInfo, and its request changes nothing', async () => {
    const admin = await t.sortie.http.app.request('/v1/api_keys', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'limited' } }),
    })
    const key = (await admin.json()) as any
    const as = { token: key.spec.token as string }
    for (let i = 0; i < 3; i++) {
      assert.equal((await t.api('GET', '/v1/agents', undefined, as)).status, 200)
    }
    const refused = await t.api('POST', '/v1/agents', { metadata: { name: 'x' }, spec: {} }, as)
    assert.equal(refused.status, 429, JSON.stringify(refused.body))
    assert.equal(refused.body.code, 8)
    assert.match(refused.body.message, /rate limit exceeded/)
    const retry = refused.body.details.find((d: any) => /RetryInfo$/.test(d['@type']))
    assert.match(retry.retryDelay, /^\d+\.\d{3}s$/)
    const seconds = Number(refused.headers.get('retry-after'))
    assert.ok(seconds >= 1 && seconds <= 100, `Retry-After ${seconds}`)
    assert.ok(Number(refused.headers.get('retry-after-ms')) > 0)
    // The admin key has its own bucket (two requests left): nothing was created.
    const agents = await t.api('GET', '/v1/agents')
    assert.equal(agents.status, 200)
    assert.equal(agents.body.items.length, 0)
  })

  it('the compat surfaces answer 429 in their own envelopes with Retry-After', async () => {
    const created = await t.api('POST', '/v1/api_keys', { metadata: { name: 'compat' } })
    const token = created.body.spec.token as string
    const call = (path: string) =>
      t.sortie.http.app.request(path, { headers: { authorization: `Bearer ${token}` } })
    for (let i = 0; i < 3; i++) assert.equal((await call('/tokensource/v1/objectives')).status, 200)
    const ts = await call('/tokensource/v1/objectives')
    assert.equal(ts.status, 429)
    assert.ok(Number(ts.headers.get('retry-after')) >= 1)
    assert.match(((await ts.json()) as any).error, /rate limit exceeded/)
    const hg = await call('/helpgenie/v1/goals')
    assert.equal(hg.status, 429)
    assert.ok(Number(hg.headers.get('retry-after')) >= 1)
    const body = (await hg.json()) as any
    assert.equal(body.success, false)
    assert.equal(body.error.code, 'RATE_LIMIT_EXCEEDED')
  })
})
