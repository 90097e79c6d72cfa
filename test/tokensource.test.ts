import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
  // Seed 000's assistants: numbers 1 and 2 in this fresh workspace.
  for (const name of ['Assistant A', 'Assistant B']) {
    const res = await t.api('POST', '/v1/agents', { metadata: { name } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
  }
})
after(() => t?.sortie.stop())

const BASE = '/tokensource/v1'
const OBJECTIVE_KEYS = [
  'aiAssistants',
  'createdAt',
  'description',
  'externalId',
  'id',
  'metrics',
  'name',
  'status',
  'updatedAt',
  'userId',
]

/** Asserts the seed-000 objective shape, metric rows included. */
function assertObjective(o: any) {
  assert.deepEqual(Object.keys(o).sort(), OBJECTIVE_KEYS)
  assert.ok(Number.isInteger(o.id) && o.id > 0)
  assert.ok(Number.isInteger(o.userId) && o.userId > 0)
  assert.equal(typeof o.externalId, 'string')
  assert.ok(!Number.isNaN(Date.parse(o.createdAt)) && !Number.isNaN(Date.parse(o.updatedAt)))
  for (const m of o.metrics) {
    assert.deepEqual(Object.keys(m).sort(), ['createdAt', 'id', 'objectiveId', 'value'])
    assert.ok(Number.isInteger(m.id))
    assert.equal(m.objectiveId, o.id)
    assert.deepEqual(Object.keys(JSON.parse(m.value)), ['key', 'value'])
  }
  for (const a of o.aiAssistants) assert.deepEqual(Object.keys(a).sort(), ['id', 'name'])
}

async function createObjective(name: string, extra: Record<string, unknown> = {}) {
  const res = await t.api('POST', `${BASE}/objectives`, { name, ...extra })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body.objective
}

