/**
 * Account administration (API keys and their workspace access, workspaces, members, profiles, the
 * webhook signing key) needs an account-admin key: one holding `account:manage`, as the key made
 * at first start does. A key created through the API holds `*` inside its workspaces only; on
 * account routes it gets 403 code 7 and changes nothing, except reading and rotating itself.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
let wsB: string
let adminKeyId: string
/** A workspace key of the default workspace A, created the usual way. */
let keyA: { id: string; token: string }

async function snapshot() {
  const keys = await t.api('GET', '/v1/account/api_keys?limit=500')
  const workspaces = await t.api('GET', '/v1/account/workspaces?limit=500')
  const members = await t.api('GET', `/v1/account/workspaces/${wsB}/members?limit=500`)
  const account = await t.api('GET', '/v1/account')
  return JSON.stringify([keys.body, workspaces.body, members.body, account.body])
}

function assertDenied(res: { status: number; body: any }, what: string) {
  assert.equal(res.status, 403, `${what}: ${res.status} ${JSON.stringify(res.body)}`)
  assert.equal(res.body.code, 7, what)
  assert.match(res.body.message, /account-admin API key/, what)
}

before(async () => {
  t = await startTestSortie()
  const created = await t.api('POST', '/v1/account/workspaces', { metadata: { name: 'B' } })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  wsB = created.body.metadata.id
  const key = await t.api('POST', '/v1/api_keys', { metadata: { name: 'workspace key A' } })
  assert.equal(key.status, 200, JSON.stringify(key.body))
  keyA = { id: key.body.metadata.id, token: key.body.spec.token }
  const keys = await t.api('GET', '/v1/account/api_keys')
  adminKeyId = keys.body.items.find((k: any) => k.metadata.name === 'admin').metadata.id
})
after(() => t?.sortie.stop())

