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
let agent: { agentId: string; variationId: string; toolId: string }
let engine: EngineTest
before(async () => {
  engine = await startEngineTest()
  ;({ t, fake, tools } = engine)
  agent = await createAgent(t, { modelId: MODEL_OF.openai, toolBaseUrl: tools.baseUrl })
})
after(() => engine?.close())

const fields = (body: any): string[] =>
  body.details?.[0]?.fieldViolations?.map((v: any) => v.field) ?? []

async function finished(body: any) {
  return waitForState(t, body.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
}

describe('creating objectives', () => {
  it('the seed body creates an objective with snapshots, metadata and info', async () => {
    const res = await t.api('POST', '/v1/objectives', {
      agentId: agent.agentId,
      data: { initialMessage: 'hello', data: { customer: 7 } },
      metadata: { externalId: 'seed-1', labels: { team: 'a', env: 'prod' } },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const o = res.body
    assert.match(o.metadata.id, /^obj_[0-9A-HJKMNP-TV-Z]{26}$/)
    assert.equal(o.metadata.workspaceId, t.workspaceId)
    assert.equal(o.metadata.externalId, 'seed-1')
    assert.deepEqual(o.metadata.labels, { team: 'a', env: 'prod' })
    assert.equal(o.status.state, 'STATE_PENDING')
    assert.equal(o.data.initialMessage, 'hello')
    assert.deepEqual(o.data.data, { customer: 7 })
    assert.equal(o.data.systemPrompt, 'You look records up.')
    assert.equal(o.data.agent.metadata.id, agent.agentId)
    assert.equal(o.data.variation.metadata.id, agent.variationId)
    assert.equal(o.info.totalEvents, 1)
    assert.equal(o.info.totalContextWindows, 1)
    assert.equal(o.info.callableTools[0].tool.id, agent.toolId)
    assert.equal(o.info.createdBy.metadata.id, o.metadata.profileId)
    await finished(o)
  })

  it('the flat snake_case form of seed 001 is accepted', async () => {
    const res = await t.api('POST', '/v1/objectives', {
      agent_id: agent.agentId,
      initial_message: 'flat',
      variation_id: agent.variationId,
      labels: { project: 'weekly' },
      external_id: 'flat-1',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.data.initialMessage, 'flat')
    assert.equal(res.body.metadata.externalId, 'flat-1')
    assert.deepEqual(res.body.metadata.labels, { project: 'weekly' })
    const byRef = await t.api('GET', '/v1/objectives/external_id:flat-1')
    assert.equal(byRef.body.metadata.id, res.body.metadata.id)
    await finished(res.body)
  })

  it('an unknown agent is 404 and a missing agentId is a field violation', async () => {
    const missing = await t.api('POST', '/v1/objectives', {
      agentId: 'agent_nope',
      data: { initialMessage: 'x' },
    })
    assert.equal(missing.status, 404)
    const bad = await t.api('POST', '/v1/objectives', { data: { initialMessage: 'x' } })
    assert.equal(bad.status, 400)
    assert.deepEqual(fields(bad.body), ['agentId'])
  })

  it('an agent without variations is 400 FAILED_PRECONDITION', async () => {
    const a = await t.api('POST', '/v1/agents', { metadata: { name: 'empty-agent' } })
    const res = await t.api('POST', '/v1/objectives', {
      agentId: a.body.metadata.id,
      data: { initialMessage: 'x' },
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 9)
  })

  it('no initial message and no variation prompt is 400 INVALID_ARGUMENT', async () => {
    const a = await t.api('POST', '/v1/agents', {
      metadata: { name: 'promptless' },
      defaultVariation: {
        metadata: { name: 'v' },
        spec: { modelConfig: { modelId: MODEL_OF.openai } },
      },
    })
    const res = await t.api('POST', '/v1/objectives', { agentId: a.body.metadata.id, data: {} })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 3)
  })

  it('a model without credentials is refused at creation, not failed later', async () => {
    const a = await t.api('POST', '/v1/agents', {
      metadata: { name: 'no-creds' },
      defaultVariation: {
        metadata: { name: 'v' },
        spec: { prompt: 'p', modelConfig: { modelId: 'google/gemini-2.5-pro' } },
      },
    })
    const res = await t.api('POST', '/v1/objectives', {
      agentId: a.body.metadata.id,
      data: { initialMessage: 'x' },
    })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    const list = await t.api('GET', `/v1/objectives?agentId=${a.body.metadata.id}`)
    assert.equal(list.body.items.length, 0)
  })

  it('an explicit variation wins even with weight 0; weighted selection never draws weight 0', async () => {
    const a = await t.api('POST', '/v1/agents', {
      metadata: { name: 'weighted' },
      spec: { variationSelectionMode: 'VARIATION_SELECTION_MODE_WEIGHTED' },
      defaultVariation: {
        metadata: { name: 'zero' },
        spec: { prompt: 'p0', weight: 0, modelConfig: { modelId: MODEL_OF.openai } },
      },
    })
    const agentId = a.body.metadata.id
    const one = await t.api('POST', `/v1/agents/${agentId}/variations`, {
      metadata: { name: 'one' },
      spec: { prompt: 'p1', weight: 1, modelConfig: { modelId: MODEL_OF.openai } },
    })
    const vars = await t.api('GET', `/v1/agents/${agentId}/variations`)
    const zeroId = vars.body.items.find((v: any) => v.metadata.name === 'zero').metadata.id
    for (let i = 0; i < 8; i++) {
      const res = await t.api('POST', '/v1/objectives', { agentId, data: { initialMessage: 'x' } })
      assert.equal(res.body.data.variation.metadata.id, one.body.metadata.id)
    }
    const explicit = await t.api('POST', '/v1/objectives', {
      agentId,
      variationId: zeroId,
      data: { initialMessage: 'x' },
    })
    assert.equal(explicit.body.data.variation.metadata.id, zeroId)
    assert.equal(explicit.body.data.systemPrompt, 'p0')
  })
})

describe('secrets', () => {
  it('secret values are usable by tools but never appear in a response or event', async () => {
    const secretAgent = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
      headers: { authorization: 'Bearer ${API_TOKEN}' },
    })
    fake.enqueue({ toolCalls: [{ name: 'lookup', arguments: { id: 's1' } }] }, { text: 'ok' })
    const value = 'sekret-value-123456'
    const res = await t.api('POST', '/v1/objectives', {
      agentId: secretAgent.agentId,
      data: { initialMessage: 'use it', secrets: [{ name: 'API_TOKEN', value }] },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.data.secrets, [{ name: 'API_TOKEN' }])
    const id = res.body.metadata.id
    await waitForState(t, id, ['STATE_WAITING'])
    assert.equal(tools.requests.at(-1)!.headers.authorization, `Bearer ${value}`)
    const bodies = await Promise.all(
      [
        `/v1/objectives/${id}`,
        `/v1/objectives/${id}/events?includeInfo=true`,
        `/v1/objectives/${id}/tool_calls`,
        `/v1/objectives/${id}/tools`,
        `/v1/objectives?includeInfo=true`,
      ].map((p) => t.api('GET', p)),
    )
    for (const b of bodies) assert.ok(!JSON.stringify(b.body).includes(value))
    const stored = await t.sortie.deps.db
      .selectFrom('objective_events')
      .select('data')
      .where('objective_id', '=', id)
      .execute()
    assert.ok(!JSON.stringify(stored).includes(value))
  })
})

describe('reading objectives', () => {
  let ids: string[] = []
  before(async () => {
    ids = []
    for (const label of ['x', 'y', 'x']) {
      const res = await t.api('POST', '/v1/objectives', {
        agentId: agent.agentId,
        data: { initialMessage: `read ${label}` },
        metadata: { labels: { group: 'read', kind: label } },
      })
      ids.push(res.body.metadata.id)
      await finished(res.body)
    }
  })

  it('get includes info and the last context windows', async () => {
    const res = await t.api('GET', `/v1/objectives/${ids[0]}`)
    assert.equal(res.status, 200)
    assert.equal(res.body.lastFiveWindows.length, 1)
    assert.equal(res.body.lastFiveWindows[0].data.sequence, 1)
    assert.equal(res.body.lastFiveWindows[0].data.objectiveId, ids[0])
    const windows = await t.api('GET', `/v1/objectives/${ids[0]}/context_windows`)
    assert.equal(windows.body.items[0].metadata.id, res.body.lastFiveWindows[0].metadata.id)
  })

  it('list filters by labels (AND), agent and the family-mapped state', async () => {
    const x = await t.api('GET', '/v1/objectives?labels=group%3Dread,kind%3Dx')
    assert.deepEqual(
      x.body.items.map((o: any) => o.metadata.id),
      [ids[0], ids[2]],
    )
    assert.equal(x.body.pagination.total, 2)
    const completed = await t.api(
      'GET',
      `/v1/objectives?state=STATE_COMPLETED&agentId=${agent.agentId}&labels=group%3Dread`,
    )
    assert.equal(completed.body.items.length, 3)
    const waiting = await t.api(
      'GET',
      `/v1/workspaces/${t.workspaceId}/objectives?state=STATE_WAITING&labels=group%3Dread`,
    )
    assert.equal(waiting.body.items.length, 3)
    assert.equal(waiting.body.items[0].status.state, 'STATE_WAITING')
    const running = await t.api('GET', '/v1/objectives?state=STATE_RUNNING&labels=group%3Dread')
    assert.equal(running.body.items.length, 0)
    const bad = await t.api('GET', '/v1/objectives?state=STATE_BOGUS')
    assert.equal(bad.status, 400)
    assert.deepEqual(fields(bad.body), ['state'])
  })

  it('list pages with cursors in both sort orders', async () => {
    const q = 'labels=group%3Dread&limit=2'
    const p1 = await t.api('GET', `/v1/objectives?${q}&sortOrder=desc`)
    assert.deepEqual(
      p1.body.items.map((o: any) => o.metadata.id),
      [ids[2], ids[1]],
    )
    assert.ok(p1.body.pagination.nextCursor)
    assert.equal(p1.body.pagination.next_cursor, p1.body.pagination.nextCursor)
    const p2 = await t.api('GET', `/v1/objectives?${q}&cursor=${p1.body.pagination.nextCursor}`)
    assert.deepEqual(
      p2.body.items.map((o: any) => o.metadata.id),
      [ids[0]],
    )
    assert.equal(p2.body.pagination.nextCursor, '')
    assert.equal(p1.body.items[0].info, undefined, 'info only with includeInfo')
  })

  it('events page in sequence order and filter by window and sinceEventId', async () => {
    const events = await allEvents(t, ids[0])
    assert.equal(events.length, 2)
    const since = await t.api(
      'GET',
      `/v1/objectives/${ids[0]}/events?sinceEventId=${events[0].metadata.id}`,
    )
    assert.deepEqual(
      since.body.items.map((e: any) => e.metadata.id),
      [events[1].metadata.id],
    )
    const desc = await t.api('GET', `/v1/objectives/${ids[0]}/events?sortOrder=desc&limit=1`)
    assert.equal(desc.body.items[0].metadata.id, events[1].metadata.id)
    const next = await t.api(
      'GET',
      `/v1/objectives/${ids[0]}/events?limit=1&cursor=${desc.body.pagination.nextCursor}`,
    )
    assert.equal(next.body.items[0].metadata.id, events[0].metadata.id)
    const win = await t.api(
      'GET',
      `/v1/objectives/${ids[0]}/events?windowId=${events[0].contextWindowId}`,
    )
    assert.equal(win.body.items.length, 2)
    const other = await t.api('GET', `/v1/objectives/${ids[0]}/events?windowId=ocw_other`)
    assert.equal(other.body.items.length, 0)
    const badSince = await t.api('GET', `/v1/objectives/${ids[0]}/events?sinceEventId=oevt_nope`)
    assert.equal(badSince.status, 400)
  })

  it('the objective tools list shows the frozen tool snapshots', async () => {
    const res = await t.api('GET', `/v1/objectives/${ids[0]}/tools`)
    assert.equal(res.status, 200)
    assert.equal(res.body.items.length, 1)
    assert.deepEqual(res.body.items[0].metadata, { id: agent.toolId, name: 'lookup' })
    assert.equal(res.body.items[0].snapshot.spec.config.http.path, '/lookup/{{ id }}')
  })

  it('objectives of another workspace are not found through the workspace family', async () => {
    const res = await t.api('GET', `/v1/workspaces/ws_other/objectives/${ids[0]}`)
    assert.equal(res.status, 404)
    const none = await t.api('GET', '/v1/objectives/obj_missing')
    assert.equal(none.status, 404)
  })
})
