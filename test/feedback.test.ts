import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MODEL_OF } from './support/objectives.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

// No worker: objectives stay PENDING, which is all feedback and selection need.
let t: TestSortie
before(async () => {
  t = await startTestSortie({
    OPENAI_API_KEY: 'fake-key',
    OPENAI_BASE_URL: 'http://127.0.0.1:9/v1',
  })
})
after(() => t?.sortie.stop())

let n = 0
/** An agent (RANDOM selection = Thompson sampling) with two variations A and B. */
async function twoVariationAgent(): Promise<{ agentId: string; a: string; b: string }> {
  const k = ++n
  const spec = { prompt: 'You help.', modelConfig: { modelId: MODEL_OF.openai } }
  const agent = await t.api('POST', '/v1/agents', {
    metadata: { name: `fb-agent-${k}` },
    spec: { variationSelectionMode: 'VARIATION_SELECTION_MODE_RANDOM' },
    defaultVariation: { metadata: { name: 'a' }, spec },
  })
  assert.equal(agent.status, 200, JSON.stringify(agent.body))
  const agentId = agent.body.metadata.id
  const b = await t.api('POST', `/v1/agents/${agentId}/variations`, {
    metadata: { name: 'b' },
    spec,
  })
  assert.equal(b.status, 200, JSON.stringify(b.body))
  const list = await t.api('GET', `/v1/agents/${agentId}/variations`)
  const a = list.body.items.find((v: any) => v.metadata.name === 'a').metadata.id
  return { agentId, a, b: b.body.metadata.id }
}

