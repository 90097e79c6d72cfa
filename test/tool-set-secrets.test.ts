import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  waitForState,
  type ToolServer,
  startEngineTest,
  type EngineTest,
} from './support/objectives.ts'
import type { TestSortie } from './support/sortie.ts'

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let engine: EngineTest
before(async () => {
  engine = await startEngineTest()
  ;({ t, fake, tools } = engine)
})
after(() => engine?.close())

const secretAgent = () =>
  createAgent(t, {
    modelId: MODEL_OF.openai,
    toolBaseUrl: tools.baseUrl,
    headers: { authorization: 'Bearer ${API_TOKEN}' },
  })

/** Runs one objective whose model calls `lookup` once; returns the Authorization it sent. */
async function authorizationSent(agentId: string, secrets?: { name: string; value: string }[]) {
  fake.enqueue({ toolCalls: [{ name: 'lookup', arguments: { id: 'x' } }] }, { text: 'done' })
  const before = tools.requests.length
  const res = await t.api('POST', '/v1/objectives', {
    agentId,
    data: { initialMessage: 'look x up', ...(secrets ? { secrets } : {}) },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  await waitForState(t, res.body.metadata.id, ['STATE_WAITING'])
  assert.equal(tools.requests.length, before + 1)
  return { id: res.body.metadata.id, header: tools.requests.at(-1)!.headers.authorization }
}

describe('tool set secrets', () => {
  it('CRUD on both route families never returns the value', async () => {
    const { toolSetId } = await secretAgent()
    const base = `/v1/tool_sets/${toolSetId}/secrets`
    const created = await t.api('POST', base, {
      metadata: { name: 'API_TOKEN', externalId: 'tok' },
      spec: { value: 'ts-value-create-1' },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    assert.match(created.body.metadata.id, /^tssec_/)
    assert.deepEqual(created.body.spec, {})
    const id = created.body.metadata.id
    const family = `/v1/workspaces/${t.workspaceId}/tool_sets/${toolSetId}/secrets`
    const reads = await Promise.all([
      t.api('GET', `${base}/${id}`),
      t.api('GET', `${family}/external_id:tok`),
      t.api('GET', `${base}?includeInfo=true`),
      t.api('PATCH', `${base}/${id}`, { spec: { value: 'ts-value-rotated-2' } }),
    ])
    for (const r of reads) {
      assert.equal(r.status, 200, JSON.stringify(r.body))
      assert.ok(!JSON.stringify(r.body).includes('ts-value-'))
    }
    assert.equal(reads[1]!.body.metadata.id, id)
    assert.deepEqual(
      reads[2]!.body.items.map((s: any) => s.metadata.name),
      ['API_TOKEN'],
    )
    assert.equal(reads[2]!.body.pagination.total, 1)
    const dup = await t.api('POST', base, { metadata: { name: 'API_TOKEN' }, spec: { value: 'v' } })
    assert.equal(dup.status, 409, JSON.stringify(dup.body))
    const deleted = await t.api('DELETE', `${base}/${id}`)
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body))
    assert.equal((await t.api('GET', `${base}/${id}`)).status, 404)
  })

  it('secrets of one tool set are not reachable through another or an unknown one', async () => {
    const a = await secretAgent()
    const b = await secretAgent()
    const created = await t.api('POST', `/v1/tool_sets/${a.toolSetId}/secrets`, {
      metadata: { name: 'ONLY_A' },
      spec: { value: 'v' },
    })
    const id = created.body.metadata.id
    assert.equal((await t.api('GET', `/v1/tool_sets/${b.toolSetId}/secrets/${id}`)).status, 404)
    const listB = await t.api('GET', `/v1/tool_sets/${b.toolSetId}/secrets`)
    assert.equal(listB.body.items.length, 0)
    const unknown = await t.api('GET', '/v1/tool_sets/ts_01JUNKJUNKJUNKJUNKJUNKJUNK/secrets')
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.code, 5)
  })

  it('bad input is a 400 with field violations and stores nothing', async () => {
    const { toolSetId } = await secretAgent()
    const base = `/v1/tool_sets/${toolSetId}/secrets`
    const res = await t.api('POST', base, { metadata: { name: 'not a name' }, spec: {} })
    assert.equal(res.status, 400)
    const fields = res.body.details[0].fieldViolations.map((v: any) => v.field).sort()
    assert.deepEqual(fields, ['metadata.name', 'spec.value'])
    assert.equal((await t.api('GET', base)).body.items.length, 0)
  })

  it('${NAME} resolves objective secrets, then tool set secrets, then workspace secrets', async () => {
    const agent = await secretAgent()
    const other = await secretAgent()
    await t.api('POST', '/v1/workspace_secrets', {
      metadata: { name: 'API_TOKEN' },
      spec: { value: 'from-workspace' },
    })
    // Only the workspace has it.
    assert.equal((await authorizationSent(agent.agentId)).header, 'Bearer from-workspace')
    // The tool set's own secret comes before the workspace's, for that tool set only.
    const own = await t.api('POST', `/v1/tool_sets/${agent.toolSetId}/secrets`, {
      metadata: { name: 'API_TOKEN' },
      spec: { value: 'from-tool-set' },
    })
    assert.equal(own.status, 200, JSON.stringify(own.body))
    const viaSet = await authorizationSent(agent.agentId)
    assert.equal(viaSet.header, 'Bearer from-tool-set')
    assert.equal((await authorizationSent(other.agentId)).header, 'Bearer from-workspace')
    // The objective's secret comes first.
    const objective = await authorizationSent(agent.agentId, [
      { name: 'API_TOKEN', value: 'from-objective' },
    ])
    assert.equal(objective.header, 'Bearer from-objective')
    // The tool set secret was used, and its value was never written into an event.
    const got = await t.api(
      'GET',
      `/v1/tool_sets/${agent.toolSetId}/secrets/${own.body.metadata.id}`,
    )
    assert.ok(Date.parse(got.body.info.lastUsedAt) > 0)
    const events = await allEvents(t, viaSet.id)
    assert.ok(!JSON.stringify(events).includes('from-tool-set'))
  })

  it('deleting a tool set deletes its secrets', async () => {
    const { toolSetId } = await secretAgent()
    await t.api('POST', `/v1/tool_sets/${toolSetId}/secrets`, {
      metadata: { name: 'GONE' },
      spec: { value: 'v' },
    })
    const res = await t.api('DELETE', `/v1/tool_sets/${toolSetId}`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const rows = await t.sortie.deps.db
      .selectFrom('tool_set_secrets')
      .select('id')
      .where('tool_set_id', '=', toolSetId)
      .execute()
    assert.equal(rows.length, 0)
  })
})
