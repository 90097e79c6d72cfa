import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startMcpServer, standardTools, type TestMcpServer } from './support/mcp-server.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
let mcp: TestMcpServer
before(async () => {
  mcp = await startMcpServer()
  t = await startTestSortie()
})
after(async () => {
  await t?.sortie.stop()
  await mcp?.close()
})

async function createMcpSet(name: string, adapter: Record<string, unknown> = {}) {
  const res = await t.api('POST', '/v1/tool_sets', {
    metadata: { name },
    spec: { adapter: { mcp: { url: mcp.url, ...adapter } } },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

async function toolsOf(setId: string): Promise<Map<string, any>> {
  const res = await t.api('GET', `/v1/tool_sets/${setId}/tools?limit=100`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return new Map(res.body.items.map((tool: any) => [tool.metadata.name, tool]))
}

async function eventsOf(setId: string): Promise<any[]> {
  const res = await t.api('GET', `/v1/tool_sets/${setId}/events?limit=100`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.items.map((e: any) => e.event)
}

describe('MCP tool sets sync from a real MCP server', () => {
  it('create lists the server tools into Tools with config.mcp, parameters, lastSync and toolCount', async () => {
    const set = await createMcpSet('everything')
    assert.equal(set.info.toolCount, 5)
    assert.ok(Date.parse(set.info.lastSync) > Date.now() - 60_000, set.info.lastSync)
    const tools = await toolsOf(set.metadata.id)
    const echo = tools.get('echo')
    assert.deepEqual(echo.spec.config.mcp, {
      toolName: 'echo',
      toolTitle: 'Echo',
      toolDescription: 'Repeats the text',
    })
    assert.deepEqual(echo.spec.parameters.required, ['text'])
    assert.equal(echo.spec.status, 'TOOL_STATUS_AVAILABLE')
    assert.equal(echo.spec.requiresApproval, false)
    const events = await eventsOf(set.metadata.id)
    assert.deepEqual(
      events.map((e) => e.type),
      ['sync_started', 'sync_completed'],
    )
    assert.equal(events[1].syncCompleted.toolsSynced, 5)
  })

  it('include and exclude filters set FILTERED and OMITTED, toolApprovals sets requiresApproval', async () => {
    const set = await createMcpSet('filtered', {
      includeTools: {
        filters: [{ attribute: 'ATTRIBUTE_DESCRIPTION', matcher: { contains: 's' } }],
      },
      excludeTools: { filters: [{ attribute: 'ATTRIBUTE_NAME', matcher: { exact: 'FAIL' } }] },
      toolApprovals: { only: { filters: [{ matcher: { regex: '^ad+$' } }] } },
    })
    const tools = await toolsOf(set.metadata.id)
    // "Repeats the text", "Adds two numbers", "Returns an image and a resource" contain an s.
    assert.equal(tools.get('echo').spec.status, 'TOOL_STATUS_AVAILABLE')
    assert.equal(tools.get('add').spec.status, 'TOOL_STATUS_AVAILABLE')
    assert.equal(tools.get('fail').spec.status, 'TOOL_STATUS_OMITTED')
    assert.equal(tools.get('picture').spec.status, 'TOOL_STATUS_AVAILABLE')
    assert.equal(tools.get('add').spec.requiresApproval, true)
    assert.equal(tools.get('echo').spec.requiresApproval, false)

    const narrow = await createMcpSet('narrow', {
      includeTools: { filters: [{ matcher: { startsWith: 'e' } }] },
      toolApprovals: { always: true },
    })
    const only = await toolsOf(narrow.metadata.id)
    assert.equal(only.get('echo').spec.status, 'TOOL_STATUS_AVAILABLE')
    assert.equal(only.get('add').spec.status, 'TOOL_STATUS_FILTERED')
    assert.ok([...only.values()].every((tool) => tool.spec.requiresApproval === true))
  })

  it(':sync archives a tool that vanished (same id kept), adds new ones and updates changed ones', async () => {
    const set = await createMcpSet('changing')
    const before = await toolsOf(set.metadata.id)
    const original = mcp.tools
    try {
      mcp.tools = [
        ...original.filter((tool) => tool.name !== 'add'),
        { ...original[0]!, name: 'shout', description: 'Repeats it loudly' },
      ].map((tool) => (tool.name === 'echo' ? { ...tool, description: 'Echoes' } : tool))
      const synced = await t.api('POST', `/v1/tool_sets/${set.metadata.id}:sync`)
      assert.equal(synced.status, 200, JSON.stringify(synced.body))
      assert.equal(synced.body.info.toolCount, 6)
      const after = await toolsOf(set.metadata.id)
      assert.equal(after.get('add').metadata.id, before.get('add').metadata.id)
      assert.equal(after.get('add').spec.status, 'TOOL_STATUS_ARCHIVED')
      assert.equal(after.get('echo').metadata.id, before.get('echo').metadata.id)
      assert.equal(after.get('echo').spec.description, 'Echoes')
      assert.equal(after.get('shout').spec.status, 'TOOL_STATUS_AVAILABLE')
      // A tool that comes back is available again, under its old id.
      mcp.tools = original
      const again = await t.api('POST', `/v1/tool_sets/${set.metadata.id}/sync`)
      assert.equal(again.status, 200, JSON.stringify(again.body))
      const back = await toolsOf(set.metadata.id)
      assert.equal(back.get('add').metadata.id, before.get('add').metadata.id)
      assert.equal(back.get('add').spec.status, 'TOOL_STATUS_AVAILABLE')
      assert.equal(back.get('shout').spec.status, 'TOOL_STATUS_ARCHIVED')
    } finally {
      mcp.tools = original
    }
  })

  it('a sync failure is a sync_failed event with the reason, and the tools synced before stay', async () => {
    const down = await startMcpServer(standardTools())
    const res = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'flaky' },
      spec: { adapter: { mcp: { url: down.url } } },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const id = res.body.metadata.id
    const lastSync = res.body.info.lastSync
    await down.close()
    const failed = await t.api('POST', `/v1/tool_sets/${id}:sync`)
    assert.equal(failed.status, 400, JSON.stringify(failed.body))
    assert.match(failed.body.message, /sync failed, the previous tools are kept/)
    const events = await eventsOf(id)
    const last = events.at(-1)
    assert.equal(last.type, 'sync_failed')
    assert.equal(last.syncFailed.error, true)
    assert.match(last.syncFailed.message, /cannot list the tools of http:\/\/127\.0\.0\.1/)
    const got = await t.api('GET', `/v1/tool_sets/${id}`)
    assert.equal(got.body.info.toolCount, 5)
    assert.equal(got.body.info.lastSync, lastSync)
    const tools = await toolsOf(id)
    assert.ok([...tools.values()].every((tool) => tool.spec.status === 'TOOL_STATUS_AVAILABLE'))
  })

  it('an MCP server that cannot be reached on create still creates the set and records the failure', async () => {
    const res = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'nowhere' },
      spec: { adapter: { mcp: { url: 'http://127.0.0.1:9/mcp' } } },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.info.toolCount, 0)
    assert.equal(res.body.info.lastSync, undefined)
    const events = await eventsOf(res.body.metadata.id)
    assert.deepEqual(
      events.map((e) => e.type),
      ['sync_started', 'sync_failed'],
    )
  })

  it('${NAME} secrets in headers reach the server resolved, and never appear in events or the set', async () => {
    const secret = 'mcp-secret-value-31337'
    await t.api('POST', '/v1/workspace_secrets', {
      metadata: { name: 'MCP_TOKEN' },
      spec: { value: secret },
    })
    const set = await createMcpSet('authed', { headers: { Authorization: 'Bearer ${MCP_TOKEN}' } })
    assert.ok(mcp.headers.some((h) => h.authorization === `Bearer ${secret}`))
    assert.equal(set.spec.adapter.mcp.headers.Authorization, 'Bearer ${MCP_TOKEN}')
    // A missing secret fails the sync with its name, not a value.
    const missing = await t.api('PATCH', `/v1/tool_sets/${set.metadata.id}`, {
      spec: { adapter: { mcp: { url: mcp.url, headers: { 'X-Key': '${NOT_DEFINED}' } } } },
      updateMask: 'spec.adapter',
    })
    assert.equal(missing.status, 200, JSON.stringify(missing.body))
    const events = await eventsOf(set.metadata.id)
    assert.match(events.at(-1).syncFailed.message, /secret "NOT_DEFINED" is not defined/)
    assert.ok(!JSON.stringify(events).includes(secret))
  })

  it('a tool listed twice is synced once, and an input schema that does not compile becomes an open object', async () => {
    const odd = await startMcpServer([
      ...standardTools().slice(0, 1),
      ...standardTools().slice(0, 1),
      {
        name: 'weird',
        inputSchema: { type: 'object', properties: { a: { type: 'nonsense' } } },
        run: async () => ({ content: [] }),
      },
    ])
    try {
      const res = await t.api('POST', '/v1/tool_sets', {
        metadata: { name: 'odd' },
        spec: { adapter: { mcp: { url: odd.url } } },
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.info.toolCount, 2)
      const tools = await toolsOf(res.body.metadata.id)
      assert.deepEqual(tools.get('weird').spec.parameters, { type: 'object', properties: {} })
    } finally {
      await odd.close()
    }
  })

  it('sync of an HTTP tool set is refused, and an unknown set is 404', async () => {
    const http = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'plain' },
      spec: { adapter: { http: { baseUrl: 'https://api.example.test' } } },
    })
    const res = await t.api('POST', `/v1/tool_sets/${http.body.metadata.id}:sync`)
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 9)
    const none = await t.api('POST', '/v1/tool_sets/ts_00000000000000000000000000:sync')
    assert.equal(none.status, 404)
  })
})
