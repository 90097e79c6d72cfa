import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { loadVariationTools } from '../src/modules/tools/index.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

let counter = 0
async function agentWithVariation() {
  const name = `agent-${++counter}`
  const agent = await t.api('POST', '/v1/agents', {
    metadata: { name },
    defaultVariation: { metadata: { name: 'v1' } },
  })
  const vars = await t.api('GET', `/v1/agents/${agent.body.metadata.id}/variations`)
  return {
    agentId: agent.body.metadata.id as string,
    variationId: vars.body.items[0].metadata.id as string,
  }
}

async function toolSetWithTools(names: string[], statuses: Record<string, string> = {}) {
  const set = await t.api('POST', '/v1/tool_sets', {
    metadata: { name: `set-${++counter}` },
    spec: { adapter: { http: { baseUrl: 'https://api.test' } } },
  })
  const setId = set.body.metadata.id as string
  const toolIds: string[] = []
  for (const name of names) {
    const tool = await t.api('POST', `/v1/tool_sets/${setId}/tools`, {
      metadata: { name },
      spec: {
        config: { http: { requestMethod: 'GET', path: `/${name}` } },
        ...(statuses[name] ? { status: statuses[name] } : {}),
      },
    })
    assert.equal(tool.status, 200, JSON.stringify(tool.body))
    toolIds.push(tool.body.metadata.id)
  }
  return { setId, setName: set.body.metadata.name as string, toolIds }
}

const fields = (body: any): string[] =>
  body.details?.[0]?.fieldViolations?.map((v: any) => v.field) ?? []

