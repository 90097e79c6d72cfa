/**
 * Bulk workspace applies (docs/api.md section 3.14, docs/decisions.md decision 19): a bundle of
 * agents, variations, tool sets and tools is made true in one transaction, idempotently by its
 * bundleKey, with a result per resource; a bundle wrong anywhere changes nothing.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startOpenApiServer, type OpenApiServer } from './support/openapi-server.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
let pets: OpenApiServer
before(async () => {
  pets = await startOpenApiServer()
  t = await startTestSortie()
})
after(async () => {
  await t?.sortie.stop()
  await pets?.close()
})

const PATH = '/v1/bulk_workspace_applies'

/** A bundle of one HTTP tool set with two tools and one agent with two variations. */
function bundle(bundleKey: string, prefix = bundleKey) {
  return {
    bundleKey,
    sourceUrl: 'https://git.example/pr/1',
    toolSets: {
      [`${prefix}-orders`]: {
        name: 'orders',
        labels: { team: 'support' },
        spec: {
          description: 'Order lookups',
          adapter: {
            http: {
              baseUrl: 'https://orders.test',
              headers: { authorization: 'Bearer ${ORDERS_TOKEN}' },
            },
          },
        },
        tools: {
          [`${prefix}-get-order`]: {
            name: 'get_order',
            spec: {
              description: 'Get an order',
              parameters: { type: 'object', properties: { orderId: { type: 'string' } } },
              config: { http: { requestMethod: 'GET', path: '/orders/{{ orderId }}' } },
            },
          },
          [`${prefix}-list-orders`]: {
            name: 'list_orders',
            spec: { config: { http: { requestMethod: 'GET', path: '/orders' } } },
          },
        },
      },
    },
    agents: {
      [`${prefix}-support`]: {
        name: 'support',
        spec: { description: 'Answers customers', status: 'AGENT_STATUS_PUBLISHED' },
        variations: {
          [`${prefix}-v1`]: {
            name: 'v1',
            spec: { prompt: 'Be brief.', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
            assignments: [{ toolSetId: `external_id:${prefix}-orders` }],
          },
          [`${prefix}-v2`]: {
            name: 'v2',
            spec: { prompt: 'Be thorough.', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
            assignments: [{ toolId: `external_id:${prefix}-get-order` }],
          },
        },
      },
    },
  }
}

async function apply(data: unknown, token?: string) {
  return t.api('POST', PATH, { data }, token ? { token } : {})
}

async function results(applyId: string, query = '') {
  const res = await t.api('GET', `${PATH}/${applyId}/results?limit=500${query}`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.items as any[]
}

/** type/externalId -> action, for the resources with external ids. */
async function actions(applyId: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const r of await results(applyId)) {
    const o = r.data[r.data.type]
    if (o.externalId) out[`${r.data.type}/${o.externalId}`] = o.action
  }
  return out
}

/** updated_at of every row the bundle owns: an apply that changes nothing moves none. */
async function ownedStamps(bundleKey: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const table of ['agents', 'agent_variations', 'tool_sets', 'tools'] as const) {
    const rows = await t.sortie.deps.db
      .selectFrom(table as 'agents')
      .select(['id', 'updated_at'])
      .where('bundle_key', '=', bundleKey)
      .execute()
    for (const r of rows) out[r.id] = r.updated_at.toISOString()
  }
  return out
}

async function countOf(path: string): Promise<number> {
  const res = await t.api('GET', path)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.pagination.total
}

describe('bulk workspace applies', () => {
  it('an apply creates every resource of the bundle, each showing metadata.bundleKey, and references resolve by key', async () => {
    const res = await apply(bundle('shop'))
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.match(res.body.metadata.id, /^apply_/)
    assert.equal(res.body.status.state, 'STATE_SUCCEEDED')
    assert.equal(res.body.data.bundleKey, 'shop')
    assert.equal(res.body.data.sourceUrl, 'https://git.example/pr/1')
    // 1 tool set, 2 tools, 1 agent, 2 variations, 2 assignments.
    assert.equal(res.body.info.createdCount, 8)
    assert.equal(res.body.info.totalCount, 8)
    assert.equal(res.body.info.unchangedCount, 0)

    const agent = await t.api('GET', '/v1/agents/external_id:shop-support')
    assert.equal(agent.status, 200)
    assert.equal(agent.body.metadata.bundleKey, 'shop')
    assert.equal(agent.body.spec.status, 'AGENT_STATUS_PUBLISHED')
    const variations = await t.api(
      'GET',
      `/v1/agents/${agent.body.metadata.id}/variations?includeInfo=true`,
    )
    const byName = Object.fromEntries(variations.body.items.map((v: any) => [v.metadata.name, v]))
    assert.equal(byName.v1.metadata.bundleKey, 'shop')
    const set = await t.api('GET', '/v1/tool_sets/external_id:shop-orders')
    assert.equal(set.body.metadata.bundleKey, 'shop')
    assert.deepEqual(
      byName.v1.info.assignments.map((a: any) => a.toolSet?.id),
      [set.body.metadata.id],
    )
    const tool = await t.api(
      'GET',
      `/v1/tool_sets/${set.body.metadata.id}/tools/external_id:shop-get-order`,
    )
    assert.equal(tool.body.metadata.bundleKey, 'shop')
    assert.deepEqual(
      byName.v2.info.assignments.map((a: any) => a.tool?.id),
      [tool.body.metadata.id],
    )
    // A resource made through the API belongs to no bundle.
    const plain = await t.api('POST', '/v1/agents', { metadata: { name: 'hand-made' }, spec: {} })
    assert.equal(plain.body.metadata.bundleKey, undefined)

    const rows = await results(res.body.metadata.id)
    assert.equal(rows.length, 8)
    assert.match(rows[0].metadata.id, /^applyres_/)
    const first = rows[0].data
    assert.equal(first.type, 'toolSet')
    assert.equal(first.toolSet.action, 'ACTION_CREATED')
    assert.equal(first.toolSet.externalId, 'shop-orders')
    assert.equal(first.toolSet.resource.metadata.id, set.body.metadata.id)
    // Secret references are kept as written; a value is never there to leak.
    assert.equal(
      first.toolSet.resource.spec.adapter.http.headers.authorization,
      'Bearer ${ORDERS_TOKEN}',
    )
  })

  it('re-applying the same bundle changes nothing: every result is unchanged and no updatedAt moves', async () => {
    await apply(bundle('same'))
    const before = await ownedStamps('same')
    assert.equal(Object.keys(before).length, 6)
    const again = await apply(bundle('same'))
    assert.equal(again.status, 200, JSON.stringify(again.body))
    assert.equal(again.body.info.unchangedCount, 8)
    assert.equal(again.body.info.createdCount + again.body.info.updatedCount, 0)
    for (const r of await results(again.body.metadata.id)) {
      assert.equal(r.data[r.data.type].action, 'ACTION_UNCHANGED', JSON.stringify(r.data))
    }
    assert.deepEqual(await ownedStamps('same'), before)
  })

  it('editing one resource in the bundle updates only it; a resource dropped from the bundle is deleted', async () => {
    const first = await apply(bundle('edit'))
    const stamps = await ownedStamps('edit')
    const changed = bundle('edit')
    changed.agents['edit-support'].variations['edit-v2'].spec.prompt = 'Be very thorough.'
    delete (changed.toolSets['edit-orders'].tools as Record<string, unknown>)['edit-list-orders']
    const res = await apply(changed)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(await actions(res.body.metadata.id), {
      'toolSet/edit-orders': 'ACTION_UNCHANGED',
      'tool/edit-get-order': 'ACTION_UNCHANGED',
      'agent/edit-support': 'ACTION_UNCHANGED',
      'agentVariation/edit-v1': 'ACTION_UNCHANGED',
      'agentVariation/edit-v2': 'ACTION_UPDATED',
      'tool/edit-list-orders': 'ACTION_DELETED',
    })
    assert.equal(res.body.info.updatedCount, 1)
    assert.equal(res.body.info.deletedCount, 1)
    const after = await ownedStamps('edit')
    const moved = Object.keys(stamps).filter((id) => after[id] !== stamps[id])
    assert.equal(moved.length, 2, 'one row updated, one gone')
    const firstIds = (await results(first.body.metadata.id)).map(
      (r) => r.data[r.data.type].resource.metadata?.id,
    )
    const v2 = (
      await results(res.body.metadata.id, '&type=agentVariation&action=ACTION_UPDATED')
    )[0]
    assert.equal(v2.data.agentVariation.resource.spec.prompt, 'Be very thorough.')
    assert.ok(firstIds.includes(v2.data.agentVariation.resource.metadata.id), 'updated in place')
    const set = await t.api('GET', '/v1/tool_sets/external_id:edit-orders/tools')
    assert.deepEqual(
      set.body.items.map((x: any) => x.metadata.name),
      ['get_order'],
    )
  })

  it('an invalid item deep in the bundle is a 400 naming its bundle path, and nothing is created', async () => {
    const agentsBefore = await countOf('/v1/agents')
    const setsBefore = await countOf('/v1/tool_sets')
    const appliesBefore = await countOf(PATH)

    const badSchema = bundle('bad')
    ;(badSchema.agents['bad-support'].variations['bad-v2'].spec as any).modelConfig.temperature = 7
    let res = await apply(badSchema)
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.code, 3)
    const fields = res.body.details[0].fieldViolations.map((v: any) => v.field)
    assert.deepEqual(fields, [
      'data.agents.bad-support.variations.bad-v2.spec.modelConfig.temperature',
    ])

    // Rules a create checks beyond the shape (a JSON Schema that compiles) are named the same way.
    const badRule = bundle('bad')
    ;(badRule.toolSets['bad-orders'].tools['bad-get-order'].spec as any).parameters = {
      type: 'array',
    }
    res = await apply(badRule)
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(
      res.body.details[0].fieldViolations[0].field,
      'data.toolSets.bad-orders.tools.bad-get-order.spec.parameters',
    )

    // A reference that resolves to nothing is found inside the transaction: it rolls back.
    const badRef = bundle('bad')
    badRef.agents['bad-support'].variations['bad-v2'].assignments = [{ toolId: 'external_id:nope' }]
    res = await apply(badRef)
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(
      res.body.details[0].fieldViolations[0].field,
      'data.agents.bad-support.variations.bad-v2.assignments[0].toolId',
    )

    const unserved = { ...bundle('bad'), memoryLayers: { notes: { name: 'n', spec: {} } } }
    res = await apply(unserved)
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.details[0].fieldViolations[0].field, 'data.memoryLayers')

    assert.equal(await countOf('/v1/agents'), agentsBefore)
    assert.equal(await countOf('/v1/tool_sets'), setsBefore)
    assert.equal(await countOf(PATH), appliesBefore, 'a refused apply is not recorded')
    assert.equal((await t.api('GET', '/v1/agents/external_id:bad-support')).status, 404)
  })

  it('a resource owned by one bundle cannot be taken over by another, nor one made outside any bundle (409)', async () => {
    await apply(bundle('owner'))
    const thief = bundle('thief', 'owner')
    const res = await apply(thief)
    assert.equal(res.status, 409, JSON.stringify(res.body))
    assert.equal(res.body.code, 6)
    assert.match(res.body.message, /owned by bundle "owner"/)
    const agent = await t.api('GET', '/v1/agents/external_id:owner-support')
    assert.equal(agent.body.metadata.bundleKey, 'owner')

    await t.api('POST', '/v1/agents', {
      metadata: { name: 'mine', externalId: 'handmade-support' },
    })
    const adopt = await apply(bundle('adopter', 'handmade'))
    assert.equal(adopt.status, 409, JSON.stringify(adopt.body))
    assert.match(adopt.body.message, /outside any bundle/)
    assert.equal(
      (await t.api('GET', '/v1/tool_sets/external_id:handmade-orders')).status,
      404,
      'rolled back',
    )
  })

  it('an API edit of a bundle-owned resource is allowed and the next apply puts the bundle back', async () => {
    await apply(bundle('drift'))
    const edit = await t.api('PATCH', '/v1/agents/external_id:drift-support', {
      spec: { description: 'edited by hand' },
    })
    assert.equal(edit.status, 200, JSON.stringify(edit.body))
    const res = await apply(bundle('drift'))
    assert.equal((await actions(res.body.metadata.id))['agent/drift-support'], 'ACTION_UPDATED')
    const agent = await t.api('GET', '/v1/agents/external_id:drift-support')
    assert.equal(agent.body.spec.description, 'Answers customers')
  })

  it('list filters by bundleKey, get returns the apply, results paginate', async () => {
    await apply(bundle('paged'))
    await apply(bundle('paged'))
    const list = await t.api('GET', `${PATH}?bundleKey=paged&includeInfo=true`)
    assert.equal(list.status, 200, JSON.stringify(list.body))
    assert.equal(list.body.items.length, 2)
    assert.equal(list.body.pagination.total, 2)
    assert.ok(list.body.items.every((a: any) => a.data.bundleKey === 'paged'))
    const id = list.body.items[0].metadata.id
    const got = await t.api('GET', `${PATH}/${id}`)
    assert.equal(got.status, 200)
    assert.equal(got.body.metadata.id, id)
    assert.equal(got.body.info.createdBy.spec.type, 'PROFILE_TYPE_API_KEY')

    const seen: string[] = []
    let cursor = ''
    for (let i = 0; i < 10; i++) {
      const page = await t.api('GET', `${PATH}/${id}/results?limit=3&cursor=${cursor}`)
      assert.equal(page.status, 200, JSON.stringify(page.body))
      assert.equal(page.body.pagination.total, 8)
      seen.push(...page.body.items.map((r: any) => r.metadata.id))
      cursor = page.body.pagination.nextCursor
      if (!cursor) break
    }
    assert.equal(seen.length, 8)
    assert.equal(new Set(seen).size, 8)
    assert.equal((await t.api('GET', `${PATH}/apply_nope`)).status, 404)
    assert.equal((await t.api('GET', `${PATH}/apply_nope/results`)).status, 404)
    // The workspace family serves the same applies.
    const family = await t.api(
      'GET',
      `/v1/workspaces/${t.workspaceId}/bulk_workspace_applies/${id}`,
    )
    assert.equal(family.status, 200)
  })

  it('a key without agents:write and tools:write gets 403 and the apply changes nothing; reads need both reads', async () => {
    const key = async (permissions: string[]) => {
      const res = await t.api('POST', '/v1/api_keys', {
        metadata: { name: permissions.join(' ') },
        spec: { permissions },
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body.spec.token as string
    }
    const reader = await key(['agents:read', 'tools:read'])
    const agentsOnly = await key(['agents:write', 'tools:read'])
    for (const token of [reader, agentsOnly]) {
      const res = await apply(bundle('denied'), token)
      assert.equal(res.status, 403, JSON.stringify(res.body))
      assert.equal(res.body.code, 7)
    }
    assert.equal((await t.api('GET', '/v1/agents/external_id:denied-support')).status, 404)
    assert.equal((await t.api('GET', `${PATH}?bundleKey=denied`)).body.items.length, 0)
    assert.equal((await t.api('GET', PATH, undefined, { token: reader })).status, 200)
    const agentsReader = await key(['agents:read'])
    assert.equal((await t.api('GET', PATH, undefined, { token: agentsReader })).status, 403)
  })

  it('a key of another workspace cannot read this workspace applies or results', async () => {
    const mine = await apply(bundle('isolated'))
    const ws = await t.api('POST', '/v1/account/workspaces', { metadata: { name: 'other' } })
    assert.equal(ws.status, 200, JSON.stringify(ws.body))
    const otherId = ws.body.metadata.id
    const key = await t.api('POST', `/v1/workspaces/${otherId}/api_keys`, {
      metadata: { name: 'b' },
    })
    assert.equal(key.status, 200, JSON.stringify(key.body))
    const token = key.body.spec.token
    const id = mine.body.metadata.id
    assert.equal((await t.api('GET', `${PATH}/${id}`, undefined, { token })).status, 404)
    assert.equal((await t.api('GET', `${PATH}/${id}/results`, undefined, { token })).status, 404)
    assert.equal((await t.api('GET', PATH, undefined, { token })).body.items.length, 0)
    const foreign = await t.api(
      'GET',
      `/v1/workspaces/${t.workspaceId}/bulk_workspace_applies/${id}`,
      undefined,
      { token },
    )
    assert.ok([403, 404].includes(foreign.status), String(foreign.status))
    // The same bundle key in another workspace is another bundle.
    const there = await apply(bundle('isolated'), token)
    assert.equal(there.status, 200, JSON.stringify(there.body))
    assert.equal(there.body.info.createdCount, 8)
  })

  it('concurrent applies of one bundle serialise: one creates, the other finds it unchanged', async () => {
    const [a, b] = await Promise.all([apply(bundle('race')), apply(bundle('race'))])
    assert.equal(a.status, 200, JSON.stringify(a.body))
    assert.equal(b.status, 200, JSON.stringify(b.body))
    const created = [a.body.info.createdCount, b.body.info.createdCount].sort()
    assert.deepEqual(created, [0, 8])
    const agents = await t.sortie.deps.db
      .selectFrom('agents')
      .select('id')
      .where('bundle_key', '=', 'race')
      .execute()
    assert.equal(agents.length, 1)
  })

  it('an OpenAPI tool set in a bundle syncs its tools after the apply; a broken document is a 400 naming the tool set and nothing changes', async () => {
    const openapi = (url: string) => ({
      bundleKey: 'pets',
      toolSets: { 'pets-api': { name: 'pets', spec: { adapter: { openapi: { url } } } } },
    })
    const res = await apply(openapi(pets.documentUrl))
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const set = await t.api('GET', '/v1/tool_sets/external_id:pets-api')
    const toolCount = set.body.info.toolCount
    assert.ok(toolCount >= 4, `synced ${toolCount} tools`)
    const fetches = () => pets.requests.filter((r) => r.url === '/openapi.json').length
    const before = fetches()
    const again = await apply(openapi(pets.documentUrl))
    assert.equal(again.body.info.unchangedCount, 1)
    assert.equal(fetches(), before, 'an unchanged tool set is not read again')

    const broken = await apply(openapi(`${pets.baseUrl}/broken.json`))
    assert.equal(broken.status, 400, JSON.stringify(broken.body))
    assert.equal(
      broken.body.details[0].fieldViolations[0].field,
      'data.toolSets.pets-api.spec.adapter.openapi.url',
    )
    const still = await t.api('GET', '/v1/tool_sets/external_id:pets-api')
    assert.equal(still.body.spec.adapter.openapi.url, pets.documentUrl)
    assert.equal(still.body.info.toolCount, toolCount)

    const listed = await apply({
      bundleKey: 'pets',
      toolSets: {
        'pets-api': {
          name: 'pets',
          spec: { adapter: { openapi: { url: pets.documentUrl } } },
          tools: { x: { name: 'x', spec: { config: { openapi: { operationId: 'x' } } } } },
        },
      },
    })
    assert.equal(listed.status, 400, JSON.stringify(listed.body))
    assert.equal(listed.body.details[0].fieldViolations[0].field, 'data.toolSets.pets-api.tools')
  })

  it('secret values referenced by a bundle tool set never appear in the apply, its list or its results', async () => {
    const value = 'sk-bundle-secret-value-0123456789'
    const secret = await t.api('POST', '/v1/workspace_secrets', {
      metadata: { name: 'PETS_TOKEN' },
      spec: { value },
    })
    assert.equal(secret.status, 200, JSON.stringify(secret.body))
    const headers = { authorization: 'Bearer ${PETS_TOKEN}' }
    const res = await apply({
      bundleKey: 'secretive',
      toolSets: {
        'secretive-pets': {
          name: 'pets',
          spec: { adapter: { openapi: { url: pets.documentUrl, headers } } },
        },
        'secretive-http': {
          name: 'http',
          spec: { adapter: { http: { baseUrl: 'https://x.test', headers } } },
        },
      },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    // The document was fetched with the resolved secret: the value was in play.
    assert.ok(pets.requests.some((r) => r.headers.authorization === `Bearer ${value}`))
    const id = res.body.metadata.id
    const bodies = [
      res.body,
      (await t.api('GET', `${PATH}/${id}`)).body,
      (await t.api('GET', `${PATH}?includeInfo=true`)).body,
      (await t.api('GET', `${PATH}/${id}/results`)).body,
    ]
    for (const body of bodies) assert.ok(!JSON.stringify(body).includes(value))
    const results = await t.api('GET', `${PATH}/${id}/results?type=toolSet`)
    assert.deepEqual(
      results.body.items.map((r: any) => Object.values(r.data.toolSet.resource.spec.adapter)[0]),
      [
        { url: pets.documentUrl, headers },
        { baseUrl: 'https://x.test', headers },
      ],
    )
  })

  it('a variation may name any agent of the bundle as sub-agent, listed before or after it; naming a resource the bundle drops is a 400', async () => {
    const agents = (withHelper: boolean) => ({
      'sub-front': {
        name: 'front',
        variations: {
          'sub-front-v1': { name: 'v1', assignments: [{ subAgentId: 'external_id:sub-helper' }] },
        },
      },
      ...(withHelper ? { 'sub-helper': { name: 'helper' } } : {}),
    })
    const res = await apply({ bundleKey: 'subs', agents: agents(true) })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const helper = await t.api('GET', '/v1/agents/external_id:sub-helper')
    const front = await t.api('GET', '/v1/agents/external_id:sub-front/variations?includeInfo=true')
    assert.deepEqual(
      front.body.items[0].info.assignments.map((a: any) => a.agent?.id),
      [helper.body.metadata.id],
    )

    const dropped = await apply({ bundleKey: 'subs', agents: agents(false) })
    assert.equal(dropped.status, 400, JSON.stringify(dropped.body))
    assert.equal(
      dropped.body.details[0].fieldViolations[0].field,
      'data.agents.sub-front.variations.sub-front-v1.assignments[0].subAgentId',
    )
    assert.match(dropped.body.message, /no longer in this bundle/)
    assert.equal((await t.api('GET', '/v1/agents/external_id:sub-helper')).status, 200)
  })
})
