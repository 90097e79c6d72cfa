import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

const agentBody = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, externalId: `${name}-ext`, labels: { team: 'a' } },
  spec: { description: 'd', status: 'AGENT_STATUS_PUBLISHED' },
  ...extra,
})

describe('agents', () => {
  it('an agent created with a default variation returns both, with metadata and info', async () => {
    const res = await t.api('POST', '/v1/agents', {
      ...agentBody('support'),
      defaultVariation: {
        metadata: { name: 'v1' },
        spec: { prompt: 'You help.', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
      },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.match(res.body.metadata.id, /^agent_[0-9A-HJKMNP-TV-Z]{26}$/)
    assert.equal(res.body.metadata.workspaceId, t.workspaceId)
    assert.equal(res.body.metadata.externalId, 'support-ext')
    assert.deepEqual(res.body.metadata.labels, { team: 'a' })
    assert.equal(res.body.spec.status, 'AGENT_STATUS_PUBLISHED')
    assert.equal(res.body.info.variationCount, 1)
    const vars = await t.api(
      'GET',
      `/v1/agents/${res.body.metadata.id}/variations?includeInfo=true`,
    )
    assert.equal(vars.body.items.length, 1)
    assert.equal(vars.body.items[0].info.score, 0.5)
    assert.equal(vars.body.items[0].info.feedbackCount, 0)
  })

  it('snake_case request fields are accepted like camelCase ones', async () => {
    const res = await t.api('POST', '/v1/agents', {
      metadata: { name: 'snake', external_id: 'snake-ext', labels: { my_label: 'x' } },
      spec: {
        webhook_events_url: 'https://example.test/hook',
        variation_selection_mode: 'VARIATION_SELECTION_MODE_WEIGHTED',
      },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.metadata.externalId, 'snake-ext')
    assert.deepEqual(res.body.metadata.labels, { my_label: 'x' })
    assert.equal(res.body.spec.webhookEventsUrl, 'https://example.test/hook')
    assert.equal(res.body.spec.variationSelectionMode, 'VARIATION_SELECTION_MODE_WEIGHTED')
  })

  it('an agent is found by external_id: and eid: references', async () => {
    await t.api('POST', '/v1/agents', agentBody('byref'))
    const a = await t.api('GET', '/v1/agents/external_id:byref-ext')
    const b = await t.api('GET', '/v1/agents/eid:byref-ext')
    assert.equal(a.status, 200)
    assert.equal(a.body.metadata.id, b.body.metadata.id)
  })

  it('both route families serve the same agent', async () => {
    const created = await t.api('POST', `/v1/workspaces/${t.workspaceId}/agents`, agentBody('fam'))
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const got = await t.api('GET', `/v1/agents/${created.body.metadata.id}`)
    assert.equal(got.body.metadata.name, 'fam')
  })

  it('JSON null on an optional field reads as unset (proto3 JSON), on create and on a masked update', async () => {
    const res = await t.api('POST', '/v1/agents', {
      metadata: { name: 'nulls', externalId: null, labels: null },
      spec: { description: null, webhookEventsUrl: 'https://example.test/hook', status: null },
      defaultVariation: null,
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.metadata.externalId, '')
    assert.deepEqual(res.body.metadata.labels, {})
    assert.equal(res.body.spec.description, '')
    const cleared = await t.api('PATCH', `/v1/agents/${res.body.metadata.id}`, {
      spec: { webhookEventsUrl: null },
      updateMask: 'spec.webhookEventsUrl',
    })
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body))
    assert.equal(cleared.body.spec.webhookEventsUrl, '')
    const required = await t.api('POST', '/v1/agents', { metadata: null, spec: {} })
    assert.equal(required.status, 400)
  })

  it('an update with updateMask changes only the listed fields', async () => {
    const created = await t.api('POST', '/v1/agents', agentBody('masked'))
    const id = created.body.metadata.id
    const res = await t.api('PATCH', `/v1/agents/${id}`, {
      metadata: { name: 'renamed' },
      spec: { description: 'new', webhookEventsUrl: 'https://x.test' },
      updateMask: 'spec.description',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.spec.description, 'new')
    assert.equal(res.body.metadata.name, 'masked')
    assert.equal(res.body.spec.webhookEventsUrl, '')
  })

  it('a deleted agent is gone', async () => {
    const created = await t.api('POST', '/v1/agents', agentBody('gone'))
    const id = created.body.metadata.id
    const del = await t.api('DELETE', `/v1/agents/${id}`)
    assert.equal(del.status, 200)
    assert.deepEqual(del.body, {})
    const got = await t.api('GET', `/v1/agents/${id}`)
    assert.equal(got.status, 404)
    assert.equal(got.body.code, 5)
  })

  it('a duplicate external id is 409 ALREADY_EXISTS', async () => {
    await t.api('POST', '/v1/agents', agentBody('dup'))
    const res = await t.api('POST', '/v1/agents', agentBody('dup'))
    assert.equal(res.status, 409)
    assert.equal(res.body.code, 6)
  })

  it('pages of agents cover every agent exactly once under both cursor keys', async () => {
    for (let i = 0; i < 7; i++) await t.api('POST', '/v1/agents', agentBody(`page-${i}`))
    const seen: string[] = []
    let cursor = ''
    let pages = 0
    do {
      const res = await t.api(
        'GET',
        `/v1/agents?prefix=page-&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      )
      assert.equal(res.body.pagination.total, 7)
      assert.equal(res.body.pagination.nextCursor, res.body.pagination.next_cursor)
      seen.push(...res.body.items.map((a: any) => a.metadata.name))
      cursor = res.body.pagination.nextCursor
      pages++
    } while (cursor)
    assert.equal(pages, 3)
    assert.deepEqual(
      seen,
      [0, 1, 2, 3, 4, 5, 6].map((i) => `page-${i}`),
    )
    const desc = await t.api('GET', '/v1/agents?prefix=page-&sortOrder=desc&limit=2')
    assert.equal(desc.body.items[0].metadata.name, 'page-6')
  })
})

describe('agents: bad input', () => {
  it('malformed JSON is 400 INVALID_ARGUMENT', async () => {
    const res = await t.api('POST', '/v1/agents', undefined, {
      rawBody: '{"metadata":',
      headers: { 'content-type': 'application/json' },
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 3)
  })

  it('a missing required field names the field in details', async () => {
    const res = await t.api('POST', '/v1/agents', { spec: {} })
    assert.equal(res.status, 400)
    const fv = res.body.details[0]
    assert.equal(fv['@type'], 'type.googleapis.com/google.rpc.BadRequest')
    assert.ok(fv.fieldViolations.some((v: any) => v.field === 'metadata'))
  })

  it('an unknown enum value is rejected with its field', async () => {
    const res = await t.api('POST', '/v1/agents', {
      metadata: { name: 'x' },
      spec: { status: 'AGENT_STATUS_BOGUS' },
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.details[0].fieldViolations[0].field, 'spec.status')
  })

  it('a wrong type is rejected with its field', async () => {
    const res = await t.api('POST', '/v1/agents', { metadata: { name: 42 }, spec: {} })
    assert.equal(res.status, 400)
    assert.equal(res.body.details[0].fieldViolations[0].field, 'metadata.name')
  })

  it('an invalid inputDataSchema is rejected', async () => {
    const res = await t.api('POST', '/v1/agents', {
      metadata: { name: 'bad-schema' },
      spec: { inputDataSchema: { type: 'not-a-type' } },
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.details[0].fieldViolations[0].field, 'spec.inputDataSchema')
  })

  it('a body over 1 MiB is 413 and creates nothing', async () => {
    const res = await t.api('POST', '/v1/agents', {
      metadata: { name: 'huge' },
      spec: { description: 'x'.repeat(1024 * 1024 + 10) },
    })
    assert.equal(res.status, 413)
    assert.equal(res.body.code, 8)
    const list = await t.api('GET', '/v1/agents?prefix=huge')
    assert.equal(list.body.items.length, 0)
  })

  it('an unknown route is a 404 Status', async () => {
    const res = await t.api('GET', '/v1/nonsense')
    assert.equal(res.status, 404)
    assert.equal(res.body.code, 5)
  })

  it('a request without a valid token is 401', async () => {
    const none = await t.api('GET', '/v1/agents', undefined, { token: null })
    assert.equal(none.status, 401)
    assert.equal(none.body.code, 16)
    const wrong = await t.api('GET', '/v1/agents', undefined, { token: 'sk_wrong' })
    assert.equal(wrong.status, 401)
  })

  it('a workspace the key cannot use is 404', async () => {
    const res = await t.api('GET', '/v1/workspaces/ws_01ZZZZZZZZZZZZZZZZZZZZZZZZ/agents')
    assert.equal(res.status, 404)
  })

  it('an updateMask path naming no field is 400 INVALID_ARGUMENT', async () => {
    const created = await t.api('POST', '/v1/agents', agentBody('mask-typo'))
    const res = await t.api('PATCH', `/v1/agents/${created.body.metadata.id}`, {
      spec: { description: 'x' },
      updateMask: 'spec.descripton',
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 3)
    assert.equal(res.body.details[0].fieldViolations[0].field, 'updateMask')
    const unchanged = await t.api('GET', `/v1/agents/${created.body.metadata.id}`)
    assert.equal(unchanged.body.spec.description, 'd')
  })

  it('a limit above 500 is lowered to 500 rather than refused', async () => {
    const res = await t.api('GET', '/v1/agents?limit=5000')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const negative = await t.api('GET', '/v1/agents?limit=-1')
    assert.equal(negative.status, 400)
  })

  it('a bad cursor is 400', async () => {
    const res = await t.api('GET', '/v1/agents?cursor=garbage')
    assert.equal(res.status, 400)
    assert.equal(res.body.details[0].fieldViolations[0].field, 'cursor')
  })
})

describe('agents: path ids', () => {
  it('a percent sign in an id is a plain 404, not a server error', async () => {
    const res = await t.api('GET', '/v1/agents/%25zz')
    assert.equal(res.status, 404)
    assert.equal(res.body.code, 5)
  })

  it('an encoded external id reference finds the agent', async () => {
    await t.api('POST', '/v1/agents', { metadata: { name: 'enc', externalId: 'a.b-c' }, spec: {} })
    const res = await t.api('GET', `/v1/agents/${encodeURIComponent('external_id:a.b-c')}`)
    assert.equal(res.status, 200)
    assert.equal(res.body.metadata.name, 'enc')
  })
})

describe('agents: JSON Schemas', () => {
  it('two agents may carry input schemas with the same $id', async () => {
    const spec = {
      inputDataSchema: { $id: 'https://example.test/input', type: 'object' },
    }
    const a = await t.api('POST', '/v1/agents', { metadata: { name: 'id-a' }, spec })
    const b = await t.api('POST', '/v1/agents', { metadata: { name: 'id-b' }, spec })
    assert.equal(a.status, 200, JSON.stringify(a.body))
    assert.equal(b.status, 200, JSON.stringify(b.body))
  })
})
