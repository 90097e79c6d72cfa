import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

async function createWorkspace(name: string, extra: Record<string, unknown> = {}) {
  const res = await t.api('POST', '/v1/account/workspaces', {
    metadata: { name, labels: { tier: name } },
    spec: { description: `${name} workspace` },
    ...extra,
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body as { metadata: { id: string; name: string }; status: string }
}

/** A key homed in `workspaceId`, created through the workspace route family. */
async function keyIn(workspaceId: string, name: string) {
  const res = await t.api('POST', `/v1/workspaces/${workspaceId}/api_keys`, {
    metadata: { name },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body as { metadata: { id: string; workspaceId: string }; spec: { token: string } }
}

describe('workspaces', () => {
  it('GET /v1/workspaces/current is the key home workspace', async () => {
    const res = await t.api('GET', '/v1/workspaces/current')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.metadata.id, t.workspaceId)
    assert.equal(res.body.metadata.accountId, t.accountId)
    assert.equal(res.body.status, 'STATUS_ENABLED')
    assert.equal(typeof res.body.spec.description, 'string')
  })

  it('a created workspace has AM metadata, its spec and the STATUS_ENABLED status', async () => {
    const ws = await createWorkspace('staging')
    assert.match(ws.metadata.id, /^ws_[0-9A-HJKMNP-TV-Z]{26}$/)
    const got = await t.api('GET', `/v1/account/workspaces/${ws.metadata.id}`)
    assert.equal(got.status, 200)
    assert.deepEqual(got.body.metadata.labels, { tier: 'staging' })
    assert.equal(got.body.spec.description, 'staging workspace')
    assert.equal(got.body.status, 'STATUS_ENABLED')
  })

  it('a created workspace gets the model catalogue', async () => {
    const ws = await createWorkspace('with-models')
    const models = await t.api('GET', `/v1/workspaces/${ws.metadata.id}/models`)
    assert.equal(models.status, 200, JSON.stringify(models.body))
    assert.ok(models.body.items.length > 0)
  })

  it('the creating key is granted the new workspace: it is listed in GET /v1/workspaces', async () => {
    const ws = await createWorkspace('granted')
    const res = await t.api('GET', '/v1/workspaces')
    assert.equal(res.status, 200)
    const ids = res.body.items.map((w: any) => w.metadata.id)
    assert.ok(ids.includes(t.workspaceId))
    assert.ok(ids.includes(ws.metadata.id))
    assert.equal(res.body.pagination.total, ids.length)
  })

  it('includeInfo=true adds the workspace counts; without it info is absent', async () => {
    const ws = await createWorkspace('counted')
    const agent = await t.api('POST', `/v1/workspaces/${ws.metadata.id}/agents`, {
      metadata: { name: 'counted-agent' },
      defaultVariation: { metadata: { name: 'v' } },
    })
    assert.equal(agent.status, 200, JSON.stringify(agent.body))
    const withInfo = await t.api('GET', '/v1/workspaces?include_info=true')
    const item = withInfo.body.items.find((w: any) => w.metadata.id === ws.metadata.id)
    assert.deepEqual(item.info, {
      totalAgents: 1,
      totalAgentVariations: 1,
      totalAvailableTools: 0,
      totalMemoryEntries: 0,
    })
    const plain = await t.api('GET', '/v1/workspaces')
    assert.equal(plain.body.items[0].info, undefined)
  })

  it('GET /v1/workspaces lists only the workspaces a key may act in', async () => {
    const ws = await createWorkspace('lonely')
    const key = await keyIn(ws.metadata.id, 'lonely-key')
    const res = await t.api('GET', '/v1/workspaces', undefined, { token: key.spec.token })
    assert.deepEqual(
      res.body.items.map((w: any) => w.metadata.id),
      [ws.metadata.id],
    )
  })

  it('update with updateMask changes only the listed fields', async () => {
    const ws = await createWorkspace('patchme')
    const res = await t.api('PATCH', `/v1/account/workspaces/${ws.metadata.id}`, {
      metadata: { name: 'patched', labels: { a: 'b' } },
      spec: { description: 'new' },
      updateMask: 'metadata.name,spec.description',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.metadata.name, 'patched')
    assert.equal(res.body.spec.description, 'new')
    assert.deepEqual(res.body.metadata.labels, { tier: 'patchme' })
  })

  it('the admin list covers the account, filters by labels and hides archived ones by default', async () => {
    const ws = await createWorkspace('archive-me')
    const del = await t.api('DELETE', `/v1/account/workspaces/${ws.metadata.id}`)
    assert.equal(del.status, 200, JSON.stringify(del.body))
    assert.deepEqual(del.body, {})
    const got = await t.api('GET', `/v1/account/workspaces/${ws.metadata.id}`)
    assert.equal(got.body.status, 'STATUS_ARCHIVED')
    const active = await t.api('GET', '/v1/account/workspaces')
    assert.ok(!active.body.items.some((w: any) => w.metadata.id === ws.metadata.id))
    const all = await t.api(
      'GET',
      '/v1/account/workspaces?includeArchived=true&labels=tier=archive-me',
    )
    assert.deepEqual(
      all.body.items.map((w: any) => w.metadata.id),
      [ws.metadata.id],
    )
    const again = await t.api('DELETE', `/v1/account/workspaces/${ws.metadata.id}`)
    assert.equal(again.status, 200)
  })

  it('an archived workspace refuses requests scoped to it, and its keys', async () => {
    const ws = await createWorkspace('frozen')
    const key = await keyIn(ws.metadata.id, 'frozen-key')
    await t.api('DELETE', `/v1/account/workspaces/${ws.metadata.id}`)
    const scoped = await t.api('GET', `/v1/workspaces/${ws.metadata.id}/agents`)
    assert.equal(scoped.status, 403)
    assert.equal(scoped.body.code, 7)
    const own = await t.api('GET', '/v1/agents', undefined, { token: key.spec.token })
    assert.equal(own.status, 403)
  })

  it('a key cannot archive its own home workspace', async () => {
    const res = await t.api('DELETE', `/v1/account/workspaces/${t.workspaceId}`)
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 9)
    assert.equal((await t.api('GET', '/v1/workspaces/current')).body.status, 'STATUS_ENABLED')
  })

  it('bad workspace input is 400 and unknown workspaces are 404', async () => {
    const noName = await t.api('POST', '/v1/account/workspaces', { metadata: {} })
    assert.equal(noName.status, 400)
    assert.equal(noName.body.details[0].fieldViolations[0].field, 'metadata.name')
    const badSpec = await t.api('POST', '/v1/account/workspaces', {
      metadata: { name: 'x' },
      spec: { description: ['no'] },
    })
    assert.equal(badSpec.status, 400)
    const badLabels = await t.api('GET', '/v1/account/workspaces?labels=novalue')
    assert.equal(badLabels.status, 400)
    assert.equal(badLabels.body.details[0].fieldViolations[0].field, 'labels')
    const badMask = await t.api('PATCH', `/v1/account/workspaces/${t.workspaceId}`, {
      updateMask: 'status',
    })
    assert.equal(badMask.status, 400)
    const unknown = 'ws_01J00000000000000000000000'
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await t.api(
        method,
        `/v1/account/workspaces/${unknown}`,
        method === 'PATCH' ? {} : undefined,
      )
      assert.equal(res.status, 404, method)
    }
  })
})

describe('workspace isolation and access grants', () => {
  it('the workspace route family accepts external_id: for the workspace, acting in its real id', async () => {
    const ws = await createWorkspace('by-external', {
      metadata: { name: 'by-external', externalId: 'wsx' },
    })
    const created = await t.api('POST', '/v1/workspaces/external_id:wsx/agents', {
      metadata: { name: 'in-wsx' },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    assert.equal(created.body.metadata.workspaceId, ws.metadata.id)
    const listed = await t.api('GET', '/v1/workspaces/eid:wsx/agents')
    assert.equal(listed.status, 200)
    assert.deepEqual(
      listed.body.items.map((a: any) => a.metadata.name),
      ['in-wsx'],
    )
    const unknown = await t.api('GET', '/v1/workspaces/external_id:nope/agents')
    assert.equal(unknown.status, 404)
  })

  it('the access list of a key filters by labels', async () => {
    await createWorkspace('labelled-a')
    const key = await t.api('GET', '/v1/account/api_keys?prefix=admin')
    const id = key.body.items[0].metadata.id
    const res = await t.api('GET', `/v1/account/api_keys/${id}/workspaces?labels=tier=labelled-a`)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(
      res.body.items.map((w: any) => w.metadata.name),
      ['labelled-a'],
    )
  })

  it('a key homed in another workspace cannot see the first workspace agents until granted', async () => {
    const agent = await t.api('POST', '/v1/agents', { metadata: { name: 'secret-agent' } })
    assert.equal(agent.status, 200)
    const agentId = agent.body.metadata.id
    const ws2 = await createWorkspace('isolated')
    const key = await keyIn(ws2.metadata.id, 'isolated-key')
    assert.equal(key.metadata.workspaceId, ws2.metadata.id)
    const opts = { token: key.spec.token }

    const viaPath = await t.api('GET', `/v1/workspaces/${t.workspaceId}/agents`, undefined, opts)
    assert.equal(viaPath.status, 404)
    assert.equal(viaPath.body.code, 5)
    const viaPathOne = await t.api(
      'GET',
      `/v1/workspaces/${t.workspaceId}/agents/${agentId}`,
      undefined,
      opts,
    )
    assert.equal(viaPathOne.status, 404)
    const implicit = await t.api('GET', `/v1/agents/${agentId}`, undefined, opts)
    assert.equal(implicit.status, 404)
    const implicitList = await t.api('GET', '/v1/agents', undefined, opts)
    assert.deepEqual(implicitList.body.items, [])

    const grant = await t.api('POST', `/v1/account/api_keys/${key.metadata.id}/workspaces`, {
      workspaceId: t.workspaceId,
    })
    assert.equal(grant.status, 200, JSON.stringify(grant.body))
    assert.equal(grant.body.metadata.id, key.metadata.id)
    assert.equal(grant.body.spec.token, undefined)

    const granted = await t.api('GET', `/v1/workspaces/${t.workspaceId}/agents`, undefined, opts)
    assert.equal(granted.status, 200)
    assert.ok(granted.body.items.some((a: any) => a.metadata.id === agentId))
    // The implicit family still acts in the key's own workspace.
    assert.equal((await t.api('GET', `/v1/agents/${agentId}`, undefined, opts)).status, 404)
  })

  it('the access list shows home and granted workspaces; revoking removes access', async () => {
    const ws2 = await createWorkspace('revocable')
    const key = await keyIn(ws2.metadata.id, 'revocable-key')
    const path = `/v1/account/api_keys/${key.metadata.id}/workspaces`
    await t.api('POST', path, { workspaceId: t.workspaceId })
    await t.api('POST', path, { workspace_id: t.workspaceId })
    const listed = await t.api('GET', path)
    assert.equal(listed.status, 200)
    assert.deepEqual(
      listed.body.items.map((w: any) => w.metadata.id).sort(),
      [t.workspaceId, ws2.metadata.id].sort(),
    )
    const revoke = await t.api('DELETE', `${path}/${t.workspaceId}`)
    assert.equal(revoke.status, 200)
    assert.deepEqual(revoke.body, {})
    const after = await t.api('GET', `/v1/workspaces/${t.workspaceId}/agents`, undefined, {
      token: key.spec.token,
    })
    assert.equal(after.status, 404)
    assert.equal((await t.api('DELETE', `${path}/${t.workspaceId}`)).status, 200)
    const home = await t.api('DELETE', `${path}/${ws2.metadata.id}`)
    assert.equal(home.status, 400)
    assert.equal(home.body.code, 9)
  })

  it('grant input is validated: missing workspaceId 400, unknown key or workspace 404', async () => {
    const key = (await t.api('POST', '/v1/api_keys', { metadata: { name: 'g' } })).body
    const path = `/v1/account/api_keys/${key.metadata.id}/workspaces`
    const missing = await t.api('POST', path, {})
    assert.equal(missing.status, 400)
    assert.equal(missing.body.details[0].fieldViolations[0].field, 'workspaceId')
    const wrongType = await t.api('POST', path, { workspaceId: 12 })
    assert.equal(wrongType.status, 400)
    const unknownWs = await t.api('POST', path, { workspaceId: 'ws_01J00000000000000000000000' })
    assert.equal(unknownWs.status, 404)
    const unknownKey = await t.api(
      'POST',
      '/v1/account/api_keys/apikey_01J00000000000000000000000/workspaces',
      { workspaceId: t.workspaceId },
    )
    assert.equal(unknownKey.status, 404)
  })

  it('seed-004 /v1/api_keys only shows keys homed in the request workspace', async () => {
    const ws2 = await createWorkspace('elsewhere')
    const key = await keyIn(ws2.metadata.id, 'elsewhere-key')
    const own = await t.api('GET', `/v1/api_keys/${key.metadata.id}`)
    assert.equal(own.status, 404)
    const there = await t.api(
      'GET',
      `/v1/workspaces/${ws2.metadata.id}/api_keys/${key.metadata.id}`,
    )
    assert.equal(there.status, 200)
    const fromAccount = await t.api('GET', `/v1/account/api_keys/${key.metadata.id}`)
    assert.equal(fromAccount.status, 200)
    const theirs = await t.api('GET', '/v1/api_keys', undefined, { token: key.spec.token })
    assert.deepEqual(
      theirs.body.items.map((k: any) => k.metadata.id),
      [key.metadata.id],
    )
  })
})
