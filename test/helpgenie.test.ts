import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFakeProvider, type FakeProvider } from './support/fake-provider.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

const BASE = '/helpgenie/v1'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const GOAL_KEYS = [
  'agent_id',
  'created_at',
  'description',
  'fields',
  'id',
  'name',
  'priority',
  'status',
  'updated_at',
]

const invoke = (action: string, rest: Record<string, unknown> = {}, sortie = t) =>
  sortie.api('POST', BASE, { resource: 'goals', action, ...rest })

function assertGoal(g: any) {
  assert.deepEqual(Object.keys(g).sort(), GOAL_KEYS)
  assert.match(g.id, UUID)
  assert.ok(g.agent_id === null || UUID.test(g.agent_id))
  assert.match(g.status, /^[a-z_]+$/)
}

/** Asserts the failure envelope and returns its error. */
function assertFailure(res: { status: number; body: any }, code: string, status: number) {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.deepEqual(Object.keys(res.body).sort(), ['error', 'success'])
  assert.equal(res.body.success, false)
  assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'status'])
  assert.equal(res.body.error.code, code)
  assert.equal(res.body.error.status, status)
  return res.body.error
}

async function createAgent(name: string, token?: string) {
  const res = await t.api('POST', '/v1/agents', { metadata: { name } }, { token })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.metadata.id as string
}

async function createGoal(data: Record<string, unknown>) {
  const res = await invoke('create', { data })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body.data
}