describe('account routes need an account-admin key', () => {
  it('the first-start key administers the account; an API-created key holds only "*"', async () => {
    const admin = await t.api('GET', `/v1/api_keys/${adminKeyId}`)
    assert.deepEqual(admin.body.spec.permissions, ['*', 'account:manage'])
    const plain = await t.api('GET', `/v1/api_keys/${keyA.id}`)
    assert.deepEqual(plain.body.spec.permissions, ['*'])
  })

  it('a workspace key cannot grant itself another workspace (403 code 7) and still cannot read it', async () => {
    const before = await snapshot()
    const grant = await t.api(
      'POST',
      `/v1/account/api_keys/${keyA.id}/workspaces`,
      { workspaceId: wsB },
      { token: keyA.token },
    )
    assertDenied(grant, 'grant itself B')
    const read = await t.api('GET', `/v1/workspaces/${wsB}/objectives`, undefined, {
      token: keyA.token,
    })
    assert.equal(read.status, 404)
    assert.equal(await snapshot(), before)
  })

  it('a workspace key cannot mint a key for another workspace, list every key, or manage workspaces and members', async () => {
    const before = await snapshot()
    const as = { token: keyA.token }
    const denied: [string, string, unknown?][] = [
      ['POST', '/v1/account/api_keys', { metadata: { name: 'mine in B' }, workspaceId: wsB }],
      ['POST', '/v1/account/api_keys', { metadata: { name: 'mine' } }],
      ['GET', '/v1/account/api_keys'],
      ['GET', `/v1/account/api_keys/${adminKeyId}`],
      ['PATCH', `/v1/account/api_keys/${adminKeyId}`, { metadata: { name: 'x' } }],
      ['PUT', `/v1/account/api_keys/${adminKeyId}/rotate`],
      ['DELETE', `/v1/account/api_keys/${adminKeyId}`],
      ['GET', `/v1/account/api_keys/${adminKeyId}/workspaces`],
      ['DELETE', `/v1/account/api_keys/${keyA.id}/workspaces/${wsB}`],
      ['POST', '/v1/account/workspaces', { metadata: { name: 'C' } }],
      ['GET', '/v1/account/workspaces'],
      ['GET', `/v1/account/workspaces/${wsB}`],
      ['PATCH', `/v1/account/workspaces/${wsB}`, { metadata: { name: 'renamed' } }],
      ['DELETE', `/v1/account/workspaces/${wsB}`],
      ['GET', `/v1/account/workspaces/${wsB}/members`],
      ['POST', `/v1/account/workspaces/${wsB}/members`, { email: 'x@example.com' }],
      ['GET', '/v1/account/profiles'],
      ['POST', '/v1/account/rotate_webhook_signing_key'],
    ]
    for (const [method, path, body] of denied) {
      assertDenied(await t.api(method, path, body, as), `${method} ${path}`)
    }
    assert.equal(await snapshot(), before)
  })

  it('a workspace key reads the account without its signing secret and only its workspaces', async () => {
    const res = await t.api('GET', '/v1/account', undefined, { token: keyA.token })
    assert.equal(res.status, 200)
    assert.equal(res.body.info.webhookEventsHmacSecret, undefined)
    assert.deepEqual(
      res.body.spec.workspaces.map((w: any) => w.metadata.id),
      [t.workspaceId],
    )
    const admin = await t.api('GET', '/v1/account')
    assert.match(admin.body.info.webhookEventsHmacSecret, /^whsec_/)
    assert.equal(admin.body.spec.workspaces.length, 2)
    for (const path of ['/v1/workspaces', '/v1/workspaces/current']) {
      const open = await t.api('GET', path, undefined, { token: keyA.token })
      assert.equal(open.status, 200, path)
    }
  })

  it('a workspace key reads and rotates itself on the account surface', async () => {
    const key = await t.api('POST', '/v1/api_keys', { metadata: { name: 'self-rotating' } })
    const own = await t.api('GET', `/v1/account/api_keys/${key.body.metadata.id}`, undefined, {
      token: key.body.spec.token,
    })
    assert.equal(own.status, 200)
    const workspaces = await t.api(
      'GET',
      `/v1/account/api_keys/${key.body.metadata.id}/workspaces`,
      undefined,
      { token: key.body.spec.token },
    )
    assert.equal(workspaces.status, 200)
    const rotated = await t.api(
      'PUT',
      `/v1/account/api_keys/${key.body.metadata.id}/rotate`,
      undefined,
      { token: key.body.spec.token },
    )
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body))
    const fresh = await t.api('GET', '/v1/workspaces/current', undefined, {
      token: rotated.body.spec.token,
    })
    assert.equal(fresh.status, 200)
  })

  it('on /v1/api_keys a workspace key cannot rotate, update or delete an admin key, nor grant account:manage', async () => {
    const as = { token: keyA.token }
    assertDenied(await t.api('POST', `/v1/api_keys/${adminKeyId}/rotate`, {}, as), 'rotate admin')
    assertDenied(await t.api('DELETE', `/v1/api_keys/${adminKeyId}`, undefined, as), 'delete admin')
    assertDenied(
      await t.api('PATCH', `/v1/api_keys/${adminKeyId}`, { metadata: { name: 'pwned' } }, as),
      'update admin',
    )
    assertDenied(
      await t.api(
        'POST',
        '/v1/api_keys',
        { metadata: { name: 'escalated' }, spec: { permissions: ['*', 'account:manage'] } },
        as,
      ),
      'create an admin key',
    )
    assertDenied(
      await t.api(
        'PATCH',
        `/v1/api_keys/${keyA.id}`,
        { spec: { permissions: ['*', 'account:manage'] }, updateMask: 'spec.permissions' },
        as,
      ),
      'grant itself account:manage',
    )
    const admin = await t.api('GET', `/v1/api_keys/${adminKeyId}`)
    assert.equal(admin.status, 200, 'the first-start token still works')
    assert.equal(admin.body.metadata.name, 'admin')
    const plain = await t.api('POST', '/v1/api_keys', { metadata: { name: 'peer' } }, as)
    assert.equal(plain.status, 200, 'a workspace key may still create a plain key of its workspace')
    assert.deepEqual(plain.body.spec.permissions, ['*'])
  })

  it('a workspace key cannot rotate, update or delete a key of its workspace that was granted another workspace (it would take that access)', async () => {
    const granted = await t.api('POST', '/v1/api_keys', { metadata: { name: 'granted B' } })
    const grantedId = granted.body.metadata.id
    const grant = await t.api('POST', `/v1/account/api_keys/${grantedId}/workspaces`, {
      workspaceId: wsB,
    })
    assert.equal(grant.status, 200, JSON.stringify(grant.body))
    const as = { token: keyA.token }
    for (const [method, path, body] of [
      ['POST', `/v1/api_keys/${grantedId}/rotate`, {}],
      ['POST', `/v1/api_keys/${grantedId}:rotate`, {}],
      ['PATCH', `/v1/api_keys/${grantedId}`, { metadata: { name: 'mine now' } }],
      ['DELETE', `/v1/api_keys/${grantedId}`, undefined],
    ] as const) {
      const res = await t.api(method, path, body, as)
      assert.equal(res.status, 403, `${method} ${path}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.code, 7)
    }
    const still = await t.api('GET', `/v1/workspaces/${wsB}/agents`, undefined, {
      token: granted.body.spec.token,
    })
    assert.equal(still.status, 200, 'the granted key was neither rotated nor deleted')
    const plain = await t.api('POST', '/v1/api_keys', { metadata: { name: 'plain peer' } })
    const rotated = await t.api('POST', `/v1/api_keys/${plain.body.metadata.id}/rotate`, {}, as)
    assert.equal(rotated.status, 200, 'a peer key with no wider reach may be rotated')
  })

  it('an account admin gives account:manage to a key, which then administers the account', async () => {
    const created = await t.api('POST', '/v1/api_keys', {
      metadata: { name: 'second admin' },
      spec: { permissions: ['*', 'account:manage'] },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const list = await t.api('GET', '/v1/account/api_keys', undefined, {
      token: created.body.spec.token,
    })
    assert.equal(list.status, 200)
    const demoted = await t.api('PATCH', `/v1/api_keys/${created.body.metadata.id}`, {
      spec: { permissions: ['*'] },
      updateMask: 'spec.permissions',
    })
    assert.equal(demoted.status, 200, JSON.stringify(demoted.body))
    assertDenied(
      await t.api('GET', '/v1/account/api_keys', undefined, { token: created.body.spec.token }),
      'demoted key',
    )
  })
})