async function objective(agentId: string, variationId?: string): Promise<any> {
  const res = await t.api('POST', '/v1/objectives', {
    agentId,
    ...(variationId ? { variationId } : {}),
    data: { initialMessage: 'hi' },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

async function variation(agentId: string, id: string): Promise<any> {
  const res = await t.api('GET', `/v1/agents/${agentId}/variations/${id}`)
  assert.equal(res.status, 200)
  return res.body
}

describe('feedback', () => {
  it('seed-004 feedback is stored with attributes and moves the variation score and count', async () => {
    const { agentId, a } = await twoVariationAgent()
    const obj = await objective(agentId, a)
    const res = await t.api('POST', `/v1/objectives/${obj.metadata.id}/feedback`, {
      data: { score: 1, comment: 'great', attributes: { user_id: 'u1' } },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.match(res.body.metadata.id, /^ofb_/)
    assert.deepEqual(res.body.data, { score: 1, comment: 'great', attributes: { user_id: 'u1' } })
    assert.equal(res.body.info.objective.id, obj.metadata.id)
    assert.equal(res.body.info.agentVariation.id, a)
    assert.equal(res.body.info.agentVariation.name, 'a')
    assert.ok(res.body.info.submittedBy.metadata.id)
    const v = await variation(agentId, a)
    assert.equal(v.info.feedbackCount, 1)
    // prior Beta(1, 1), r = 1: Beta(2, 1) has mean 2/3
    assert.ok(Math.abs(v.info.score - 2 / 3) < 1e-9, String(v.info.score))
  })

  it('seed-003 feedback with metadata and a partial score updates alpha and beta by r and 1 - r', async () => {
    const { agentId, b } = await twoVariationAgent()
    const obj = await objective(agentId, b)
    const res = await t.api(
      'POST',
      `/v1/workspaces/${t.workspaceId}/objectives/${obj.metadata.id}/feedback`,
      { metadata: { externalId: 'fb-1', labels: { team: 'x' } }, data: { score: -0.5 } },
    )
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.metadata.externalId, 'fb-1')
    assert.deepEqual(res.body.metadata.labels, { team: 'x' })
    assert.equal(res.body.data.comment, '')
    assert.deepEqual(res.body.data.attributes, {})
    // r = 0.25: Beta(1.25, 1.75), mean 1.25 / 3
    const v = await variation(agentId, b)
    assert.ok(Math.abs(v.info.score - 1.25 / 3) < 1e-9, String(v.info.score))
    assert.equal(v.info.feedbackCount, 1)
  })

  it('the flat seed-001 body {score, comment} is read as data and moves the score', async () => {
    const { agentId, a } = await twoVariationAgent()
    const obj = await objective(agentId, a)
    const res = await t.api('POST', `/v1/objectives/${obj.metadata.id}/feedback`, {
      score: -1,
      comment: 'wrong answer',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.data, { score: -1, comment: 'wrong answer', attributes: {} })
    const v = await variation(agentId, a)
    assert.equal(v.info.feedbackCount, 1)
    // prior Beta(1, 1), r = 0: Beta(1, 2) has mean 1/3
    assert.ok(Math.abs(v.info.score - 1 / 3) < 1e-9, String(v.info.score))
    const bad = await t.api('POST', `/v1/objectives/${obj.metadata.id}/feedback`, { score: 3 })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.details[0].fieldViolations[0].field, 'score')
  })

  it('a score outside -1..1 or a missing data object is a field violation', async () => {
    const { agentId } = await twoVariationAgent()
    const obj = await objective(agentId)
    for (const [body, field] of [
      [{ data: { score: 1.5 } }, 'data.score'],
      [{ data: { score: 'high' } }, 'data.score'],
      [{}, 'data'],
    ] as const) {
      const res = await t.api('POST', `/v1/objectives/${obj.metadata.id}/feedback`, body)
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.code, 3)
      assert.equal(res.body.details[0].fieldViolations[0].field, field)
    }
    const missing = await t.api('POST', '/v1/objectives/obj_nope/feedback', { data: { score: 0 } })
    assert.equal(missing.status, 404)
  })

  it('concurrent feedback loses no update of the posterior', async () => {
    const { agentId, a } = await twoVariationAgent()
    const obj = await objective(agentId, a)
    await Promise.all(
      Array.from({ length: 10 }, () =>
        t.api('POST', `/v1/objectives/${obj.metadata.id}/feedback`, { data: { score: 1 } }),
      ),
    )
    const v = await variation(agentId, a)
    assert.equal(v.info.feedbackCount, 10)
    assert.ok(Math.abs(v.info.score - 11 / 12) < 1e-9, String(v.info.score))
  })

  it('objective and agent feedback lists page and filter by variation, time, text and sentiment', async () => {
    const { agentId, a, b } = await twoVariationAgent()
    const oa = await objective(agentId, a)
    const ob = await objective(agentId, b)
    const post = (o: any, data: object) =>
      t.api('POST', `/v1/objectives/${o.metadata.id}/feedback`, { data })
    const start = new Date(Date.now() - 1000).toISOString()
    await post(oa, { score: 0.8, comment: 'Helpful answer' })
    await post(oa, { score: -0.6, comment: 'wrong tool' })
    await post(ob, { score: 0, comment: 'meh' })
    await post(ob, { comment: 'no score at all' })
    const own = await t.api('GET', `/v1/objectives/${oa.metadata.id}/feedback?limit=1`)
    assert.equal(own.body.items.length, 1)
    assert.equal(own.body.pagination.total, 2)
    const next = await t.api(
      'GET',
      `/v1/objectives/${oa.metadata.id}/feedback?limit=1&cursor=${own.body.pagination.nextCursor}`,
    )
    assert.equal(next.body.items[0].data.comment, 'wrong tool')
    const list = async (q: string) => {
      const res = await t.api(
        'GET',
        `/v1/workspaces/${t.workspaceId}/agents/${agentId}/feedback?${q}`,
      )
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body.items.map((f: any) => f.data.comment)
    }
    assert.equal((await list('')).length, 4)
    assert.deepEqual(await list('sentiment=SENTIMENT_POSITIVE'), ['Helpful answer'])
    assert.deepEqual(await list('sentiment=negative'), ['wrong tool'])
    assert.deepEqual(await list('sentiment=NEUTRAL'), ['meh', 'no score at all'])
    assert.deepEqual(await list(`agentVariationId=${b}`), ['meh', 'no score at all'])
    assert.deepEqual(await list('query=helpful'), ['Helpful answer'])
    assert.equal((await list(`createdAfter=${encodeURIComponent(start)}`)).length, 4)
    assert.equal((await list(`createdBefore=${encodeURIComponent(start)}`)).length, 0)
    const bad = await t.api('GET', `/v1/agents/${agentId}/feedback?sentiment=happy`)
    assert.equal(bad.status, 400)
    assert.equal(bad.body.details[0].fieldViolations[0].field, 'sentiment')
    const badTime = await t.api('GET', `/v1/agents/${agentId}/feedback?createdAfter=yesterday`)
    assert.equal(badTime.status, 400)
    assert.equal(badTime.body.details[0].fieldViolations[0].field, 'createdAfter')
  })
})

describe('variation selection', () => {
  it('Thompson sampling picks the variation that feedback favours far more often', async () => {
    const { agentId, a, b } = await twoVariationAgent()
    const draw = async (count: number) => {
      const picks = { [a]: 0, [b]: 0 }
      for (let i = 0; i < count; i++) {
        const o = await objective(agentId)
        picks[o.data.variation.metadata.id]! += 1
      }
      return picks
    }
    // No feedback: Beta(1, 1) each, a fair coin. P(all 40 the same) = 2^-39.
    const uniform = await draw(40)
    assert.ok(uniform[a]! > 0 && uniform[b]! > 0, JSON.stringify(uniform))
    const oa = await objective(agentId, a)
    const ob = await objective(agentId, b)
    for (let i = 0; i < 15; i++) {
      await t.api('POST', `/v1/objectives/${oa.metadata.id}/feedback`, { data: { score: 1 } })
      await t.api('POST', `/v1/objectives/${ob.metadata.id}/feedback`, { data: { score: -1 } })
    }
    // Beta(16, 1) against Beta(1, 16): b wins a draw with probability below 1e-8.
    const favoured = await draw(40)
    assert.ok(favoured[a]! >= 38, JSON.stringify(favoured))
  })

  it('an explicit variationId wins over the posterior', async () => {
    const { agentId, a, b } = await twoVariationAgent()
    const oa = await objective(agentId, a)
    for (let i = 0; i < 10; i++) {
      await t.api('POST', `/v1/objectives/${oa.metadata.id}/feedback`, { data: { score: 1 } })
    }
    const o = await objective(agentId, b)
    assert.equal(o.data.variation.metadata.id, b)
  })
})
