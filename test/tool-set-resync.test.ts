import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ToolSetSyncer } from '../src/modules/tools/index.ts'
import { startMcpServer, standardTools } from './support/mcp-server.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    assert.ok(Date.now() < deadline, what)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function completedSyncs(t: TestSortie, setId: string): Promise<number> {
  const res = await t.api('GET', `/v1/tool_sets/${setId}/events?limit=500`)
  return res.body.items.filter((e: any) => e.event.type === 'sync_completed').length
}

describe('periodic tool set re-sync', () => {
  it('a worker re-syncs MCP tool sets every SORTIE_TOOLSET_SYNC_SECONDS', async () => {
    const mcp = await startMcpServer(standardTools())
    const t = await startTestSortie({ SORTIE_TOOLSET_SYNC_SECONDS: '1' }, { worker: true })
    try {
      const set = await t.api('POST', '/v1/tool_sets', {
        metadata: { name: 'periodic' },
        spec: { adapter: { mcp: { url: mcp.url } } },
      })
      assert.equal(set.status, 200, JSON.stringify(set.body))
      mcp.tools = [...mcp.tools, { ...mcp.tools[0]!, name: 'late_arrival' }]
      const tool = await until('the new tool was synced without a request', async () => {
        const res = await t.api('GET', `/v1/tool_sets/${set.body.metadata.id}/tools?limit=100`)
        return res.body.items.find((x: any) => x.metadata.name === 'late_arrival')
      })
      assert.equal(tool.spec.status, 'TOOL_STATUS_AVAILABLE')
      const got = await t.api('GET', `/v1/tool_sets/${set.body.metadata.id}`)
      assert.ok(got.body.info.lastSync > set.body.info.lastSync)
    } finally {
      await t.sortie.stop()
      await mcp.close()
    }
  })

  it('two syncers on one database never sync the same set at the same time (row claims)', async () => {
    const mcp = await startMcpServer(standardTools())
    const t = await startTestSortie()
    const syncers = [1, 2].map(
      () => new ToolSetSyncer({ deps: t.sortie.deps, intervalSeconds: 1, tickMs: 50 }),
    )
    try {
      const set = await t.api('POST', '/v1/tool_sets', {
        metadata: { name: 'contended' },
        spec: { adapter: { mcp: { url: mcp.url } } },
      })
      assert.equal(set.status, 200, JSON.stringify(set.body))
      const id = set.body.metadata.id
      // Each sync's tools/list takes a while: two syncers without claims would overlap.
      mcp.listDelayMs = 300
      const start = await completedSyncs(t, id)
      for (const s of syncers) s.start()
      await until('three periodic syncs ran', async () =>
        (await completedSyncs(t, id)) >= start + 3 ? true : undefined,
      )
      for (const s of syncers) await s.stop()
      assert.equal(mcp.lists().peakInFlight, 1)
    } finally {
      for (const s of syncers) await s.stop()
      await t.sortie.stop()
      await mcp.close()
    }
  })
})
