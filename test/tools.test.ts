import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
let setId: string
before(async () => {
  t = await startTestSortie()
  const set = await t.api('POST', '/v1/tool_sets', {
    metadata: { name: 'orders' },
    spec: { adapter: { http: { baseUrl: 'https://orders.test' } } },
  })
  setId = set.body.metadata.id
})
after(() => t?.sortie.stop())

const PARAMS = {
  type: 'object',
  properties: { orderId: { type: 'string' } },
  required: ['orderId'],
}

const toolBody = (name: string, http: Record<string, unknown> = {}, spec = {}) => ({
  metadata: { name },
  spec: {
    description: `${name} tool`,
    parameters: PARAMS,
    config: { http: { requestMethod: 'GET', path: '/orders/{{ orderId }}', ...http } },
    ...spec,
  },
})

const violations = (body: any): string[] =>
  body.details?.[0]?.fieldViolations?.map((v: any) => v.field) ?? []

describe('tools', () => {
  it('a tool is created with defaults filled and info naming its tool set', async () => {
    const res = await t.api('POST', `/v1/tool_sets/${setId}/tools`, toolBody('get_order'))
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.match(res.body.metadata.id, /^tool_/)
    assert.equal(res.body.spec.status, 'TOOL_STATUS_AVAILABLE')
    assert.equal(res.body.spec.requiresApproval, false)
    assert.deepEqual(res.body.spec.parameters, PARAMS)
    assert.equal(res.body.spec.config.http.requestMethod, 'GET')
    assert.equal(res.body.spec.config.http.path, '/orders/{{ orderId }}')
    assert.equal(res.body.spec.config.http.query, '', 'a string, as the seed-era clients type it')
    assert.equal(res.body.info.toolSet.id, setId)
    assert.equal(res.body.info.toolSet.name, 'orders')
    const set = await t.api('GET', `/v1/tool_sets/${setId}`)
    assert.equal(set.body.info.toolCount, 1)
  })

  it('a body template on a GET or DELETE tool is rejected', async () => {
    for (const requestMethod of ['GET', 'DELETE']) {
      const res = await t.api(
        'POST',
        `/v1/tool_sets/${setId}/tools`,
        toolBody('bodied', { requestMethod, requestBodyTemplate: '{"a":1}' }),
      )
      assert.equal(res.status, 400, requestMethod)
      assert.ok(
        violations(res.body).includes('spec.config.http.requestBodyTemplate'),
        JSON.stringify(res.body),
      )
    }
    const post = await t.api(
      'POST',
      `/v1/tool_sets/${setId}/tools`,
      toolBody('bodied_post', {
        requestMethod: 'POST',
        requestBodyTemplate: '{"id":"{{ orderId }}"}',
      }),
    )
    assert.equal(post.status, 200, JSON.stringify(post.body))
  })

  it('an unknown request method is rejected with its field', async () => {
    const res = await t.api(
      'POST',
      `/v1/tool_sets/${setId}/tools`,
      toolBody('m', { requestMethod: 'TRACE' }),
    )
    assert.equal(res.status, 400)
    assert.ok(violations(res.body).includes('spec.config.http.requestMethod'))
  })

  it('parameters must be a compilable JSON Schema of type object', async () => {
    const bad = await t.api(
      'POST',
      `/v1/tool_sets/${setId}/tools`,
      toolBody('p1', {}, { parameters: { type: 'object', properties: { a: { type: 'nope' } } } }),
    )
    assert.equal(bad.status, 400)
    assert.ok(violations(bad.body).includes('spec.parameters'))
    const notObject = await t.api(
      'POST',
      `/v1/tool_sets/${setId}/tools`,
      toolBody('p2', {}, { parameters: { type: 'string' } }),
    )
    assert.equal(notObject.status, 400)
    assert.ok(violations(notObject.body).includes('spec.parameters'))
  })

  it('an unparsable path template is rejected naming the field', async () => {
    const res = await t.api(
      'POST',
      `/v1/tool_sets/${setId}/tools`,
      toolBody('tpl', { path: '/orders/{{ orderId' }),
    )
    assert.equal(res.status, 400)
    assert.ok(violations(res.body).includes('spec.config.http.path'), JSON.stringify(res.body))
  })

  it('an HTTP tool set requires an HTTP config on its tools', async () => {
    const res = await t.api('POST', `/v1/tool_sets/${setId}/tools`, {
      metadata: { name: 'mcp_tool' },
      spec: { config: { mcp: { toolName: 'x' } } },
    })
    assert.equal(res.status, 400)
    assert.ok(violations(res.body).includes('spec.config.mcp'), JSON.stringify(res.body))
  })

  it('two tools of one set may not share a function name (toolName or sanitized name)', async () => {
    const a = await t.api('POST', `/v1/tool_sets/${setId}/tools`, toolBody('refund order'))
    assert.equal(a.status, 200, JSON.stringify(a.body))
    const b = await t.api('POST', `/v1/tool_sets/${setId}/tools`, toolBody('refund_order'))
    assert.equal(b.status, 409)
    assert.equal(b.body.code, 6)
    const c = await t.api(
      'POST',
      `/v1/tool_sets/${setId}/tools`,
      toolBody('another', { toolName: 'refund_order' }),
    )
    assert.equal(c.status, 409)
    const other = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'other' },
      spec: { adapter: { http: { baseUrl: 'https://o.test' } } },
    })
    const d = await t.api(
      'POST',
      `/v1/tool_sets/${other.body.metadata.id}/tools`,
      toolBody('refund_order'),
    )
    assert.equal(d.status, 200, 'the same name is fine in another tool set')
  })

  it('a toolName outside ^[a-zA-Z0-9_-]{1,64}$ is rejected', async () => {
    const res = await t.api(
      'POST',
      `/v1/tool_sets/${setId}/tools`,
      toolBody('n', { toolName: 'has space' }),
    )
    assert.equal(res.status, 400)
    assert.ok(violations(res.body).includes('spec.config.http.toolName'))
  })

  it('PUT and PATCH update a tool; a rename into a taken function name is 409', async () => {
    const tool = await t.api('POST', `/v1/tool_sets/${setId}/tools`, toolBody('list_orders'))
    const id = tool.body.metadata.id
    const put = await t.api('PUT', `/v1/tool_sets/${setId}/tools/${id}`, {
      spec: { status: 'TOOL_STATUS_ARCHIVED', requiresApproval: true },
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    assert.equal(put.body.spec.status, 'TOOL_STATUS_ARCHIVED')
    assert.equal(put.body.spec.requiresApproval, true)
    assert.equal(put.body.spec.config.http.path, '/orders/{{ orderId }}')
    const patch = await t.api('PATCH', `/v1/tool_sets/${setId}/tools/${id}`, {
      spec: { config: { http: { requestMethod: 'GET', requestBodyTemplate: 'x' } } },
      updateMask: 'spec.config.http.requestBodyTemplate',
    })
    assert.equal(patch.status, 400)
    const clash = await t.api('PATCH', `/v1/tool_sets/${setId}/tools/${id}`, {
      metadata: { name: 'get_order' },
    })
    assert.equal(clash.status, 409)
  })

  it('tools are listed per set, found by external id, and deleted', async () => {
    const created = await t.api('POST', `/v1/tool_sets/${setId}/tools`, {
      ...toolBody('by_ref'),
      metadata: { name: 'by_ref', externalId: 'by-ref' },
    })
    const byRef = await t.api('GET', `/v1/tool_sets/${setId}/tools/external_id:by-ref`)
    assert.equal(byRef.body.metadata.id, created.body.metadata.id)
    const list = await t.api('GET', `/v1/tool_sets/${setId}/tools?prefix=by_&includeInfo=true`)
    assert.deepEqual(
      list.body.items.map((x: any) => x.metadata.name),
      ['by_ref'],
    )
    assert.equal(list.body.items[0].info.toolSet.id, setId)
    const del = await t.api('DELETE', `/v1/tool_sets/${setId}/tools/${created.body.metadata.id}`)
    assert.deepEqual(del.body, {})
    const gone = await t.api('GET', `/v1/tool_sets/${setId}/tools/${created.body.metadata.id}`)
    assert.equal(gone.status, 404)
  })

  it('a tool is not reachable through another tool set', async () => {
    const tool = await t.api('POST', `/v1/tool_sets/${setId}/tools`, toolBody('scoped'))
    const other = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'other2' },
      spec: { adapter: { http: { baseUrl: 'https://o.test' } } },
    })
    const res = await t.api(
      'GET',
      `/v1/tool_sets/${other.body.metadata.id}/tools/${tool.body.metadata.id}`,
    )
    assert.equal(res.status, 404)
  })
})
