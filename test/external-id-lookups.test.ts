/**
 * `external_id:<value>` (and `eid:<value>`) name a resource by the external id it was given. An
 * empty one names nothing: every resource created without an external id stores the default "",
 * so it must never match one of them (it once rotated the caller's own key).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

describe('an empty external id is 400 and matches nothing', () => {
  it('POST /v1/api_keys/external_id:/rotate is 400 code 3 and the caller key still works', async () => {
    for (const path of [
      '/v1/api_keys/external_id:/rotate',
      '/v1/api_keys/eid:/rotate',
      `/v1/workspaces/${t.workspaceId}/api_keys/external_id:/rotate`,
      '/v1/account/api_keys/external_id:/rotate',
    ]) {
      const res = await t.api('POST', path)
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.code, 3)
      assert.match(res.body.message, /names no external id/)
    }
    const me = await t.api('GET', '/v1/workspaces/current')
    assert.equal(me.status, 200, 'the bootstrap token was not rotated away')
  })

  it('get, delete, cancel and rotate by an empty external id are 400 on every resource, nothing changes', async () => {
    const agent = await t.api('POST', '/v1/agents', { metadata: { name: 'no-eid' }, spec: {} })
    assert.equal(agent.status, 200)
    const key = await t.api('POST', '/v1/api_keys', { metadata: { name: 'no-eid' } })
    assert.equal(key.status, 200)
    const calls: [string, string][] = [
      ['GET', '/v1/agents/external_id:'],
      ['DELETE', '/v1/agents/external_id:'],
      ['DELETE', '/v1/agents/eid:'],
      ['PATCH', '/v1/agents/external_id:'],
      ['GET', '/v1/api_keys/external_id:'],
      ['DELETE', '/v1/api_keys/external_id:'],
      ['PUT', '/v1/api_keys/eid:/rotate'],
      ['POST', '/v1/objectives/external_id:/cancel'],
      ['POST', '/v1/objectives/external_id::cancel'],
      ['GET', '/v1/tool_sets/external_id:'],
      ['DELETE', '/v1/workspace_secrets/external_id:'],
      ['GET', '/v1/goals/external_id:'],
      ['DELETE', `/v1/account/workspaces/external_id:`],
      ['GET', `/v1/workspaces/external_id:/agents`],
    ]
    for (const [method, path] of calls) {
      const res = await t.api(method, path, method === 'GET' ? undefined : {})
      assert.ok(
        res.status === 400 || res.status === 404,
        `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`,
      )
      assert.equal(typeof res.body.code, 'number')
    }
    assert.equal((await t.api('GET', `/v1/agents/${agent.body.metadata.id}`)).status, 200)
    const stillKey = await t.api('GET', '/v1/workspaces/current', undefined, {
      token: key.body.spec.token,
    })
    assert.equal(stillKey.status, 200, 'the new key was neither deleted nor rotated')
  })

  it('a body reference with an empty external id is 400, never a match', async () => {
    const res = await t.api('POST', '/v1/objectives', {
      agentId: 'external_id:',
      data: { initialMessage: 'hi' },
    })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.code, 3)
  })
})
