import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { readSecrets } from '../src/modules/secrets/index.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

const create = (name: string, value: string, extra: Record<string, unknown> = {}) =>
  t.api('POST', '/v1/workspace_secrets', { metadata: { name, ...extra }, spec: { value } })

const violation = (res: { body: any }) => res.body.details[0].fieldViolations[0].field

describe('workspace secrets', () => {
  it('a created secret returns its metadata and info but never its value', async () => {
    const value = 'sv-create-7f3a9c'
    const res = await create('STRIPE_KEY', value, { externalId: 'stripe', labels: { env: 'prod' } })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.match(res.body.metadata.id, /^wsec_[0-9A-HJKMNP-TV-Z]{26}$/)
    assert.equal(res.body.metadata.name, 'STRIPE_KEY')
    assert.deepEqual(res.body.metadata.labels, { env: 'prod' })
    assert.equal(res.body.spec.value ?? '', '')
    assert.match(res.body.info.createdBy.metadata.id, /^prof_/)
    assert.equal(res.body.info.lastUsedAt, undefined)
    assert.ok(!JSON.stringify(res.body).includes(value))
  })

  it('get, list and the workspace family never return a value', async () => {
    const value = 'sv-read-81bd20'
    const created = await create('READ_ME', value)
    const id = created.body.metadata.id
    const reads = [
      await t.api('GET', `/v1/workspace_secrets/${id}`),
      await t.api('GET', '/v1/workspace_secrets/external_id:nothing-here'),
      await t.api('GET', '/v1/workspace_secrets?includeInfo=true'),
      await t.api('GET', '/v1/workspace_secrets'),
      await t.api('GET', `/v1/workspaces/${t.workspaceId}/workspace_secrets/${id}`),
    ]
    assert.equal(reads[0]!.status, 200)
    assert.equal(reads[1]!.status, 404)
    assert.ok(reads[2]!.body.items.some((s: any) => s.metadata.id === id))
    assert.equal(reads[4]!.body.metadata.name, 'READ_ME')
    for (const res of reads) assert.ok(!JSON.stringify(res.body).includes(value))
  })

  it('the value is stored encrypted, not in plain text', async () => {
    const value = 'sv-at-rest-55e1'
    const created = await create('AT_REST', value)
    const row = await t.sortie.deps.db
      .selectFrom('workspace_secrets')
      .selectAll()
      .where('id', '=', created.body.metadata.id)
      .executeTakeFirstOrThrow()
    assert.ok(!JSON.stringify(row).includes(value))
    assert.equal(t.sortie.deps.box.open(row.value_sealed), value)
  })

  it('a name that cannot be referenced as ${NAME} is 400 on metadata.name', async () => {
    for (const name of ['1ABC', 'has-dash', 'with space', 'x.y', '']) {
      const res = await create(name, 'v')
      assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.code, 3)
      assert.equal(violation(res), 'metadata.name')
    }
  })

  it('a missing or empty value is 400 on spec.value', async () => {
    const missing = await t.api('POST', '/v1/workspace_secrets', {
      metadata: { name: 'NO_VALUE' },
      spec: {},
    })
    assert.equal(missing.status, 400)
    assert.equal(violation(missing), 'spec.value')
    const empty = await create('EMPTY_VALUE', '')
    assert.equal(empty.status, 400)
    assert.equal(violation(empty), 'spec.value')
    const noSpec = await t.api('POST', '/v1/workspace_secrets', { metadata: { name: 'NO_SPEC' } })
    assert.equal(noSpec.status, 400)
    assert.equal(violation(noSpec), 'spec')
  })

  it('a second secret with the same name in the workspace is 409', async () => {
    assert.equal((await create('DUPLICATE', 'a')).status, 200)
    const res = await create('DUPLICATE', 'b')
    assert.equal(res.status, 409, JSON.stringify(res.body))
    assert.equal(res.body.code, 6)
  })

  it('readSecrets decrypts the named workspace secrets and marks them used', async () => {
    const created = await create('USED_ONE', 'sv-used-1')
    await create('UNUSED_ONE', 'sv-unused-1')
    const values = await readSecrets(t.sortie.deps, { workspaceId: t.workspaceId }, [
      'USED_ONE',
      'NOT_THERE',
    ])
    assert.deepEqual([...values], [['USED_ONE', 'sv-used-1']])
    const got = await t.api('GET', `/v1/workspace_secrets/${created.body.metadata.id}`)
    assert.ok(Date.parse(got.body.info.lastUsedAt) > 0)
    const unused = await t.api('GET', '/v1/workspace_secrets?includeInfo=true&prefix=UNUSED_')
    assert.equal(unused.body.items.length, 1)
    assert.equal(unused.body.items[0].info.lastUsedAt, undefined)
  })

  it('a PATCH replaces the value without echoing it and can rename', async () => {
    const created = await create('ROTATE_ME', 'sv-old-value')
    const id = created.body.metadata.id
    const res = await t.api('PATCH', `/v1/workspace_secrets/${id}`, {
      metadata: { name: 'ROTATED' },
      spec: { value: 'sv-new-value' },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.metadata.name, 'ROTATED')
    assert.ok(!JSON.stringify(res.body).includes('sv-new-value'))
    const values = await readSecrets(t.sortie.deps, { workspaceId: t.workspaceId }, [
      'ROTATED',
      'ROTATE_ME',
    ])
    assert.deepEqual([...values], [['ROTATED', 'sv-new-value']])
  })

  it('a PATCH with updateMask metadata.labels keeps the value', async () => {
    const created = await create('MASKED', 'sv-kept')
    const res = await t.api('PATCH', `/v1/workspace_secrets/${created.body.metadata.id}`, {
      metadata: { labels: { a: 'b' } },
      spec: { value: 'sv-ignored' },
      updateMask: 'metadata.labels',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body.metadata.labels, { a: 'b' })
    const values = await readSecrets(t.sortie.deps, { workspaceId: t.workspaceId }, ['MASKED'])
    assert.equal(values.get('MASKED'), 'sv-kept')
  })

  it('a PATCH to an invalid name, an empty value or a masked missing value is 400', async () => {
    const created = await create('PATCH_BAD', 'v')
    const path = `/v1/workspace_secrets/${created.body.metadata.id}`
    const badName = await t.api('PATCH', path, { metadata: { name: 'bad-name' } })
    assert.equal(badName.status, 400)
    assert.equal(violation(badName), 'metadata.name')
    const emptyValue = await t.api('PATCH', path, { spec: { value: '' } })
    assert.equal(violation(emptyValue), 'spec.value')
    const masked = await t.api('PATCH', path, { updateMask: 'spec.value' })
    assert.equal(masked.status, 400)
    assert.equal(violation(masked), 'spec.value')
  })

  it('renaming onto an existing name is 409', async () => {
    await create('TAKEN_NAME', 'v')
    const other = await create('FREE_NAME', 'v')
    const res = await t.api('PATCH', `/v1/workspace_secrets/${other.body.metadata.id}`, {
      metadata: { name: 'TAKEN_NAME' },
    })
    assert.equal(res.status, 409)
  })

  it('a deleted secret answers 200 {} and is gone for reads and resolution', async () => {
    const created = await create('DELETE_ME', 'v')
    const id = created.body.metadata.id
    const res = await t.api('DELETE', `/v1/workspace_secrets/${id}`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, {})
    assert.equal((await t.api('GET', `/v1/workspace_secrets/${id}`)).status, 404)
    assert.equal((await t.api('DELETE', `/v1/workspace_secrets/${id}`)).status, 404)
    const values = await readSecrets(t.sortie.deps, { workspaceId: t.workspaceId }, ['DELETE_ME'])
    assert.equal(values.size, 0)
  })

  it('another workspace id in the path is 404', async () => {
    const res = await t.api('GET', '/v1/workspaces/ws_01ARZ3NDEKTSV4RRFFQ69G5FAV/workspace_secrets')
    assert.equal(res.status, 404)
  })
})
