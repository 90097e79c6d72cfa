import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFakeProvider, type FakeProvider } from './support/fake-provider.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

const lead = [
  { key: 'full_name', label: 'Name', type: 'string', required: true },
  { key: 'email', type: 'email', required: true, description: 'work email' },
  { key: 'contact_time', type: 'enum', required: false, options: ['morning', 'evening'] },
]

async function createGoal(name: string, spec: Record<string, unknown> = {}, extra = {}) {
  const res = await t.api('POST', '/v1/goals', { metadata: { name, ...extra }, spec })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

async function createAgent(name: string, path = '/v1/agents', token?: string) {
  const res = await t.api('POST', path, { metadata: { name } }, { token })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.metadata.id as string
}

function violationFields(body: any): string[] {
  return body.details.flatMap((d: any) => d.fieldViolations.map((v: any) => v.field))
}

describe('goals (native)', () => {
  it('a created goal has RM metadata with a number, spec defaults and zero computed metrics', async () => {
    const goal = await createGoal('defaults')
    assert.match(goal.metadata.id, /^goal_[0-9A-HJKMNP-TV-Z]{26}$/)
    assert.equal(goal.metadata.workspaceId, t.workspaceId)
    assert.equal(goal.metadata.externalId, '')
    assert.deepEqual(goal.metadata.labels, {})
    assert.equal(typeof goal.metadata.number, 'number')
    assert.deepEqual(goal.spec, {
      description: null,
      status: 'GOAL_STATUS_ACTIVE',
      priority: null,
      fields: [],
      metrics: [],
    })
    assert.deepEqual(goal.info, {
      agents: [],
      metrics: {
        objectivesTotal: 0,
        objectivesFinalized: 0,
        objectivesFailed: 0,
        fieldsCollectedRate: 0,
        meanFeedbackScore: 0,
      },
    })
  })

  it('lead-info fields are stored and returned with required defaulting to false', async () => {
    const goal = await createGoal('lead', {
      description: 'collect leads',
      priority: 2,
      fields: [...lead, { key: 'notes', type: 'string' }],
    })
    assert.equal(goal.spec.priority, 2)
    assert.deepEqual(goal.spec.fields.slice(0, 3), lead)
    assert.deepEqual(goal.spec.fields[3], { key: 'notes', type: 'string', required: false })
  })

  it('goal numbers stay distinct and consecutive under concurrent creates', async () => {
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.api('POST', '/v1/goals', { metadata: { name: `race-${i}` } }),
      ),
    )
    const numbers = created.map((r) => r.body.metadata.number).sort((a, b) => a - b)
    assert.equal(new Set(numbers).size, 12)
    assert.equal(numbers[11] - numbers[0], 11)
  })

  const badSpecs: [string, Record<string, unknown>, string][] = [
    ['an unknown field type', { fields: [{ key: 'a', type: 'colour' }] }, 'spec.fields.0.type'],
    [
      'a key that is not snake_case',
      { fields: [{ key: 'fullName', type: 'string' }] },
      'spec.fields.0.key',
    ],
    [
      'a duplicate key',
      {
        fields: [
          { key: 'a', type: 'string' },
          { key: 'a', type: 'number' },
        ],
      },
      'spec.fields.1.key',
    ],
    ['an enum without options', { fields: [{ key: 'a', type: 'enum' }] }, 'spec.fields.0.options'],
    [
      'options on a non-enum field',
      { fields: [{ key: 'a', type: 'string', options: ['x'] }] },
      'spec.fields.0.options',
    ],
    ['a priority that is not an integer', { priority: 1.5 }, 'spec.priority'],
    ['an unknown status', { status: 'GOAL_STATUS_DONE' }, 'spec.status'],
    [
      'duplicate metric keys',
      {
        metrics: [
          { key: 'm', value: 1 },
          { key: 'm', value: 2 },
        ],
      },
      'spec.metrics.1.key',
    ],
  ]
  for (const [rule, spec, field] of badSpecs) {
    it(`a spec with ${rule} is 400 with a field violation on ${field}`, async () => {
      const res = await t.api('POST', '/v1/goals', { metadata: { name: 'bad' }, spec })
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.code, 3)
      assert.ok(violationFields(res.body).includes(field), JSON.stringify(res.body))
    })
  }

  it('a goal without a name is 400 naming metadata.name', async () => {
    const res = await t.api('POST', '/v1/goals', { metadata: {}, spec: {} })
    assert.equal(res.status, 400)
    assert.ok(violationFields(res.body).includes('metadata.name'))
  })

  it('a goal is found by id, external_id: and eid: and under both route families', async () => {
    const goal = await createGoal('refs', {}, { externalId: 'refs-ext' })
    for (const path of [
      `/v1/goals/${goal.metadata.id}`,
      '/v1/goals/external_id:refs-ext',
      '/v1/goals/eid:refs-ext',
      `/v1/workspaces/${t.workspaceId}/goals/${goal.metadata.id}`,
    ]) {
      const res = await t.api('GET', path)
      assert.equal(res.status, 200, path)
      assert.equal(res.body.metadata.id, goal.metadata.id)
    }
  })

  it('a second goal with the same externalId is 409', async () => {
    await createGoal('dup-1', {}, { externalId: 'dup-ext' })
    const res = await t.api('POST', '/v1/goals', {
      metadata: { name: 'dup-2', externalId: 'dup-ext' },
    })
    assert.equal(res.status, 409)
    assert.equal(res.body.code, 6)
  })

  it('the list filters by name prefix and status and pages with a cursor', async () => {
    for (const [name, status] of [
      ['pg-a', 'GOAL_STATUS_PAUSED'],
      ['pg-b', 'GOAL_STATUS_PAUSED'],
      ['pg-c', 'GOAL_STATUS_COMPLETED'],
    ]) {
      await createGoal(name, { status })
    }
    const first = await t.api('GET', '/v1/goals?prefix=pg-&status=GOAL_STATUS_PAUSED&limit=1')
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assert.equal(first.body.pagination.total, 2)
    assert.equal(first.body.items[0].metadata.name, 'pg-a')
    assert.equal(first.body.items[0].info, undefined)
    const cursor = first.body.pagination.nextCursor
    assert.equal(first.body.pagination.next_cursor, cursor)
    const second = await t.api(
      'GET',
      `/v1/goals?prefix=pg-&status=GOAL_STATUS_PAUSED&limit=1&cursor=${cursor}&includeInfo=true`,
    )
    assert.equal(second.body.items[0].metadata.name, 'pg-b')
    assert.deepEqual(second.body.items[0].info.agents, [])
    assert.equal(second.body.pagination.nextCursor, '')
    const bad = await t.api('GET', '/v1/goals?status=DONE')
    assert.equal(bad.status, 400)
  })

  it('an update with updateMask changes only the listed fields', async () => {
    const goal = await createGoal('masked', { description: 'old', priority: 1 })
    const res = await t.api('PATCH', `/v1/goals/${goal.metadata.id}`, {
      metadata: { name: 'ignored' },
      spec: { description: 'new', priority: 9 },
      updateMask: 'spec.description',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.metadata.name, 'masked')
    assert.equal(res.body.spec.description, 'new')
    assert.equal(res.body.spec.priority, 1)
  })

  it('an update that breaks the field rules is 400 and changes nothing', async () => {
    const goal = await createGoal('keep', { fields: lead })
    const res = await t.api('PATCH', `/v1/goals/${goal.metadata.id}`, {
      spec: { fields: [{ key: 'x', type: 'enum' }] },
    })
    assert.equal(res.status, 400)
    const got = await t.api('GET', `/v1/goals/${goal.metadata.id}`)
    assert.deepEqual(got.body.spec.fields, lead)
  })

  it('metric history grows on every change and the spec shows the current values', async () => {
    const goal = await createGoal('metrics', {
      metrics: [
        { key: 'leads', value: 1 },
        { key: 'tone', value: 'warm' },
      ],
    })
    const id = goal.metadata.id
    const patch = (metrics: unknown) => t.api('PATCH', `/v1/goals/${id}`, { spec: { metrics } })
    await patch([
      { key: 'leads', value: 2 },
      { key: 'tone', value: 'warm' },
    ])
    const last = await patch([{ key: 'leads', value: 2 }])
    assert.deepEqual(last.body.spec.metrics, [{ key: 'leads', value: 2 }])
    const history = await t.api('GET', `/v1/goals/${id}/metrics`)
    assert.equal(history.status, 200, JSON.stringify(history.body))
    assert.deepEqual(
      history.body.items.map((m: any) => [m.key, m.value]),
      [
        ['leads', 1],
        ['tone', 'warm'],
        ['leads', 2],
        ['tone', null],
      ],
    )
    assert.equal(history.body.items[0].goalId, id)
    assert.match(history.body.items[0].id, /^\d+$/)
    const paged = await t.api('GET', `/v1/goals/${id}/metrics?limit=3&sortOrder=desc&key=leads`)
    assert.equal(paged.body.pagination.total, 2)
    assert.deepEqual(
      paged.body.items.map((m: any) => m.value),
      [2, 1],
    )
  })

  it("attach replaces the agent's previous goal; a goal may serve many agents", async () => {
    const first = await createGoal('first')
    const second = await createGoal('second')
    const agentA = await createAgent('att-a')
    const agentB = await createAgent('att-b')
    const a1 = await t.api('POST', `/v1/goals/${first.metadata.id}:attach`, { agentId: agentA })
    assert.equal(a1.status, 200, JSON.stringify(a1.body))
    assert.deepEqual(
      a1.body.info.agents.map((a: any) => [a.id, a.name]),
      [[agentA, 'att-a']],
    )
    assert.equal(typeof a1.body.info.agents[0].number, 'number')
    await t.api('POST', `/v1/goals/${second.metadata.id}/attach`, { agent_id: agentA })
    await t.api('POST', `/v1/goals/${second.metadata.id}:attach`, { agentId: agentB })
    const g1 = await t.api('GET', `/v1/goals/${first.metadata.id}`)
    const g2 = await t.api('GET', `/v1/goals/${second.metadata.id}`)
    assert.deepEqual(g1.body.info.agents, [])
    assert.deepEqual(
      g2.body.info.agents.map((a: any) => a.id),
      [agentA, agentB],
    )
    const byAgent = await t.api('GET', `/v1/goals?agentId=${agentA}`)
    assert.deepEqual(
      byAgent.body.items.map((g: any) => g.metadata.id),
      [second.metadata.id],
    )
  })

  it('detach removes the attachment; detaching an agent that is not attached is 404', async () => {
    const goal = await createGoal('det')
    const agent = await createAgent('det-agent')
    await t.api('POST', `/v1/goals/${goal.metadata.id}:attach`, { agentId: agent })
    const res = await t.api('POST', `/v1/goals/${goal.metadata.id}:detach`, { agentId: agent })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.info.agents, [])
    const again = await t.api('POST', `/v1/goals/${goal.metadata.id}/detach`, { agentId: agent })
    assert.equal(again.status, 404)
  })

  it('attaching an unknown agent is 404 and attach without agentId is 400', async () => {
    const goal = await createGoal('unknown-agent')
    const res = await t.api('POST', `/v1/goals/${goal.metadata.id}:attach`, {
      agentId: 'agent_01J00000000000000000000000',
    })
    assert.equal(res.status, 404)
    assert.equal(res.body.code, 5)
    const missing = await t.api('POST', `/v1/goals/${goal.metadata.id}:attach`, {})
    assert.equal(missing.status, 400)
    assert.ok(violationFields(missing.body).includes('agentId'))
  })

  it("another workspace's goals and agents are 404", async () => {
    const ws = await t.api('POST', '/v1/account/workspaces', { metadata: { name: 'other' } })
    const other = ws.body.metadata.id
    const key = await t.api('POST', `/v1/workspaces/${other}/api_keys`, { metadata: { name: 'k' } })
    const token = key.body.spec.token
    const theirGoal = (
      await t.api('POST', '/v1/goals', { metadata: { name: 'theirs' } }, { token })
    ).body
    const theirAgent = await createAgent('their-agent', '/v1/agents', token)
    const mine = await createGoal('mine')
    assert.equal((await t.api('GET', `/v1/goals/${theirGoal.metadata.id}`)).status, 404)
    assert.equal((await t.api('DELETE', `/v1/goals/${theirGoal.metadata.id}`)).status, 404)
    const attach = await t.api('POST', `/v1/goals/${mine.metadata.id}:attach`, {
      agentId: theirAgent,
    })
    assert.equal(attach.status, 404)
    const list = await t.api('GET', '/v1/goals?prefix=theirs')
    assert.equal(list.body.pagination.total, 0)
    // Numbers are per workspace: the other workspace starts again at 1.
    assert.equal(theirGoal.metadata.number, 1)
  })

  it('a deleted goal is gone and its attachments with it', async () => {
    const goal = await createGoal('gone')
    const agent = await createAgent('gone-agent')
    await t.api('POST', `/v1/goals/${goal.metadata.id}:attach`, { agentId: agent })
    const del = await t.api('DELETE', `/v1/goals/${goal.metadata.id}`)
    assert.equal(del.status, 200)
    assert.deepEqual(del.body, {})
    assert.equal((await t.api('GET', `/v1/goals/${goal.metadata.id}`)).status, 404)
    const byAgent = await t.api('GET', `/v1/goals?agentId=${agent}`)
    assert.equal(byAgent.body.pagination.total, 0)
  })

  it('generate without any usable model is 400 FAILED_PRECONDITION, never 500', async () => {
    const res = await t.api('POST', '/v1/goals:generate', { description: 'collect emails' })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.code, 9)
    assert.match(res.body.message, /no usable model/)
    const empty = await t.api('POST', '/v1/goals:generate', {})
    assert.equal(empty.status, 400)
    assert.ok(violationFields(empty.body).includes('description'))
  })
})

