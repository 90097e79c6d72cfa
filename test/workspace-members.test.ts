import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

async function createWorkspace(name: string) {
  const res = await t.api('POST', '/v1/account/workspaces', {
    metadata: { name, externalId: `${name}-ext` },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.metadata.id as string
}

/** A key homed in the caller's workspace: its token and its profile id. */
async function createKey(name: string) {
  const res = await t.api('POST', '/v1/account/api_keys', { metadata: { name } })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  const profiles = await t.api(
    'GET',
    `/v1/account/profiles?type=PROFILE_TYPE_API_KEY&query=${name}`,
  )
  const profile = profiles.body.items.find((p: any) => p.metadata.name === name)
  return { token: res.body.spec.token as string, profileId: profile.metadata.id as string }
}

describe('workspace members (/v1/account/workspaces/{id}/members)', () => {
  it('a new workspace lists the creating key as its member, with actorId, profileId and addedAt', async () => {
    const ws = await createWorkspace('members-list')
    const res = await t.api('GET', `/v1/account/workspaces/${ws}/members`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.items.length, 1)
    const [member] = res.body.items
    assert.match(member.actorId, /^actor_/)
    assert.match(member.profileId, /^prof_/)
    assert.ok(!Number.isNaN(Date.parse(member.addedAt)))
    assert.equal(typeof member.name, 'string')
    assert.equal(res.body.pagination.total, 1)
    assert.equal(res.body.pagination.nextCursor, '')
    assert.equal(res.body.pagination.next_cursor, '')
  })

  it("adding an API key's profile grants the key the workspace; removing it takes it away", async () => {
    const ws = await createWorkspace('members-grant')
    const key = await createKey('member-key')
    const before = await t.api('GET', `/v1/workspaces/${ws}/agents`, undefined, {
      token: key.token,
    })
    assert.equal(before.status, 404)

    const added = await t.api('POST', `/v1/account/workspaces/${ws}/members`, {
      profile_id: key.profileId,
    })
    assert.equal(added.status, 200, JSON.stringify(added.body))
    assert.equal(added.body.profileId, key.profileId)
    const inside = await t.api('GET', `/v1/workspaces/${ws}/agents`, undefined, {
      token: key.token,
    })
    assert.equal(inside.status, 200, JSON.stringify(inside.body))

    const removed = await t.api('DELETE', `/v1/account/workspaces/${ws}/members/${key.profileId}`)
    assert.equal(removed.status, 200, JSON.stringify(removed.body))
    assert.deepEqual(removed.body, {})
    const after = await t.api('GET', `/v1/workspaces/${ws}/agents`, undefined, { token: key.token })
    assert.equal(after.status, 404)
  })

  it('adding a member twice returns the same membership', async () => {
    const ws = await createWorkspace('members-twice')
    const key = await createKey('twice-key')
    const first = await t.api('POST', `/v1/account/workspaces/${ws}/members`, {
      profileId: key.profileId,
    })
    const second = await t.api('POST', `/v1/account/workspaces/${ws}/members`, {
      profileId: key.profileId,
    })
    assert.equal(second.status, 200)
    assert.equal(second.body.actorId, first.body.actorId)
  })

  it('a member added by email resolves to one user profile, case-insensitively', async () => {
    const ws = await createWorkspace('members-email')
    const first = await t.api('POST', `/v1/account/workspaces/${ws}/members`, {
      email: 'Ada@Example.com',
    })
    assert.equal(first.status, 200, JSON.stringify(first.body))
    assert.equal(first.body.email, 'ada@example.com')
    const again = await t.api(
      'POST',
      `/v1/account/workspaces/external_id:members-email-ext/members`,
      {
        email: 'ada@example.com',
      },
    )
    assert.equal(again.body.profileId, first.body.profileId)
    const profiles = await t.api('GET', '/v1/account/profiles?query=ada@example.com')
    assert.equal(profiles.body.items.length, 1)
    assert.equal(profiles.body.items[0].spec.type, 'PROFILE_TYPE_USER')
  })

  it('add needs exactly one of profileId or email (InvalidArgument)', async () => {
    const ws = await createWorkspace('members-invalid')
    const none = await t.api('POST', `/v1/account/workspaces/${ws}/members`, {})
    assert.equal(none.status, 400)
    assert.equal(none.body.code, 3)
    const both = await t.api('POST', `/v1/account/workspaces/${ws}/members`, {
      profileId: 'prof_x',
      email: 'x@example.com',
    })
    assert.equal(both.status, 400)
    const unknown = await t.api('POST', `/v1/account/workspaces/${ws}/members`, {
      profileId: 'prof_missing',
    })
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.code, 5)
  })

  it("an API key's profile cannot be removed from its home workspace (FailedPrecondition)", async () => {
    const key = await createKey('homed-key')
    const res = await t.api(
      'DELETE',
      `/v1/account/workspaces/${t.workspaceId}/members/${key.profileId}`,
    )
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 9)
  })

  it('members of an unknown workspace are NotFound', async () => {
    const res = await t.api('GET', '/v1/account/workspaces/ws_missing/members')
    assert.equal(res.status, 404)
    assert.equal(res.body.code, 5)
  })
})
