import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MODEL_OF } from './support/objectives.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

// No worker: these rules all apply at creation.
let t: TestSortie
before(async () => {
  t = await startTestSortie({
    OPENAI_API_KEY: 'fake-key',
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
  })
})
after(() => t?.sortie.stop())

let n = 0
async function agentWith(prompt: string, inputDataSchema?: object): Promise<string> {
  const res = await t.api('POST', '/v1/agents', {
    metadata: { name: `input-agent-${++n}` },
    spec: { ...(inputDataSchema ? { inputDataSchema } : {}) },
    defaultVariation: {
      metadata: { name: 'v' },
      spec: { prompt, modelConfig: { modelId: MODEL_OF.openai } },
    },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.metadata.id
}

const SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    customer: { type: 'string', minLength: 1 },
    tier: { enum: ['gold', 'silver'] },
    orders: { type: 'array', items: { type: 'string' } },
  },
  required: ['customer'],
}
const PROMPT =
  'You help {{ customer }}.{% if tier %} Tier: {{ tier | upcase }}.{% endif %}' +
  '{% if orders %}{% for o in orders %} #{{ o }}{% endfor %}{% endif %}'

const create = (agentId: string, data: unknown, path = '/v1/objectives') =>
  t.api('POST', path, {
    agentId,
    data: { initialMessage: 'hi', ...(data !== undefined ? { data } : {}) },
  })

describe('input data and prompt templates', () => {
  it('data valid against inputDataSchema renders the Liquid prompt into data.systemPrompt', async () => {
    const agentId = await agentWith(PROMPT, SCHEMA)
    const res = await create(agentId, { customer: 'Ada', tier: 'gold', orders: ['1', '2'] })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.data.systemPrompt, 'You help Ada. Tier: GOLD. #1 #2')
    assert.deepEqual(res.body.data.data, { customer: 'Ada', tier: 'gold', orders: ['1', '2'] })
    const again = await create(
      agentId,
      { customer: 'Bob' },
      `/v1/workspaces/${t.workspaceId}/objectives`,
    )
    assert.equal(again.status, 200, JSON.stringify(again.body))
    assert.equal(again.body.data.systemPrompt, 'You help Bob.')
  })

  it('data that breaks inputDataSchema is a 400 listing each bad field', async () => {
    const agentId = await agentWith(PROMPT, SCHEMA)
    const res = await create(agentId, { tier: 'bronze', orders: [3] })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.code, 3)
    const fields = res.body.details[0].fieldViolations.map((v: any) => v.field).sort()
    assert.deepEqual(fields, ['data.data.customer', 'data.data.orders.0', 'data.data.tier'])
    const none = await create(agentId, undefined)
    assert.equal(none.status, 400)
    assert.equal(none.body.details[0].fieldViolations[0].field, 'data.data.customer')
    const list = await t.api('GET', `/v1/objectives?agentId=${agentId}`)
    assert.equal(list.body.items.length, 0, 'nothing was created')
  })

  it('a prompt variable missing from data is a 400 naming it, not a broken prompt', async () => {
    const agentId = await agentWith('Dear {{ customer.name }}, about {{ topic }}')
    const res = await create(agentId, { customer: { name: 'Ada' } })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.code, 3)
    const violation = res.body.details[0].fieldViolations[0]
    assert.equal(violation.field, 'data.data')
    assert.match(violation.description, /topic/)
    const ok = await create(agentId, { customer: { name: 'Ada' }, topic: 'billing' })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    assert.equal(ok.body.data.systemPrompt, 'Dear Ada, about billing')
  })

  it('prompt templates cannot read server files', async () => {
    const agentId = await agentWith('{% include "/etc/passwd" %}')
    const res = await create(agentId, {})
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.doesNotMatch(JSON.stringify(res.body), /root:/)
  })

  it('a prompt without Liquid is used as written and data stays optional without a schema', async () => {
    const agentId = await agentWith('Plain prompt, braces } alone.')
    const res = await create(agentId, undefined)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.data.systemPrompt, 'Plain prompt, braces } alone.')
  })
})
