import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

const httpSet = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, externalId: `${name}-ext`, labels: { team: 'a' } },
  spec: {
    description: `${name} API`,
    adapter: {
      http: {
        baseUrl: 'https://api.example.test/v2',
        headers: { Authorization: 'Bearer ${TOKEN}' },
      },
    },
    ...extra,
  },
})

const violations = (body: any): string[] =>
  body.details?.[0]?.fieldViolations?.map((v: any) => v.field) ?? []

describe('tool sets', () => {
  it('an HTTP tool set is created with its adapter, headers stored as written, and info', async () => {
    const res = await t.api('POST', '/v1/tool_sets', httpSet('crm'))
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.match(res.body.metadata.id, /^ts_[0-9A-HJKMNP-TV-Z]{26}$/)
    assert.equal(res.body.metadata.externalId, 'crm-ext')
    assert.deepEqual(res.body.spec.adapter, {
      http: {
        baseUrl: 'https://api.example.test/v2',
        headers: { Authorization: 'Bearer ${TOKEN}' },
      },
    })
    assert.equal(res.body.spec.description, 'crm API')
    assert.equal(res.body.info.toolCount, 0)
    assert.equal(res.body.info.agentCount, 0)
    assert.equal(res.body.info.createdBy.spec.type, 'PROFILE_TYPE_API_KEY')
    const got = await t.api('GET', `/v1/tool_sets/${res.body.metadata.id}`)
    assert.deepEqual(got.body.spec, res.body.spec)
  })

  it('an MCP tool set is stored even when its server cannot be reached; an OpenAPI one whose document cannot be fetched is a 400', async () => {
    const mcp = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'mcp' },
      spec: {
        adapter: {
          mcp: {
            url: 'https://mcp.example.test/sse',
            include_tools: {
              operator: 'OPERATOR_OR',
              filters: [{ attribute: 'ATTRIBUTE_NAME', matcher: { startsWith: 'get_' } }],
            },
            toolApprovals: { always: true },
          },
        },
      },
    })
    assert.equal(mcp.status, 200, JSON.stringify(mcp.body))
    assert.equal(mcp.body.spec.adapter.mcp.includeTools.filters[0].matcher.startsWith, 'get_')
    assert.equal(mcp.body.spec.adapter.mcp.toolApprovals.always, true)
    const openapi = await t.api(`POST`, `/v1/workspaces/${t.workspaceId}/tool_sets`, {
      metadata: { name: 'petstore' },
      spec: {
        adapter: { openapi: { url: 'https://petstore.test/openapi.json', serverName: 'prod' } },
      },
    })
    assert.equal(openapi.status, 400, JSON.stringify(openapi.body))
    assert.equal(openapi.body.details[0].fieldViolations[0].field, 'spec.adapter.openapi.url')
    assert.match(openapi.body.message, /cannot fetch https:\/\/petstore\.test\/openapi\.json/)
    const listed = await t.api('GET', '/v1/tool_sets?prefix=petstore')
    assert.equal(listed.body.items.length, 0)
  })

  it('a tool set needs exactly one adapter', async () => {
    const none = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'x' },
      spec: { adapter: {} },
    })
    assert.equal(none.status, 400)
    assert.ok(violations(none.body).includes('spec.adapter'), JSON.stringify(none.body))
    const two = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'x' },
      spec: {
        adapter: { http: { baseUrl: 'https://a.test' }, mcp: { url: 'https://b.test' } },
      },
    })
    assert.equal(two.status, 400)
    assert.equal(two.body.code, 3)
  })

  it('an HTTP baseUrl must be an absolute http(s) URL', async () => {
    for (const baseUrl of ['/relative', 'ftp://files.test', 'not a url']) {
      const res = await t.api('POST', '/v1/tool_sets', {
        metadata: { name: 'bad' },
        spec: { adapter: { http: { baseUrl } } },
      })
      assert.equal(res.status, 400, baseUrl)
      assert.ok(
        violations(res.body).includes('spec.adapter.http.baseUrl'),
        JSON.stringify(res.body),
      )
    }
  })

  it('a header value with a line break or an unparsable template is rejected', async () => {
    const crlf = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'h' },
      spec: { adapter: { http: { baseUrl: 'https://a.test', headers: { 'X-A': 'a\r\nB: c' } } } },
    })
    assert.equal(crlf.status, 400)
    const liquid = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'h' },
      spec: { adapter: { http: { baseUrl: 'https://a.test', headers: { 'X-A': '{{ oops' } } } },
    })
    assert.equal(liquid.status, 400)
    assert.ok(violations(liquid.body).includes('spec.adapter.http.headers.X-A'))
  })

  it('an update replaces the adapter and is validated like a create', async () => {
    const created = await t.api('POST', '/v1/tool_sets', httpSet('upd'))
    const id = created.body.metadata.id
    const put = await t.api('PUT', `/v1/tool_sets/${id}`, {
      spec: { adapter: { http: { baseUrl: 'https://new.test' } } },
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    assert.deepEqual(put.body.spec.adapter, { http: { baseUrl: 'https://new.test', headers: {} } })
    assert.equal(put.body.spec.description, 'upd API')
    const masked = await t.api('PATCH', `/v1/tool_sets/${id}`, {
      spec: { adapter: { http: { baseUrl: 'mailto:x' } } },
      updateMask: 'spec.adapter.http.baseUrl',
    })
    assert.equal(masked.status, 400)
    assert.ok(violations(masked.body).includes('spec.adapter.http.baseUrl'))
  })

  it('list pages by name prefix and includeInfo adds info', async () => {
    await t.api('POST', '/v1/tool_sets', httpSet('pg-1'))
    await t.api('POST', '/v1/tool_sets', httpSet('pg-2'))
    const res = await t.api('GET', '/v1/tool_sets?prefix=pg-&limit=1&includeInfo=true')
    assert.equal(res.status, 200)
    assert.equal(res.body.pagination.total, 2)
    assert.equal(res.body.items[0].metadata.name, 'pg-1')
    assert.equal(res.body.items[0].info.toolCount, 0)
    const next = await t.api(
      'GET',
      `/v1/tool_sets?prefix=pg-&cursor=${res.body.pagination.nextCursor}`,
    )
    assert.deepEqual(
      next.body.items.map((s: any) => s.metadata.name),
      ['pg-2'],
    )
    assert.equal(next.body.items[0].info, undefined)
  })

  it('an HTTP tool set has no sync events', async () => {
    const created = await t.api('POST', '/v1/tool_sets', httpSet('ev'))
    const res = await t.api('GET', `/v1/tool_sets/${created.body.metadata.id}/events`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.items, [])
    assert.equal(res.body.pagination.total, 0)
  })

  it('a deleted tool set is gone, with its tools', async () => {
    const created = await t.api('POST', '/v1/tool_sets', httpSet('gone'))
    const id = created.body.metadata.id
    const tool = await t.api('POST', `/v1/tool_sets/${id}/tools`, {
      metadata: { name: 'ping' },
      spec: { config: { http: { requestMethod: 'GET', path: '/ping' } } },
    })
    assert.equal(tool.status, 200, JSON.stringify(tool.body))
    assert.deepEqual((await t.api('DELETE', `/v1/tool_sets/${id}`)).body, {})
    assert.equal((await t.api('GET', `/v1/tool_sets/${id}`)).status, 404)
    const orphan = await t.api('GET', `/v1/tool_sets/${id}/tools/${tool.body.metadata.id}`)
    assert.equal(orphan.status, 404)
  })

  it('a tool set of another workspace is not found through the workspace family', async () => {
    const res = await t.api('GET', '/v1/workspaces/ws_00000000000000000000000000/tool_sets')
    assert.equal(res.status, 404)
  })
})