describe('goals:generate with a model', () => {
  let fake: FakeProvider
  let g: TestSortie
  before(async () => {
    fake = await startFakeProvider('openai')
    g = await startTestSortie({ OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: 'sk-fake' })
  })
  after(async () => {
    await g?.sortie.stop()
    await fake?.close()
  })

  it('generate proposes a goal through the first credentialed model and saves nothing', async () => {
    const proposal = {
      name: 'Callback scheduling',
      description: 'Collect what is needed to call the customer back',
      priority: 1,
      fields: [
        { key: 'customer_name', type: 'string', required: true },
        { key: 'preferred_time', type: 'enum', required: false, options: ['am', 'pm'] },
      ],
    }
    fake.enqueue({ toolCalls: [{ name: 'propose_goal', arguments: proposal }] })
    const res = await g.api('POST', `/v1/workspaces/${g.workspaceId}/goals:generate`, {
      description: 'Collect customer name and preferred contact time',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body, proposal)
    const sent = fake.requests.at(-1)!.body
    // The first catalogue model with credentials; a reasoning model, so the SDK drops temperature.
    assert.equal(sent.model, 'gpt-5.1')
    assert.equal(sent.tools[0].function.name, 'propose_goal')
    const list = await g.api('GET', '/v1/goals')
    assert.equal(list.body.pagination.total, 0)
  })

  it('a proposal that breaks the field rules is 503, not a saved or half-valid goal', async () => {
    fake.enqueue({
      toolCalls: [
        {
          name: 'propose_goal',
          arguments: { name: 'x', description: '', fields: [{ key: 'Bad Key', type: 'string' }] },
        },
      ],
    })
    const res = await g.api('POST', '/v1/goals:generate', { description: 'anything' })
    assert.equal(res.status, 503, JSON.stringify(res.body))
    assert.match(res.body.message, /did not propose a valid goal/)
  })

  it('a provider failure is 503 with the reason, never 500', async () => {
    fake.enqueue({ status: 400, errorMessage: 'context too long' })
    const res = await g.api('POST', '/v1/goals:generate', { description: 'anything' })
    assert.equal(res.status, 503, JSON.stringify(res.body))
    assert.match(res.body.message, /context too long/)
  })
})

describe('goals:generate with SORTIE_DEFAULT_MODEL', () => {
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

  it('generate uses SORTIE_DEFAULT_MODEL when it is set, at temperature 0.5', async () => {
    fake.enqueue({
      toolCalls: [{ name: 'propose_goal', arguments: { name: 'n', description: 'd', fields: [] } }],
    })
    const res = await g.api('POST', '/v1/goals:generate', { description: 'anything' })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.priority, null)
    assert.equal(fake.requests.at(-1)!.body.model, 'gpt-4.1-mini')
    assert.equal(fake.requests.at(-1)!.body.temperature, 0.5)
  })

  it('a disabled default model is 400 FAILED_PRECONDITION naming SORTIE_DEFAULT_MODEL', async () => {
    const models = await g.api('GET', '/v1/models?prefix=openai/gpt-4.1-mini')
    const model = models.body.items.find((m: any) => m.metadata.name === 'openai/gpt-4.1-mini')
    const off = await g.api('PUT', `/v1/models/${model.metadata.id}/status`, {
      status: 'MODEL_STATUS_DISABLED',
    })
    assert.equal(off.status, 200, JSON.stringify(off.body))
    const res = await g.api('POST', '/v1/goals:generate', { description: 'anything' })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.code, 9)
    assert.match(res.body.message, /SORTIE_DEFAULT_MODEL/)
  })
})
