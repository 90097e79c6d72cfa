/**
 * `config.http.query` is a query-string template in the seed-era clients
 * (`"units=metric&city={{ city }}"`): Sortie takes it (and the map form), answers with the string
 * form, and sends each rendered argument URL-encoded as one value.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startEngineTest, waitForState, type EngineTest } from './support/objectives.ts'

let e: EngineTest
before(async () => {
  e = await startEngineTest()
})
after(() => e?.close())

async function agentWithTool(query: unknown) {
  const set = await e.t.api('POST', '/v1/tool_sets', {
    metadata: { name: `weather-${Math.random().toString(36).slice(2, 8)}` },
    spec: { adapter: { http: { baseUrl: e.tools.baseUrl } } },
  })
  const tool = await e.t.api('POST', `/v1/tool_sets/${set.body.metadata.id}/tools`, {
    metadata: { name: 'forecast' },
    spec: {
      description: 'Forecast',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
      config: { http: { requestMethod: 'GET', path: '/forecast', query } },
    },
  })
  assert.equal(tool.status, 200, JSON.stringify(tool.body))
  const agent = await e.t.api('POST', '/v1/agents', {
    metadata: { name: `forecaster-${Math.random().toString(36).slice(2, 8)}` },
    spec: { status: 'AGENT_STATUS_PUBLISHED' },
    defaultVariation: {
      metadata: { name: 'v1' },
      spec: { prompt: 'You forecast.', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
    },
  })
  const variationId = (await e.t.api('GET', `/v1/agents/${agent.body.metadata.id}/variations`)).body
    .items[0].metadata.id
  await e.t.api('POST', `/v1/agent_variations/${variationId}/assignments`, {
    toolId: tool.body.metadata.id,
  })
  return { agentId: agent.body.metadata.id, tool: tool.body }
}

describe('HTTP tool query templates', () => {
  it('a query-string template is stored, answered as a string, and sent with the argument encoded', async () => {
    const { agentId, tool } = await agentWithTool('units=metric&city={{ city }}')
    assert.equal(tool.spec.config.http.query, 'units=metric&city={{ city }}')
    e.fake.enqueue(
      { toolCalls: [{ name: 'forecast', arguments: { city: 'New York & Co' } }] },
      { text: 'Sunny.' },
    )
    const before = e.tools.requests.length
    const created = await e.t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'Weather?' },
    })
    await waitForState(e.t, created.body.metadata.id, ['STATE_WAITING'])
    const sent = new URL(e.tools.requests[before]!.url, 'http://x')
    assert.equal(sent.pathname, '/forecast')
    assert.deepEqual(
      [...sent.searchParams],
      [
        ['units', 'metric'],
        ['city', 'New York & Co'],
      ],
    )
  })

  it('the map form is still taken and answered in the string form; a bad template names the field', async () => {
    const { tool } = await agentWithTool({ units: 'metric', q: '{{ city }}' })
    // Stored as JSON, whose object keys Postgres orders its own way.
    assert.deepEqual(tool.spec.config.http.query.split('&').sort(), [
      'q={{ city }}',
      'units=metric',
    ])
    const sets = await e.t.api('GET', '/v1/tool_sets')
    const bad = await e.t.api('POST', `/v1/tool_sets/${sets.body.items[0].metadata.id}/tools`, {
      metadata: { name: 'broken' },
      spec: { config: { http: { requestMethod: 'GET', query: 'city={{ city' } } },
    })
    assert.equal(bad.status, 400, JSON.stringify(bad.body))
    assert.equal(bad.body.details[0].fieldViolations[0].field, 'spec.config.http.query')
  })
})