describe('TokenSource objectives (seed 000 examples)', () => {
  let created: any

  it('POST /objectives with the seed body is 201 "Objective created" with the objective', async () => {
    const res = await t.api('POST', `${BASE}/objectives`, {
      name: 'New Objective',
      description: 'Description of the objective',
      status: 'on_track',
      metrics: [
        { key: 'metric1', value: 'value1' },
        { key: 'metric2', value: 'value2' },
      ],
    })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.equal(res.body.message, 'Objective created')
    created = res.body.objective
    assertObjective(created)
    assert.equal(created.name, 'New Objective')
    assert.equal(created.description, 'Description of the objective')
    assert.equal(created.status, 'on_track')
    assert.notEqual(created.externalId, '')
    assert.deepEqual(created.aiAssistants, [])
    assert.deepEqual(
      created.metrics.map((m: any) => m.value),
      ['{"key":"metric1","value":"value1"}', '{"key":"metric2","value":"value2"}'],
    )
  })

  it('GET /objectives is a bare array of objectives', async () => {
    const res = await t.api('GET', `${BASE}/objectives`)
    assert.equal(res.status, 200)
    assert.ok(Array.isArray(res.body))
    const mine = res.body.find((o: any) => o.id === created.id)
    assertObjective(mine)
    assert.deepEqual(mine, created)
  })

  it('GET /objectives/{id} finds an objective by its externalId and by its integer id', async () => {
    const byExternal = await t.api('GET', `${BASE}/objectives/${created.externalId}`)
    assert.equal(byExternal.status, 200, JSON.stringify(byExternal.body))
    assertObjective(byExternal.body)
    const byNumber = await t.api('GET', `${BASE}/objectives/${created.id}`)
    assert.deepEqual(byNumber.body, byExternal.body)
  })

  it('GET /objectives/{id} of an unknown objective is 404 {error: "Objective not found"}', async () => {
    for (const id of ['999999', 'no-such-external-id']) {
      const res = await t.api('GET', `${BASE}/objectives/${id}`)
      assert.equal(res.status, 404)
      assert.deepEqual(res.body, { error: 'Objective not found' })
    }
  })

  it('PUT /objectives/{id} with the seed body updates it and attaches aiAssistantId 2', async () => {
    const res = await t.api('PUT', `${BASE}/objectives/${created.id}`, {
      name: 'Updated Objective Name',
      description: 'Updated description',
      status: 'completed',
      metrics: [{ key: 'metric1', value: 'updated value1' }],
      aiAssistantId: 2,
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.message, 'Objective updated')
    const o = res.body.objective
    assertObjective(o)
    assert.equal(o.id, created.id)
    assert.equal(o.name, 'Updated Objective Name')
    assert.equal(o.status, 'completed')
    assert.deepEqual(o.aiAssistants, [{ id: 2, name: 'Assistant B' }])
    // metric1 gets a new row; metric2, not sent, keeps its row.
    assert.deepEqual(
      o.metrics.map((m: any) => m.value),
      ['{"key":"metric1","value":"updated value1"}', '{"key":"metric2","value":"value2"}'],
    )
    const metric1 = o.metrics[0]
    assert.ok(metric1.id > Math.max(...created.metrics.map((m: any) => m.id)))
  })

  it('DELETE /objectives/{id} is 200 "Objective deleted" and the objective is gone', async () => {
    const res = await t.api('DELETE', `${BASE}/objectives/${created.id}`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { message: 'Objective deleted' })
    assert.equal((await t.api('GET', `${BASE}/objectives/${created.id}`)).status, 404)
  })
})

describe('TokenSource rules', () => {
  it('bad input gets 400 {error} for malformed JSON, an unknown status and a missing name', async () => {
    const cases = [
      await t.api('POST', `${BASE}/objectives`, undefined, { rawBody: '{"name": ' }),
      await t.api('POST', `${BASE}/objectives`, { name: 'x', status: 'done' }),
      await t.api('POST', `${BASE}/objectives`, { description: 'no name' }),
      await t.api('POST', `${BASE}/objectives`, { name: '   ' }),
    ]
    for (const res of cases) {
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.deepEqual(Object.keys(res.body), ['error'])
      assert.equal(typeof res.body.error, 'string')
    }
    assert.match(cases[1]!.body.error, /on_track, needs_attention, completed/)
  })

  it('a body over the 1 MiB limit is 413 {error}', async () => {
    const big = JSON.stringify({ name: 'x', description: 'y'.repeat(1024 * 1024) })
    const res = await t.api('POST', `${BASE}/objectives`, undefined, {
      rawBody: big,
      headers: { 'content-type': 'application/json', 'content-length': String(big.length) },
    })
    assert.equal(res.status, 413)
    assert.deepEqual(Object.keys(res.body), ['error'])
  })

  it('a missing or invalid key is 401 {error}, and unknown routes are 404 {error}', async () => {
    const none = await t.api('GET', `${BASE}/objectives`, undefined, { token: null })
    const wrong = await t.api('GET', `${BASE}/objectives`, undefined, { token: 'sk_nope' })
    for (const res of [none, wrong]) {
      assert.equal(res.status, 401)
      assert.deepEqual(Object.keys(res.body), ['error'])
    }
    for (const path of [`${BASE}/nothing/here`, BASE]) {
      const route = await t.api('GET', path)
      assert.equal(route.status, 404, path)
      assert.deepEqual(Object.keys(route.body), ['error'])
    }
  })

  it("aiAssistantId attaches and replaces the assistant's previous objective", async () => {
    const first = await createObjective('first', { aiAssistantId: 1 })
    assert.deepEqual(first.aiAssistants, [{ id: 1, name: 'Assistant A' }])
    const second = await createObjective('second')
    const res = await t.api('PUT', `${BASE}/objectives/${second.id}`, { aiAssistantId: 1 })
    assert.deepEqual(res.body.objective.aiAssistants, [{ id: 1, name: 'Assistant A' }])
    const again = await t.api('GET', `${BASE}/objectives/${first.id}`)
    assert.deepEqual(again.body.aiAssistants, [])
  })

  it('an unknown aiAssistantId is 404 {error} and changes nothing', async () => {
    const o = await createObjective('lonely')
    const res = await t.api('PUT', `${BASE}/objectives/${o.id}`, { name: 'x', aiAssistantId: 999 })
    assert.equal(res.status, 404)
    assert.deepEqual(res.body, { error: 'AI assistant not found' })
    assert.equal((await t.api('GET', `${BASE}/objectives/${o.id}`)).body.name, 'lonely')
  })

  it('metric history grows on every change while the objective lists the current rows', async () => {
    const o = await createObjective('hist', { metrics: [{ key: 'calls', value: '1' }] })
    await t.api('PUT', `${BASE}/objectives/${o.id}`, { metrics: [{ key: 'calls', value: '2' }] })
    const res = await t.api('PUT', `${BASE}/objectives/${o.id}`, {
      metrics: [{ key: 'calls', value: '3' }],
    })
    assert.equal(res.body.objective.metrics.length, 1)
    assert.equal(res.body.objective.metrics[0].value, '{"key":"calls","value":"3"}')
    const goal = await t.api('GET', `/v1/goals/external_id:${o.externalId}`)
    const history = await t.api('GET', `/v1/goals/${goal.body.metadata.id}/metrics`)
    assert.deepEqual(
      history.body.items.map((m: any) => m.value),
      ['1', '2', '3'],
    )
  })

  it('goal statuses TokenSource has no word for show as on_track', async () => {
    const goal = await t.api('POST', '/v1/goals', {
      metadata: { name: 'paused' },
      spec: { status: 'GOAL_STATUS_PAUSED' },
    })
    const res = await t.api('GET', `${BASE}/objectives/${goal.body.metadata.number}`)
    assert.equal(res.body.status, 'on_track')
  })

  it("userId is the creating key's profile number; other workspaces' objectives are 404", async () => {
    const mine = await createObjective('mine')
    const ws = await t.api('POST', '/v1/account/workspaces', { metadata: { name: 'ts-other' } })
    const key = await t.api('POST', `/v1/workspaces/${ws.body.metadata.id}/api_keys`, {
      metadata: { name: 'ts-key' },
    })
    const token = key.body.spec.token
    const theirs = await t.api('POST', `${BASE}/objectives`, { name: 'theirs' }, { token })
    assert.equal(theirs.status, 201)
    assert.notEqual(theirs.body.objective.userId, mine.userId)
    const byExternal = `${BASE}/objectives/${theirs.body.objective.externalId}`
    assert.equal((await t.api('GET', byExternal)).status, 404)
    const list = await t.api('GET', `${BASE}/objectives`, undefined, { token })
    assert.deepEqual(
      list.body.map((o: any) => o.name),
      ['theirs'],
    )
  })

  it('PUT metrics add a row per key sent; keys not sent keep their current value', async () => {
    const o = await createObjective('merge', {
      metrics: [
        { key: 'calls', value: '1' },
        { key: 'deals', value: '0' },
      ],
    })
    const res = await t.api('PUT', `${BASE}/objectives/${o.id}`, {
      metrics: [{ key: 'calls', value: '2' }],
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(
      res.body.objective.metrics.map((m: any) => JSON.parse(m.value)),
      [
        { key: 'calls', value: '2' },
        { key: 'deals', value: '0' },
      ],
    )
  })

  it('a PUT repeating a metric key is 400 {error} naming it', async () => {
    const o = await createObjective('dup')
    const res = await t.api('PUT', `${BASE}/objectives/${o.id}`, {
      metrics: [
        { key: 'a', value: '1' },
        { key: 'a', value: '2' },
      ],
    })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { error: 'metrics.1.key: duplicates another metric key' })
  })

  it('integer ids beyond the int32 range are 404, never 500', async () => {
    const o = await createObjective('range')
    for (const id of ['99999999999999999999', '2147483648']) {
      const res = await t.api('GET', `${BASE}/objectives/${id}`)
      assert.equal(res.status, 404, id)
      assert.deepEqual(res.body, { error: 'Objective not found' })
    }
    const res = await t.api('PUT', `${BASE}/objectives/${o.id}`, { aiAssistantId: 1e15 })
    assert.equal(res.status, 404)
    assert.deepEqual(res.body, { error: 'AI assistant not found' })
  })

  it('text with a NUL character is 400 {error}, never 500', async () => {
    const cases = [
      await t.api('POST', `${BASE}/objectives`, { name: 'a\u0000b' }),
      await t.api('POST', `${BASE}/objectives`, { name: 'ok', description: 'x\u0000' }),
      await t.api('GET', `${BASE}/objectives/a%00b`),
    ]
    for (const res of cases) {
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.deepEqual(Object.keys(res.body), ['error'])
    }
  })

  it('paths with a trailing slash reach the same routes', async () => {
    const created = await t.api('POST', `${BASE}/objectives/`, { name: 'slash' })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const id = created.body.objective.id
    assert.ok((await t.api('GET', `${BASE}/objectives/`)).body.some((o: any) => o.id === id))
    assert.equal((await t.api('GET', `${BASE}/objectives/${id}/`)).body.name, 'slash')
    const put = await t.api('PUT', `${BASE}/objectives/${id}/`, { name: 'slashed' })
    assert.equal(put.body.objective.name, 'slashed')
    const del = await t.api('DELETE', `${BASE}/objectives/${id}/`)
    assert.deepEqual(del.body, { message: 'Objective deleted' })
  })
})