describe('variation assignments', () => {
  it('a tool, a tool set and a sub-agent are assigned and shown in the variation info', async () => {
    const { agentId, variationId } = await agentWithVariation()
    const sub = await agentWithVariation()
    const { setId, setName, toolIds } = await toolSetWithTools(['lookup'])
    const tool = await t.api('POST', `/v1/agent_variations/${variationId}/assignments`, {
      toolId: toolIds[0],
    })
    assert.equal(tool.status, 200, JSON.stringify(tool.body))
    assert.match(tool.body.id, /^vasg_/)
    assert.deepEqual(tool.body.tool, { id: toolIds[0], name: 'lookup' })
    const set = await t.api('POST', `/v1/agent_variations/${variationId}/assignments`, {
      tool_set_id: setId,
    })
    assert.deepEqual(set.body.toolSet, { id: setId, name: setName })
    const agent = await t.api(
      'POST',
      `/v1/workspaces/${t.workspaceId}/agents/${agentId}/variations/${variationId}/assignments`,
      { subAgentId: sub.agentId },
    )
    assert.equal(agent.status, 200, JSON.stringify(agent.body))
    assert.equal(agent.body.agent.id, sub.agentId)
    const read = await t.api('GET', `/v1/agents/${agentId}/variations/${variationId}`)
    assert.deepEqual(
      read.body.info.assignments.map((a: any) => a.id),
      [tool.body.id, set.body.id, agent.body.id],
    )
    assert.equal(read.body.info.toolCount, 1)
    assert.equal(read.body.info.toolSetCount, 1)
    assert.equal(read.body.info.subAgentCount, 1)
    const ts = await t.api('GET', `/v1/tool_sets/${setId}`)
    assert.equal(ts.body.info.agentCount, 1)
  })

  it('a body with none or several targets is 400 naming the fields', async () => {
    const { variationId } = await agentWithVariation()
    const { setId, toolIds } = await toolSetWithTools(['a'])
    const none = await t.api('POST', `/v1/agent_variations/${variationId}/assignments`, {})
    assert.equal(none.status, 400)
    assert.deepEqual(fields(none.body).sort(), ['subAgentId', 'toolId', 'toolSetId'])
    const two = await t.api('POST', `/v1/agent_variations/${variationId}/assignments`, {
      toolId: toolIds[0],
      toolSetId: setId,
    })
    assert.equal(two.status, 400)
    assert.deepEqual(fields(two.body).sort(), ['toolId', 'toolSetId'])
  })

  it('a target that does not exist in the workspace is 400 naming the field', async () => {
    const { variationId } = await agentWithVariation()
    for (const field of ['toolId', 'toolSetId', 'subAgentId']) {
      const res = await t.api('POST', `/v1/agent_variations/${variationId}/assignments`, {
        [field]: 'tool_01HZZZZZZZZZZZZZZZZZZZZZZZ',
      })
      assert.equal(res.status, 400, field)
      assert.deepEqual(fields(res.body), [field])
    }
  })

  it('a variation cannot be assigned its own agent', async () => {
    const { agentId, variationId } = await agentWithVariation()
    const res = await t.api('POST', `/v1/agent_variations/${variationId}/assignments`, {
      subAgentId: agentId,
    })
    assert.equal(res.status, 400)
    assert.deepEqual(fields(res.body), ['subAgentId'])
  })

  it('assigning the same target twice is 409', async () => {
    const { variationId } = await agentWithVariation()
    const { setId } = await toolSetWithTools([])
    const first = await t.api('POST', `/v1/agent_variations/${variationId}/assignments`, {
      toolSetId: setId,
    })
    assert.equal(first.status, 200)
    const again = await t.api('POST', `/v1/agent_variations/${variationId}/assignments`, {
      toolSetId: setId,
    })
    assert.equal(again.status, 409)
    assert.equal(again.body.code, 6)
  })

  it('an assignment is removed by id under either path, and only from its variation', async () => {
    const { agentId, variationId } = await agentWithVariation()
    const other = await agentWithVariation()
    const { setId, toolIds } = await toolSetWithTools(['r1'])
    const a = await t.api('POST', `/v1/agent_variations/${variationId}/assignments`, {
      toolId: toolIds[0],
    })
    const b = await t.api('POST', `/v1/agent_variations/${variationId}/assignments`, {
      toolSetId: setId,
    })
    const wrong = await t.api(
      'DELETE',
      `/v1/agent_variations/${other.variationId}/assignments/${a.body.id}`,
    )
    assert.equal(wrong.status, 404)
    const del = await t.api(
      'DELETE',
      `/v1/agent_variations/${variationId}/assignments/${a.body.id}`,
    )
    assert.deepEqual(del.body, {})
    const nested = await t.api(
      'DELETE',
      `/v1/workspaces/${t.workspaceId}/agents/${agentId}/variations/${variationId}/assignments/${b.body.id}`,
    )
    assert.equal(nested.status, 200)
    const read = await t.api('GET', `/v1/agents/${agentId}/variations/${variationId}`)
    assert.deepEqual(read.body.info.assignments, [])
    const again = await t.api(
      'DELETE',
      `/v1/agent_variations/${variationId}/assignments/${a.body.id}`,
    )
    assert.equal(again.status, 404)
  })

  it('the nested path requires the variation to belong to the agent', async () => {
    const one = await agentWithVariation()
    const two = await agentWithVariation()
    const { setId } = await toolSetWithTools([])
    const res = await t.api(
      'POST',
      `/v1/agents/${one.agentId}/variations/${two.variationId}/assignments`,
      { toolSetId: setId },
    )
    assert.equal(res.status, 404)
  })

  it('deleting an assigned tool removes its assignment', async () => {
    const { agentId, variationId } = await agentWithVariation()
    const { setId, toolIds } = await toolSetWithTools(['temp'])
    await t.api('POST', `/v1/agent_variations/${variationId}/assignments`, { toolId: toolIds[0] })
    await t.api('DELETE', `/v1/tool_sets/${setId}/tools/${toolIds[0]}`)
    const read = await t.api('GET', `/v1/agents/${agentId}/variations/${variationId}`)
    assert.deepEqual(read.body.info.assignments, [])
  })
})

describe('loadVariationTools', () => {
  it('returns assigned tools and available tools of assigned sets once each, in assignment order', async () => {
    const { variationId } = await agentWithVariation()
    const direct = await toolSetWithTools(['solo', 'solo_archived'], {
      solo_archived: 'TOOL_STATUS_ARCHIVED',
    })
    const set = await toolSetWithTools(['s1', 's2', 's3'], { s2: 'TOOL_STATUS_FILTERED' })
    const post = (body: object) =>
      t.api('POST', `/v1/agent_variations/${variationId}/assignments`, body)
    await post({ toolId: direct.toolIds[0] })
    await post({ toolId: direct.toolIds[1] })
    await post({ toolSetId: set.setId })
    await post({ toolId: set.toolIds[2] }) // also in the assigned set: listed once
    const tools = await loadVariationTools(t.sortie.deps, t.workspaceId, variationId)
    assert.deepEqual(
      tools.map((x) => x.tool.metadata.name),
      ['solo', 's1', 's3'],
    )
    assert.equal(tools[1]!.toolSet.metadata.id, set.setId)
    assert.equal(tools[1]!.toolSet.spec.adapter.http?.baseUrl, 'https://api.test')
    const elsewhere = await loadVariationTools(t.sortie.deps, 'ws_other', variationId)
    assert.deepEqual(elsewhere, [])
  })
})
