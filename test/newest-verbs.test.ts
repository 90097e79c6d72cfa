/**
 * HEAD's colon verbs, whoami and diagnostics (docs/api.md sections 4.5 and 5.14): each verb is a
 * POST that changes one thing, needs the permission its path implies, and reads back.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  MODEL_OF,
  createAgent,
  startEngineTest,
  waitForState,
  type EngineTest,
} from './support/objectives.ts'
import type { TestSortie } from './support/sortie.ts'

let e: EngineTest
let t: TestSortie
before(async () => {
  e = await startEngineTest()
  t = e.t
})
after(() => e?.close())

const ws = () => `/v1/workspaces/${t.workspaceId}`

async function keyWith(permissions: string[], name: string) {
  const res = await t.api('POST', `${ws()}/api_keys`, { metadata: { name }, spec: { permissions } })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return { id: res.body.metadata.id as string, token: res.body.spec.token as string }
}

describe('HEAD colon verbs, whoami, diagnostics', () => {
  it('agents :publish, :unpublish, :archive, :unarchive set spec.status; agents:read may not', async () => {
    const created = await t.api('POST', `${ws()}/agents`, {
      metadata: { name: 'lifecycle' },
      spec: {},
    })
    const id = created.body.metadata.id
    assert.equal(created.body.spec.status, 'AGENT_STATUS_DRAFT')
    for (const [verb, status] of [
      ['publish', 'AGENT_STATUS_PUBLISHED'],
      ['archive', 'AGENT_STATUS_ARCHIVED'],
      ['unarchive', 'AGENT_STATUS_DRAFT'],
      ['publish', 'AGENT_STATUS_PUBLISHED'],
      ['unpublish', 'AGENT_STATUS_DRAFT'],
    ]) {
      const res = await t.api('POST', `${ws()}/agents/${id}:${verb}`)
      assert.equal(res.status, 200, `${verb}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.spec.status, status, verb)
      assert.equal((await t.api('GET', `${ws()}/agents/${id}`)).body.spec.status, status)
    }
    const reader = await keyWith(['agents:read'], 'agent reader')
    const denied = await t.api('POST', `${ws()}/agents/${id}:publish`, undefined, {
      token: reader.token,
    })
    assert.equal(denied.status, 403)
    assert.match(denied.body.message, /agents:write/)
  })

  it('tools :omit and :restore set spec.status; an omitted tool is not frozen into new objectives', async () => {
    const { toolSetId, toolId, agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: e.tools.baseUrl,
    })
    const tool = `${ws()}/tool_sets/${toolSetId}/tools/${toolId}`
    const omitted = await t.api('POST', `${tool}:omit`)
    assert.equal(omitted.status, 200, JSON.stringify(omitted.body))
    assert.equal(omitted.body.spec.status, 'TOOL_STATUS_OMITTED')
    e.fake.enqueue({ text: 'no tools' })
    const obj = await t.api('POST', `${ws()}/objectives`, {
      agentId,
      data: { initialMessage: 'hi' },
    })
    const frozen = await t.api('GET', `${ws()}/objectives/${obj.body.metadata.id}/tools`)
    assert.ok(!frozen.body.items.some((x: any) => x.metadata.id === toolId))
    const restored = await t.api('POST', `${tool}:restore`)
    assert.equal(restored.body.spec.status, 'TOOL_STATUS_AVAILABLE')
  })

  it('tool sets :archive and :unarchive set state; an archived set gives its tools to no new objective', async () => {
    const { toolSetId, toolId, agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: e.tools.baseUrl,
    })
    const set = `${ws()}/tool_sets/${toolSetId}`
    assert.equal((await t.api('GET', set)).body.state, 'TOOL_SET_STATE_ACTIVE')
    const archived = await t.api('POST', `${set}:archive`)
    assert.equal(archived.status, 200, JSON.stringify(archived.body))
    assert.equal(archived.body.state, 'TOOL_SET_STATE_ARCHIVED')
    const frozenTools = async () => {
      e.fake.enqueue({ text: 'ok' })
      const obj = await t.api('POST', `${ws()}/objectives`, {
        agentId,
        data: { initialMessage: 'hi' },
      })
      const tools = await t.api('GET', `${ws()}/objectives/${obj.body.metadata.id}/tools`)
      return tools.body.items.map((x: any) => x.metadata.id)
    }
    assert.ok(!(await frozenTools()).includes(toolId))
    const active = await t.api('POST', `${set}:unarchive`)
    assert.equal(active.body.state, 'TOOL_SET_STATE_ACTIVE')
    assert.ok((await frozenTools()).includes(toolId))
    const reader = await keyWith(['tools:read'], 'tool reader')
    const denied = await t.api('POST', `${set}:archive`, undefined, { token: reader.token })
    assert.equal(denied.status, 403)
  })

  it('api keys :disable turns a token off (401) until :enable; a key cannot disable itself', async () => {
    const key = await keyWith(['objectives:read'], 'switchable')
    const ok = await t.api('GET', `${ws()}/objectives`, undefined, { token: key.token })
    assert.equal(ok.status, 200)
    const disabled = await t.api('POST', `${ws()}/api_keys/${key.id}:disable`)
    assert.equal(disabled.status, 200, JSON.stringify(disabled.body))
    assert.equal(disabled.body.state, 'API_KEY_STATE_DISABLED')
    assert.equal(disabled.body.spec.token, undefined)
    const off = await t.api('GET', `${ws()}/objectives`, undefined, { token: key.token })
    assert.equal(off.status, 401)
    const enabled = await t.api('POST', `${ws()}/api_keys/${key.id}:enable`)
    assert.equal(enabled.body.state, 'API_KEY_STATE_ENABLED')
    const on = await t.api('GET', `${ws()}/objectives`, undefined, { token: key.token })
    assert.equal(on.status, 200)
    const self = await t.api('POST', `/v1/account/api_keys/${key.id}:disable`, undefined, {
      token: key.token,
    })
    assert.equal(self.status, 400)
    assert.match(self.body.message, /cannot disable itself/)
    const rotated = await t.api('POST', `${ws()}/api_keys/${key.id}:rotate`)
    assert.equal(rotated.status, 200)
    assert.ok(rotated.body.spec.token && rotated.body.spec.token !== key.token)
  })

  it('models :disable and :enable; account:rotateWebhookSigningKey replaces the secret (account admins only)', async () => {
    const model = encodeURIComponent(MODEL_OF.google)
    const off = await t.api('POST', `${ws()}/models/${model}:disable`)
    assert.equal(off.status, 200, JSON.stringify(off.body))
    assert.equal(off.body.spec.status, 'MODEL_STATUS_DISABLED')
    const on = await t.api('POST', `${ws()}/models/${model}:enable`)
    assert.equal(on.body.spec.status, 'MODEL_STATUS_ENABLED')
    const before = (await t.api('GET', '/v1/account')).body.info.webhookEventsHmacSecret
    const rotated = await t.api('POST', '/v1/account:rotateWebhookSigningKey')
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body))
    assert.notEqual(rotated.body.webhookEventsHmacSecret, before)
    const plain = await keyWith(['*'], 'not admin')
    const denied = await t.api('POST', '/v1/account:rotateWebhookSigningKey', undefined, {
      token: plain.token,
    })
    assert.equal(denied.status, 403)
  })

  it('GET /v1/whoami names the calling key, its account, workspaces and permissions, never a token or the signing secret', async () => {
    const key = await keyWith(['objectives:read', 'agents:write'], 'who')
    const res = await t.api('GET', '/v1/whoami', undefined, { token: key.token })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.apiKey.metadata.id, key.id)
    assert.equal(res.body.apiKey.spec.token, undefined)
    assert.deepEqual(res.body.permissions, ['objectives:read', 'agents:write'])
    assert.equal(res.body.accountAdmin, false)
    assert.equal(res.body.account.id, t.accountId)
    assert.equal(res.body.workspace.metadata.id, t.workspaceId)
    assert.deepEqual(
      res.body.workspaces.map((w: any) => w.metadata.id),
      [t.workspaceId],
    )
    const text = JSON.stringify(res.body)
    assert.ok(!text.includes(key.token))
    const secret = (await t.api('GET', '/v1/account')).body.info.webhookEventsHmacSecret
    assert.ok(!text.includes(secret))
    const admin = await t.api('GET', '/v1/whoami')
    assert.equal(admin.body.accountAdmin, true)
    assert.equal((await t.api('GET', '/v1/whoami', undefined, { token: null })).status, 401)
  })

  it("diagnostics break the context down by component in chars and estimated tokens, with the last call's input tokens", async () => {
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: e.tools.baseUrl,
      prompt: 'You look records up carefully.',
    })
    e.fake.enqueue(
      {
        toolCalls: [{ name: 'lookup', arguments: { id: 'r-1' } }],
        usage: { input: 120, output: 5 },
      },
      { text: 'found it', usage: { input: 180, output: 3 } },
    )
    const obj = await t.api('POST', `${ws()}/objectives`, {
      agentId,
      data: { initialMessage: 'find r-1' },
    })
    const id = obj.body.metadata.id
    await waitForState(t, id, ['STATE_WAITING'])
    const res = await t.api('GET', `${ws()}/objectives/${id}/diagnostics`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const d = res.body
    assert.equal(d.contextLength.systemPrompt.chars, 'You look records up carefully.'.length)
    assert.equal(d.contextLength.systemPrompt.estimatedTokens, Math.ceil(30 / 4))
    assert.ok(d.contextLength.tools.chars > 'lookup'.length)
    assert.ok(d.contextLength.messages.chars >= 'find r-1'.length + 'found it'.length)
    assert.equal(d.contextLength.memory.chars, 0)
    const sum = ['systemPrompt', 'tools', 'messages', 'memory'].reduce(
      (n, k) => n + d.contextLength[k].chars,
      0,
    )
    assert.equal(d.contextLength.total.chars, sum)
    assert.equal(d.inputTokens, 180)
    assert.equal(d.cachedInputTokens, 0)
    const missing = await t.api('GET', `${ws()}/objectives/obj_nope/diagnostics`)
    assert.equal(missing.status, 404)
  })
})