describe('HelpGenie goals (seed 002 examples)', () => {
  it('the list example answers {items, count} in the success envelope', async () => {
    const res = await invoke('list', {
      data: { agentId: 'agent-uuid', status: 'active', limit: 50 },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body, { success: true, data: { items: [], count: 0 } })
  })

  it('the attach example with unknown ids is NOT_FOUND; with real ids it returns the attachment', async () => {
    const res = await invoke('attach', { data: { goalId: 'goal-uuid', agentId: 'agent-uuid' } })
    assertFailure(res, 'NOT_FOUND', 404)
    const agent = await createAgent('attach-example')
    const goal = await createGoal({ name: 'attach example' })
    const ok = await invoke('attach', { data: { goalId: goal.id, agentId: agent } })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.equal(ok.body.success, true)
    assert.equal(ok.body.data.goal_id, goal.id)
    assert.match(ok.body.data.agent_id, UUID)
    const listed = await invoke('list', {
      data: { agentId: ok.body.data.agent_id, status: 'active', limit: 50 },
    })
    assert.deepEqual(
      listed.body.data.items.map((g: any) => g.id),
      [goal.id],
    )
    assert.equal(listed.body.data.count, 1)
    assert.equal(listed.body.data.items[0].agent_id, ok.body.data.agent_id)
  })

  it('the generate example without any usable model is VALIDATION_ERROR 400', async () => {
    const res = await invoke('generate', {
      data: {
        description:
          'Collect customer name, email, and preferred contact time for callback scheduling',
      },
    })
    const error = assertFailure(res, 'VALIDATION_ERROR', 400)
    assert.match(error.message, /no usable model/)
  })

  it('create, get, update and delete speak the goal object with UUID ids and lower-case statuses', async () => {
    const created = await invoke('create', {
      data: {
        name: 'Lead capture',
        description: null,
        status: 'on_track',
        priority: 3,
        fields: [{ key: 'email', type: 'email', required: true }],
      },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const goal = created.body.data
    assertGoal(goal)
    assert.equal(goal.status, 'on_track')
    assert.equal(goal.agent_id, null)
    assert.equal(goal.description, null)
    assert.deepEqual(goal.fields, [{ key: 'email', type: 'email', required: true }])
    const got = await invoke('get', { id: goal.id })
    assert.deepEqual(got.body, { success: true, data: goal })
    const updated = await invoke('update', {
      id: goal.id,
      data: { status: 'paused', priority: null },
    })
    assert.equal(updated.status, 200, JSON.stringify(updated.body))
    assert.equal(updated.body.data.status, 'paused')
    assert.equal(updated.body.data.priority, null)
    assert.equal(updated.body.data.name, 'Lead capture')
    const deleted = await invoke('delete', { id: goal.id })
    assert.deepEqual(deleted.body, { success: true, data: { id: goal.id, deleted: true } })
    assertFailure(await invoke('get', { id: goal.id }), 'NOT_FOUND', 404)
  })

  it('goal_ ids are accepted wherever a goal UUID is', async () => {
    const goal = await createGoal({ name: 'native id' })
    const native = await t.api('GET', '/v1/goals?prefix=native%20id')
    const res = await invoke('get', { id: native.body.items[0].metadata.id })
    assert.equal(res.body.data.id, goal.id)
  })
})

describe('HelpGenie REST alternative', () => {
  it('GET, POST (201), PATCH and DELETE on /goals map to the actions', async () => {
    const created = await t.api('POST', `${BASE}/goals`, { name: 'rest', status: 'active' })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const id = created.body.data.id
    const list = await t.api('GET', `${BASE}/goals?status=active&limit=500`)
    assert.ok(list.body.data.items.some((g: any) => g.id === id))
    const got = await t.api('GET', `${BASE}/goals/${id}`)
    assertGoal(got.body.data)
    const patched = await t.api('PATCH', `${BASE}/goals/${id}`, { description: 'now described' })
    assert.equal(patched.body.data.description, 'now described')
    assert.deepEqual((await t.api('DELETE', `${BASE}/goals/${id}`)).body.data, {
      id,
      deleted: true,
    })
  })

  it('POST /goals with an action runs that custom action', async () => {
    const goal = await createGoal({ name: 'custom' })
    const agent = await createAgent('custom-agent')
    const res = await t.api('POST', `${BASE}/goals`, {
      action: 'attach',
      data: { goalId: goal.id, agentId: agent },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.data.goal_id, goal.id)
  })

  it('X-API-Key authenticates like a Bearer token', async () => {
    const res = await t.api('GET', `${BASE}/goals`, undefined, {
      token: null,
      headers: { 'x-api-key': t.token },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.success, true)
  })
})

describe('HelpGenie rules', () => {
  it('a missing or invalid key is UNAUTHORIZED 401', async () => {
    assertFailure(
      await t.api('GET', `${BASE}/goals`, undefined, { token: null }),
      'UNAUTHORIZED',
      401,
    )
    const bad = await t.api(
      'POST',
      BASE,
      { resource: 'goals', action: 'list' },
      { token: 'sk_bad' },
    )
    assertFailure(bad, 'UNAUTHORIZED', 401)
  })

  it('bad input is VALIDATION_ERROR: malformed JSON, unknown status, missing name, bad fields', async () => {
    assertFailure(
      await t.api('POST', BASE, undefined, { rawBody: '{"resource":' }),
      'VALIDATION_ERROR',
      400,
    )
    assertFailure(
      await invoke('create', { data: { name: 'x', status: 'done' } }),
      'VALIDATION_ERROR',
      400,
    )
    assertFailure(
      await invoke('create', { data: { description: 'no name' } }),
      'VALIDATION_ERROR',
      400,
    )
    const fields = await invoke('create', {
      data: { name: 'x', fields: [{ key: 'Bad Key', type: 'string' }] },
    })
    assert.match(assertFailure(fields, 'VALIDATION_ERROR', 400).message, /fields\.0\.key/)
    assertFailure(await invoke('get', {}), 'VALIDATION_ERROR', 400)
  })

  it('validation messages name HelpGenie fields (name, priority, fields.N), never native spec paths', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '  ' }, 'name: is required'],
      [{ name: 'x', priority: 1.5 }, 'priority: must be an integer'],
      [
        { name: 'x', fields: [{ key: 'a', type: 'enum' }] },
        'fields.0.options: is required for type enum',
      ],
      [
        {
          name: 'x',
          fields: [
            { key: 'a', type: 'string' },
            { key: 'a', type: 'number' },
          ],
        },
        'fields.1.key: duplicates another field key',
      ],
    ]
    for (const [data, message] of cases) {
      assert.equal(
        assertFailure(await invoke('create', { data }), 'VALIDATION_ERROR', 400).message,
        message,
      )
    }
  })

  it('an unknown action is INVALID_ACTION and an unknown route is NOT_FOUND, both enveloped', async () => {
    assertFailure(await invoke('explode'), 'INVALID_ACTION', 400)
    assertFailure(await t.api('GET', `${BASE}/nothing`), 'NOT_FOUND', 404)
    assertFailure(await t.api('GET', BASE), 'NOT_FOUND', 404)
  })

  it('attaching an unknown agent is AGENT_NOT_FOUND', async () => {
    const goal = await createGoal({ name: 'no agent' })
    const res = await invoke('attach', {
      data: { goalId: goal.id, agentId: '01563e3a-b5d3-d676-4c61-efb99302bd5b' },
    })
    assertFailure(res, 'AGENT_NOT_FOUND', 404)
    const create = await invoke('create', { data: { name: 'x', agent_id: 'agent_unknown' } })
    assertFailure(create, 'AGENT_NOT_FOUND', 404)
  })

  it("attach replaces the agent's previous goal; agent_id shows the attached agent or null", async () => {
    const agent = await createAgent('replace-agent')
    const first = await createGoal({ name: 'first', agent_id: agent })
    assert.match(first.agent_id, UUID)
    const second = await createGoal({ name: 'second' })
    await invoke('attach', { data: { goalId: second.id, agentId: first.agent_id } })
    const [a, b] = await Promise.all([
      invoke('get', { id: first.id }),
      invoke('get', { id: second.id }),
    ])
    assert.equal(a.body.data.agent_id, null)
    assert.equal(b.body.data.agent_id, first.agent_id)
  })

  it('detach by agent alone removes its goal; detaching again is NOT_FOUND', async () => {
    const agent = await createAgent('detach-agent')
    const goal = await createGoal({ name: 'detach me', agent_id: agent })
    const res = await invoke('detach', { data: { agentId: goal.agent_id } })
    assert.deepEqual(res.body, {
      success: true,
      data: { goal_id: goal.id, agent_id: goal.agent_id },
    })
    assert.equal((await invoke('get', { id: goal.id })).body.data.agent_id, null)
    assertFailure(await invoke('detach', { data: { agentId: agent } }), 'NOT_FOUND', 404)
  })

  it('update with agent_id null detaches the goal from its agent', async () => {
    const agent = await createAgent('null-agent')
    const goal = await createGoal({ name: 'unassign', agent_id: agent })
    const res = await invoke('update', { id: goal.id, data: { agent_id: null } })
    assert.equal(res.body.data.agent_id, null)
    const native = await t.api('GET', `/v1/goals?agentId=${agent}`)
    assert.equal(native.body.pagination.total, 0)
  })

  it("another workspace's goals are NOT_FOUND", async () => {
    const ws = await t.api('POST', '/v1/account/workspaces', { metadata: { name: 'hg-other' } })
    const key = await t.api('POST', `/v1/workspaces/${ws.body.metadata.id}/api_keys`, {
      metadata: { name: 'hg-key' },
    })
    const theirs = await t.api(
      'POST',
      `${BASE}/goals`,
      { name: 'theirs' },
      { token: key.body.spec.token },
    )
    assert.equal(theirs.status, 201)
    assertFailure(await invoke('get', { id: theirs.body.data.id }), 'NOT_FOUND', 404)
    assertFailure(await invoke('delete', { id: theirs.body.data.id }), 'NOT_FOUND', 404)
  })
})

describe('HelpGenie listing and forms', () => {
  it('list without a limit returns every goal; with one, at most that many', async () => {
    const ws = await t.api('POST', '/v1/account/workspaces', { metadata: { name: 'hg-many' } })
    const key = await t.api('POST', `/v1/workspaces/${ws.body.metadata.id}/api_keys`, {
      metadata: { name: 'hg-many-key' },
    })
    const token = key.body.spec.token
    for (let i = 0; i < 55; i++) {
      const res = await t.api('POST', `${BASE}/goals`, { name: `many ${i}` }, { token })
      assert.equal(res.status, 201, JSON.stringify(res.body))
    }
    const all = await t.api('POST', BASE, { resource: 'goals', action: 'list' }, { token })
    assert.equal(all.body.data.count, 55)
    assert.equal(all.body.data.items.length, 55)
    const rest = await t.api('GET', `${BASE}/goals`, undefined, { token })
    assert.equal(rest.body.data.count, 55)
    const some = await t.api(
      'POST',
      BASE,
      { resource: 'goals', action: 'list', data: { limit: 10 } },
      { token },
    )
    assert.deepEqual([some.body.data.count, some.body.data.items.length], [10, 10])
  })

  it('get, update and delete take the goal id from data.id when it is not at the top level', async () => {
    const goal = await createGoal({ name: 'data-id' })
    const got = await invoke('get', { data: { id: goal.id } })
    assert.equal(got.body.data.id, goal.id)
    const updated = await invoke('update', { data: { id: goal.id, name: 'data-id 2' } })
    assert.equal(updated.body.data.name, 'data-id 2')
    const deleted = await invoke('delete', { data: { id: goal.id } })
    assert.deepEqual(deleted.body.data, { id: goal.id, deleted: true })
  })

  it('the action endpoint and the REST paths accept a trailing slash', async () => {
    const created = await t.api('POST', `${BASE}/`, {
      resource: 'goals',
      action: 'create',
      data: { name: 'slash' },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const id = created.body.data.id
    const list = await t.api('GET', `${BASE}/goals/`)
    assert.ok(list.body.data.items.some((g: any) => g.id === id))
    assert.equal((await t.api('GET', `${BASE}/goals/${id}/`)).body.data.name, 'slash')
    const patched = await t.api('PATCH', `${BASE}/goals/${id}/`, { priority: 2 })
    assert.equal(patched.body.data.priority, 2)
    assert.equal((await t.api('DELETE', `${BASE}/goals/${id}/`)).body.data.deleted, true)
    assertFailure(await t.api('POST', `${BASE}/nothing`, { action: 'list' }), 'NOT_FOUND', 404)
  })

  it('text with a NUL character is VALIDATION_ERROR, never 500', async () => {
    assertFailure(await invoke('create', { data: { name: 'a\u0000b' } }), 'VALIDATION_ERROR', 400)
    assertFailure(await invoke('get', { id: 'a\u0000b' }), 'VALIDATION_ERROR', 400)
  })
})

describe('HelpGenie generate with a model', () => {
  let fake: FakeProvider
  let g: TestSortie
  before(async () => {
    fake = await startFakeProvider('openai')
    g = await startTestSortie({
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_API_KEY: 'sk-fake',
      SORTIE_DEFAULT_MODEL: 'openai/gpt-4.1-mini',
    })
  })
  after(async () => {
    await g?.sortie.stop()
    await fake?.close()
  })

  it('the generate example returns the suggested goal and saves nothing', async () => {
    const proposal = {
      name: 'Callback scheduling',
      description: 'Collect what is needed to call the customer back',
      priority: null,
      fields: [
        { key: 'customer_name', type: 'string', required: true },
        { key: 'email', type: 'email', required: true },
        { key: 'preferred_contact_time', type: 'string', required: false },
      ],
    }
    fake.enqueue({ toolCalls: [{ name: 'propose_goal', arguments: proposal }] })
    const res = await invoke(
      'generate',
      {
        data: {
          description:
            'Collect customer name, email, and preferred contact time for callback scheduling',
        },
      },
      g,
    )
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body, { success: true, data: proposal })
    assert.equal(fake.requests.at(-1)!.body.temperature, 0.5)
    const list = await invoke('list', {}, g)
    assert.equal(list.body.data.count, 0)
  })
})
