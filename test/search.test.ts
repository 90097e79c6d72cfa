import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
  await t.api('POST', '/v1/agents', {
    metadata: { name: 'Billing helper' },
    spec: { description: 'answers invoice questions' },
  })
  await t.api('POST', '/v1/agents', { metadata: { name: 'greeter' } })
  const set = await t.api('POST', '/v1/tool_sets', {
    metadata: { name: 'payments' },
    spec: { description: 'Stripe INVOICE api', adapter: { http: { baseUrl: 'https://p.test' } } },
  })
  await t.api('POST', `/v1/tool_sets/${set.body.metadata.id}/tools`, {
    metadata: { name: 'create_invoice' },
    spec: { config: { http: { requestMethod: 'POST', path: '/invoices' } } },
  })
  await t.api('POST', `/v1/tool_sets/${set.body.metadata.id}/tools`, {
    metadata: { name: 'refund' },
    spec: { description: '100% refund_all', config: { http: { requestMethod: 'POST' } } },
  })
})
after(() => t?.sortie.stop())

const names = (items: any[]) => items.map((x) => x.metadata.name).sort()

describe('search tools or tool sets', () => {
  it('matches names and descriptions of agents, tools and tool sets in any case', async () => {
    const res = await t.api('GET', '/v1/search/tools_or_tool_sets?query=InVoIcE')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(names(res.body.agents), ['Billing helper'])
    assert.deepEqual(names(res.body.tools), ['create_invoice'])
    assert.deepEqual(names(res.body.toolSets), ['payments'])
    assert.equal(res.body.tools[0].spec.config.http.requestMethod, 'POST')
  })

  it('LIKE wildcards in the query match literally', async () => {
    const pct = await t.api('GET', `/v1/search/tools_or_tool_sets?query=${encodeURIComponent('%')}`)
    assert.deepEqual(names(pct.body.tools), ['refund'])
    assert.deepEqual(pct.body.agents, [])
    assert.deepEqual(pct.body.toolSets, [])
    const underscore = await t.api('GET', '/v1/search/tools_or_tool_sets?query=_')
    assert.deepEqual(names(underscore.body.tools), ['create_invoice', 'refund'])
    assert.deepEqual(underscore.body.agents, [])
  })

  it('a query matching nothing returns three empty lists', async () => {
    const res = await t.api(
      'GET',
      `/v1/workspaces/${t.workspaceId}/search/tools_or_tool_sets?query=zzz`,
    )
    assert.deepEqual(res.body, { agents: [], tools: [], toolSets: [] })
  })

  it('each kind of result is capped at 50', async () => {
    for (let i = 0; i < 52; i++) {
      await t.api('POST', '/v1/tool_sets', {
        metadata: { name: `bulk-${i}` },
        spec: { adapter: { http: { baseUrl: 'https://b.test' } } },
      })
    }
    const res = await t.api('GET', '/v1/search/tools_or_tool_sets?query=bulk-')
    assert.equal(res.body.toolSets.length, 50)
  })

  it('an overlong query is 400', async () => {
    const res = await t.api('GET', `/v1/search/tools_or_tool_sets?query=${'q'.repeat(201)}`)
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 3)
  })
})
