import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { getWebhookSigningSecret } from '../src/modules/accounts/index.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

describe('account', () => {
  it('GET /v1/account returns the account metadata, spec with its workspaces and a whsec_ secret', async () => {
    const res = await t.api('GET', '/v1/account')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.metadata.id, t.accountId)
    assert.equal(res.body.metadata.accountId, t.accountId)
    assert.match(res.body.metadata.profileId, /^prof_/)
    assert.deepEqual(res.body.metadata.labels, {})
    assert.equal(res.body.metadata.externalId, '')
    assert.deepEqual(
      res.body.spec.workspaces.map((w: any) => w.metadata.id),
      [t.workspaceId],
    )
    assert.equal(res.body.spec.workspaces[0].status, 'STATUS_ENABLED')
    assert.equal(res.body.spec.billingEmail, '')
    assert.match(res.body.info.webhookEventsHmacSecret, /^whsec_[A-Za-z0-9+/]+=*$/)
  })

  it('the account secret is a valid Standard Webhooks key and matches the dispatcher lookup', async () => {
    const secret = (await t.api('GET', '/v1/account')).body.info.webhookEventsHmacSecret
    assert.equal(await getWebhookSigningSecret(t.sortie.deps, t.accountId), secret)
    const wh = new Webhook(secret)
    const payload = JSON.stringify({ type: 'objective_event.user_message' })
    const now = new Date()
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': `${Math.floor(now.getTime() / 1000)}`,
    }
    const signature = wh.sign('msg_1', now, payload)
    assert.doesNotThrow(() => wh.verify(payload, { ...headers, 'webhook-signature': signature }))
  })

  it('rotating the webhook signing key returns a new secret that GET /v1/account then shows', async () => {
    const before = (await t.api('GET', '/v1/account')).body.info.webhookEventsHmacSecret
    const res = await t.api('POST', '/v1/account/rotate_webhook_signing_key')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(Object.keys(res.body), ['webhookEventsHmacSecret'])
    assert.match(res.body.webhookEventsHmacSecret, /^whsec_/)
    assert.notEqual(res.body.webhookEventsHmacSecret, before)
    const after = (await t.api('GET', '/v1/account')).body.info.webhookEventsHmacSecret
    assert.equal(after, res.body.webhookEventsHmacSecret)
    assert.equal(await getWebhookSigningSecret(t.sortie.deps, t.accountId), after)
  })

  it('account routes need a valid token', async () => {
    const res = await t.api('GET', '/v1/account', undefined, { token: 'sk_nope' })
    assert.equal(res.status, 401)
    assert.equal(res.body.code, 16)
    const none = await t.api('POST', '/v1/account/rotate_webhook_signing_key', undefined, {
      token: null,
    })
    assert.equal(none.status, 401)
  })
})

describe('profiles', () => {
  it('GET /v1/account/profiles lists the owner and one API-key profile per key', async () => {
    await t.api('POST', '/v1/api_keys', { metadata: { name: 'profiled-key' } })
    const res = await t.api('GET', '/v1/account/profiles')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const types = res.body.items.map((p: any) => p.spec.type)
    assert.ok(types.includes('PROFILE_TYPE_USER'))
    assert.ok(res.body.items.some((p: any) => p.spec.name === 'profiled-key'))
    assert.equal(res.body.pagination.total, res.body.items.length)
    for (const p of res.body.items) assert.equal(p.metadata.accountId, t.accountId)
  })

  it('profiles filter by type and by a case-insensitive name query', async () => {
    const keysOnly = await t.api('GET', '/v1/account/profiles?type=PROFILE_TYPE_API_KEY')
    assert.ok(keysOnly.body.items.length >= 2)
    for (const p of keysOnly.body.items) assert.equal(p.spec.type, 'PROFILE_TYPE_API_KEY')
    const q = await t.api('GET', '/v1/account/profiles?query=PROFILED')
    assert.deepEqual(
      q.body.items.map((p: any) => p.spec.name),
      ['profiled-key'],
    )
  })

  it('profiles paginate with a cursor', async () => {
    const first = await t.api('GET', '/v1/account/profiles?limit=1')
    assert.equal(first.body.items.length, 1)
    assert.ok(first.body.pagination.nextCursor)
    const second = await t.api(
      'GET',
      `/v1/account/profiles?limit=1&cursor=${first.body.pagination.nextCursor}`,
    )
    assert.equal(second.body.items.length, 1)
    assert.notEqual(second.body.items[0].metadata.id, first.body.items[0].metadata.id)
  })

  it('an unknown profile type is a 400 with a field violation', async () => {
    const res = await t.api('GET', '/v1/account/profiles?type=PROFILE_TYPE_ROBOT')
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 3)
    assert.equal(res.body.details[0].fieldViolations[0].field, 'type')
  })
})
