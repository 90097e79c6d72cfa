/**
 * Scoped API-key permissions (seed 003 `permissions[]`): `<family>:read|write`,
 * `objectives:control`, `*`, `account:manage`, enforced on every route of both families, on
 * streams and on the compat surfaces. A call outside a key's permissions is 403 code 7 and
 * changes nothing; a key never gives or manages more than it holds.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie

async function keyWith(permissions: string[], name = permissions.join(' ')) {
  const res = await t.api('POST', '/v1/api_keys', { metadata: { name }, spec: { permissions } })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  assert.deepEqual(res.body.spec.permissions, permissions)
  return { id: res.body.metadata.id as string, token: res.body.spec.token as string }
}

function assertDenied(res: { status: number; body: any }, what: string) {
  assert.equal(res.status, 403, `${what}: ${res.status} ${JSON.stringify(res.body)}`)
  assert.equal(res.body.code, 7, what)
}

before(async () => {
  // Credentials for the model; no worker runs, so objectives stay PENDING and no call is made.
  t = await startTestSortie({ OPENAI_API_KEY: 'unused', OPENAI_BASE_URL: 'http://127.0.0.1:9' })
})
after(() => t?.sortie.stop())

describe('scoped API-key permissions', () => {
  it('agents:read reads agents on both families and nothing else; its writes are 403 and change nothing', async () => {
    const reader = await keyWith(['agents:read'])
    const as = { token: reader.token }
    for (const path of ['/v1/agents', `/v1/workspaces/${t.workspaceId}/agents`]) {
      assert.equal((await t.api('GET', path, undefined, as)).status, 200, path)
      assertDenied(await t.api('POST', path, { metadata: { name: 'x' }, spec: {} }, as), path)
    }
    for (const path of [
      '/v1/objectives',
      '/v1/tool_sets',
      '/v1/workspace_secrets',
      '/v1/goals',
      '/v1/models',
      '/v1/api_keys',
      '/v1/objectives/events/stream',
    ]) {
      assertDenied(await t.api('GET', path, undefined, as), path)
    }
    assert.equal((await t.api('GET', '/v1/agents')).body.items.length, 0, 'nothing was created')
  })

  it('cancel needs objectives:control; objectives:write creates but does not steer', async () => {
    const agent = await t.api('POST', '/v1/agents', {
      metadata: { name: 'a' },
      spec: { status: 'AGENT_STATUS_PUBLISHED' },
      defaultVariation: {
        metadata: { name: 'v1' },
        spec: { prompt: 'p', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
      },
    })
    assert.equal(agent.status, 200, JSON.stringify(agent.body))
    const writer = await keyWith(['objectives:write', 'agents:read'])
    const created = await t.api(
      'POST',
      '/v1/objectives',
      { agentId: agent.body.metadata.id, data: { initialMessage: 'hi' } },
      { token: writer.token },
    )
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const id = created.body.metadata.id
    const denied = await t.api('POST', `/v1/objectives/${id}:cancel`, {}, { token: writer.token })
    assertDenied(denied, 'cancel without objectives:control')
    const state = await t.api('GET', `/v1/workspaces/${t.workspaceId}/objectives/${id}`)
    assert.equal(state.body.status.state, 'STATE_PENDING', 'not cancelled')
    const controller = await keyWith(['objectives:control'])
    const cancelled = await t.api(
      'POST',
      `/v1/objectives/${id}/cancel`,
      {},
      {
        token: controller.token,
      },
    )
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body))
  })

  it('the compat surfaces need goals:read to read and goals:write to write, in their envelopes', async () => {
    const reader = await keyWith(['goals:read'])
    const get = await t.api('GET', '/tokensource/v1/objectives', undefined, { token: reader.token })
    assert.equal(get.status, 200, JSON.stringify(get.body))
    const post = await t.api(
      'POST',
      '/tokensource/v1/objectives',
      { title: 'x' },
      {
        token: reader.token,
      },
    )
    assert.equal(post.status, 403)
    assert.match(post.body.error, /goals:write/)
    const list = await t.api(
      'POST',
      '/helpgenie/v1/',
      { action: 'list', resource: 'goals' },
      {
        token: reader.token,
      },
    )
    assert.equal(list.status, 200, JSON.stringify(list.body))
    const create = await t.api(
      'POST',
      '/helpgenie/v1/goals',
      { name: 'g' },
      {
        token: reader.token,
      },
    )
    assert.equal(create.status, 403)
    assert.equal(create.body.error.code, 'FORBIDDEN')
  })

  it('a key gives and manages no more than it holds', async () => {
    const manager = await keyWith(['api_keys:write', 'agents:write'])
    const as = { token: manager.token }
    for (const permissions of [['*'], ['objectives:read'], ['account:manage']]) {
      const res = await t.api(
        'POST',
        '/v1/api_keys',
        { metadata: { name: `more ${permissions}` }, spec: { permissions } },
        as,
      )
      assertDenied(res, `grant ${permissions}`)
    }
    const narrow = await t.api(
      'POST',
      '/v1/api_keys',
      { metadata: { name: 'narrow' }, spec: { permissions: ['agents:read'] } },
      as,
    )
    assert.equal(narrow.status, 200, JSON.stringify(narrow.body))
    const wide = await keyWith(['*'], 'wide')
    assertDenied(
      await t.api('POST', `/v1/api_keys/${wide.id}/rotate`, {}, as),
      'rotate a wider key',
    )
    assertDenied(await t.api('DELETE', `/v1/api_keys/${wide.id}`, undefined, as), 'delete it')
    const still = await t.api('GET', '/v1/agents', undefined, { token: wide.token })
    assert.equal(still.status, 200, 'the wider key was neither rotated nor deleted')
    const rotated = await t.api('POST', `/v1/api_keys/${narrow.body.metadata.id}/rotate`, {}, as)
    assert.equal(rotated.status, 200, 'a narrower key may be managed')
  })

  it('an unknown permission is 400 naming spec.permissions', async () => {
    const res = await t.api('POST', '/v1/api_keys', {
      metadata: { name: 'bad' },
      spec: { permissions: ['agents:delete'] },
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.details[0].fieldViolations[0].field, 'spec.permissions.0')
  })
})
