import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

const keyBody = (name: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name, externalId: `${name}-ext`, labels: { env: 'test' } },
  spec: { description: `${name} key` },
  ...extra,
})

async function createKey(name: string, path = '/v1/api_keys') {
  const res = await t.api('POST', path, keyBody(name))
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body as { metadata: { id: string }; spec: { token: string } }
}

describe('API keys (seed-004 /v1/api_keys)', () => {
  it('create returns the key with its token once, homed in the caller workspace', async () => {
    const res = await t.api('POST', '/v1/api_keys', keyBody('ci'))
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.match(res.body.metadata.id, /^apikey_[0-9A-HJKMNP-TV-Z]{26}$/)
    assert.equal(res.body.metadata.workspaceId, t.workspaceId)
    assert.equal(res.body.metadata.accountId, t.accountId)
    assert.equal(res.body.metadata.name, 'ci')
    assert.deepEqual(res.body.metadata.labels, { env: 'test' })
    assert.equal(res.body.spec.description, 'ci key')
    assert.deepEqual(res.body.spec.permissions, ['*'])
    assert.equal(res.body.spec.system, false)
    assert.match(res.body.spec.token, /^sk_/)
    assert.equal(res.body.info.createdBy.spec.type, 'PROFILE_TYPE_API_KEY')
  })

  it('a created token authenticates and acts as the new key profile', async () => {
    const key = await createKey('worker')
    const agent = await t.api(
      'POST',
      '/v1/agents',
      { metadata: { name: 'by-worker' } },
      {
        token: key.spec.token,
      },
    )
    assert.equal(agent.status, 200, JSON.stringify(agent.body))
    const got = await t.api('GET', `/v1/api_keys/${key.metadata.id}?includeInfo=true`)
    assert.notEqual(agent.body.metadata.profileId, got.body.metadata.profileId)
    const profiles = await t.api('GET', `/v1/account/profiles?query=worker`)
    assert.equal(profiles.body.items[0].metadata.id, agent.body.metadata.profileId)
    assert.equal(profiles.body.items[0].spec.type, 'PROFILE_TYPE_API_KEY')
  })

  it('get, list and update never include the token', async () => {
    const key = await createKey('quiet')
    const got = await t.api('GET', `/v1/api_keys/${key.metadata.id}`)
    assert.equal(got.status, 200)
    assert.equal(got.body.spec.token, undefined)
    const list = await t.api('GET', '/v1/api_keys?includeInfo=true')
    assert.ok(list.body.items.length >= 2)
    for (const item of list.body.items) assert.equal(item.spec.token, undefined)
    assert.ok(!JSON.stringify(list.body).includes(key.spec.token))
    const patched = await t.api('PATCH', `/v1/api_keys/${key.metadata.id}`, {
      spec: { description: 'changed' },
    })
    assert.equal(patched.body.spec.token, undefined)
  })

  it('get by external_id: reference finds the key', async () => {
    const key = await createKey('byref')
    const got = await t.api('GET', '/v1/api_keys/external_id:byref-ext')
    assert.equal(got.body.metadata.id, key.metadata.id)
  })

  it('update with updateMask changes only the listed fields and renames the key profile', async () => {
    const key = await createKey('masked')
    const res = await t.api('PATCH', `/v1/api_keys/${key.metadata.id}`, {
      metadata: { name: 'masked-2', labels: { x: 'y' } },
      spec: { description: 'ignored' },
      updateMask: 'metadata.name',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.metadata.name, 'masked-2')
    assert.deepEqual(res.body.metadata.labels, { env: 'test' })
    assert.equal(res.body.spec.description, 'masked key')
    const profiles = await t.api('GET', '/v1/account/profiles?query=masked-2')
    assert.equal(profiles.body.items.length, 1)
  })

  it('rotate returns a new token; the old token stops working at once', async () => {
    const key = await createKey('rotating')
    const old = key.spec.token
    assert.equal((await t.api('GET', '/v1/agents', undefined, { token: old })).status, 200)
    const res = await t.api('PUT', `/v1/api_keys/${key.metadata.id}/rotate`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.match(res.body.spec.token, /^sk_/)
    assert.notEqual(res.body.spec.token, old)
    assert.equal(res.body.metadata.id, key.metadata.id)
    const stale = await t.api('GET', '/v1/agents', undefined, { token: old })
    assert.equal(stale.status, 401)
    assert.equal(stale.body.code, 16)
    const fresh = await t.api('GET', '/v1/agents', undefined, { token: res.body.spec.token })
    assert.equal(fresh.status, 200)
  })

  it('the newest API colon verb POST api_keys/{id}:rotate also rotates', async () => {
    const key = await createKey('colon')
    const res = await t.api('POST', `/v1/api_keys/${key.metadata.id}:rotate`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.notEqual(res.body.spec.token, key.spec.token)
  })

  it('a deleted key is gone and its token is 401', async () => {
    const key = await createKey('doomed')
    const del = await t.api('DELETE', `/v1/api_keys/${key.metadata.id}`)
    assert.equal(del.status, 200)
    assert.deepEqual(del.body, {})
    assert.equal((await t.api('GET', `/v1/api_keys/${key.metadata.id}`)).status, 404)
    const res = await t.api('GET', '/v1/agents', undefined, { token: key.spec.token })
    assert.equal(res.status, 401)
  })

  it('a key cannot delete itself', async () => {
    const key = await createKey('selfish')
    const res = await t.api('DELETE', `/v1/api_keys/${key.metadata.id}`, undefined, {
      token: key.spec.token,
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 9)
    assert.equal((await t.api('GET', `/v1/api_keys/${key.metadata.id}`)).status, 200)
  })

  it('a missing name, wrong types and unknown permissions are 400 with field violations', async () => {
    const cases: [unknown, string][] = [
      [{ metadata: {} }, 'metadata.name'],
      [{ metadata: { name: '   ' } }, 'metadata.name'],
      [{ metadata: { name: 42 } }, 'metadata.name'],
      [{ metadata: { name: 'x', labels: 'nope' } }, 'metadata.labels'],
      [{ metadata: { name: 'x' }, spec: { description: 7 } }, 'spec.description'],
      [{ metadata: { name: 'x' }, spec: { permissions: ['everything'] } }, 'spec.permissions.0'],
    ]
    for (const [body, field] of cases) {
      const res = await t.api('POST', '/v1/api_keys', body)
      assert.equal(res.status, 400, JSON.stringify(body))
      assert.equal(res.body.code, 3)
      const fields = res.body.details[0].fieldViolations.map((v: any) => v.field)
      assert.ok(fields.includes(field), `${JSON.stringify(body)} -> ${fields}`)
    }
  })

  it('a token sent in the create body is ignored: the server issues its own', async () => {
    const res = await t.api('POST', '/v1/api_keys', {
      metadata: { name: 'chosen' },
      spec: { token: 'sk_i_chose_this_token_myself' },
    })
    assert.equal(res.status, 200)
    assert.notEqual(res.body.spec.token, 'sk_i_chose_this_token_myself')
    const chosen = await t.api('GET', '/v1/agents', undefined, {
      token: 'sk_i_chose_this_token_myself',
    })
    assert.equal(chosen.status, 401)
  })

  it('unknown key ids are 404 on get, update, delete and rotate', async () => {
    const id = 'apikey_01J00000000000000000000000'
    for (const [method, path] of [
      ['GET', `/v1/api_keys/${id}`],
      ['PATCH', `/v1/api_keys/${id}`],
      ['DELETE', `/v1/api_keys/${id}`],
      ['PUT', `/v1/api_keys/${id}/rotate`],
    ] as const) {
      const res = await t.api(method, path, method === 'PATCH' ? { spec: {} } : undefined)
      assert.equal(res.status, 404, `${method} ${path}`)
      assert.equal(res.body.code, 5)
    }
  })

  it('a duplicate external id in one workspace is 409', async () => {
    await createKey('dup')
    const res = await t.api('POST', '/v1/api_keys', keyBody('dup'))
    assert.equal(res.status, 409)
    assert.equal(res.body.code, 6)
  })

  it('list paginates with a cursor and filters by name prefix', async () => {
    await createKey('page-a')
    await createKey('page-b')
    const first = await t.api('GET', '/v1/api_keys?prefix=page-&limit=1')
    assert.equal(first.body.items.length, 1)
    assert.equal(first.body.pagination.total, 2)
    assert.equal(first.body.items[0].metadata.name, 'page-a')
    const next = await t.api(
      'GET',
      `/v1/api_keys?prefix=page-&limit=1&cursor=${first.body.pagination.next_cursor}`,
    )
    assert.equal(next.body.items[0].metadata.name, 'page-b')
    assert.equal(next.body.pagination.nextCursor, '')
  })
})

describe('API keys (seed-003 /v1/account/api_keys)', () => {
  it('account-level CRUD and rotate work on the same keys', async () => {
    const created = await createKey('acct', '/v1/account/api_keys')
    assert.match(created.spec.token, /^sk_/)
    const id = created.metadata.id
    const got = await t.api('GET', `/v1/account/api_keys/${id}`)
    assert.equal(got.body.metadata.name, 'acct')
    assert.equal(got.body.spec.token, undefined)
    const listed = await t.api('GET', '/v1/account/api_keys?prefix=acct')
    assert.deepEqual(
      listed.body.items.map((k: any) => k.metadata.id),
      [id],
    )
    const patched = await t.api('PATCH', `/v1/account/api_keys/${id}`, {
      spec: { description: 'renamed' },
    })
    assert.equal(patched.body.spec.description, 'renamed')
    const rotated = await t.api('PUT', `/v1/account/api_keys/${id}/rotate`)
    assert.notEqual(rotated.body.spec.token, created.spec.token)
    assert.equal(
      (await t.api('GET', '/v1/agents', undefined, { token: created.spec.token })).status,
      401,
    )
    const del = await t.api('DELETE', `/v1/account/api_keys/${id}`)
    assert.equal(del.status, 200)
    assert.equal(
      (await t.api('GET', '/v1/agents', undefined, { token: rotated.body.spec.token })).status,
      401,
    )
  })

  it('an account-level create may home the key in another workspace; unknown ones are 404', async () => {
    const ws = await t.api('POST', '/v1/account/workspaces', { metadata: { name: 'second' } })
    const created = await t.api('POST', '/v1/account/api_keys', {
      metadata: { name: 'homed' },
      workspaceId: ws.body.metadata.id,
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    assert.equal(created.body.metadata.workspaceId, ws.body.metadata.id)
    const current = await t.api('GET', '/v1/workspaces/current', undefined, {
      token: created.body.spec.token,
    })
    assert.equal(current.body.metadata.id, ws.body.metadata.id)
    const unknown = await t.api('POST', '/v1/account/api_keys', {
      metadata: { name: 'nowhere' },
      workspaceId: 'ws_01J00000000000000000000000',
    })
    assert.equal(unknown.status, 404)
  })
})
