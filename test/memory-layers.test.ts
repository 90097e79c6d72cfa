import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie({ SORTIE_UPLOAD_MAX_BYTES: '4096' })
})
after(() => t?.sortie.stop())

const violations = (res: { body: any }) =>
  (res.body.details?.[0]?.fieldViolations ?? []).map((v: any) => v.field)

let n = 0
async function skillsLayer(prefix = '/v1'): Promise<string> {
  const res = await t.api('POST', `${prefix}/memory_layers`, {
    metadata: { name: `skills-${++n}` },
    spec: { type: 'MEMORY_LAYER_TYPE_SKILLS', description: 'how we work' },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.metadata.id
}

const entry = (layerId: string, spec: Record<string, unknown>, name = `entry-${++n}`) =>
  t.api('POST', `/v1/memory_layers/${layerId}/entries`, { metadata: { name }, spec })

/** An upload of `text`, its bytes PUT to the URL it returned (no API key). */
async function upload(text: string, contentType = 'text/markdown'): Promise<any> {
  const created = await t.api('POST', '/v1/uploads', {
    metadata: { name: 'doc' },
    spec: { contentType, filename: 'doc.md', sizeBytes: String(Buffer.byteLength(text)) },
  })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const url = new URL(created.body.info.uploadUrl)
  const put = await t.api('PUT', url.pathname + url.search, undefined, {
    token: null,
    rawBody: text,
  })
  assert.equal(put.status, 200, JSON.stringify(put.body))
  return { ...created.body, url: url.pathname + url.search }
}

describe('memory layers', () => {
  it('a SKILLS layer is created, read, listed, updated and deleted on both route families', async () => {
    const id = await skillsLayer()
    assert.match(id, /^memlyr_/)
    const ws = `/v1/workspaces/${t.workspaceId}`
    const got = await t.api('GET', `${ws}/memory_layers/${id}`)
    assert.equal(got.status, 200)
    assert.equal(got.body.spec.type, 'MEMORY_LAYER_TYPE_SKILLS')
    assert.equal(got.body.spec.systemManaged, false)
    assert.equal(got.body.info.entryCount, 0)
    assert.match(got.body.info.createdBy.metadata.id, /^prof_/)

    const list = await t.api(
      'GET',
      `${ws}/memory_layers?type=MEMORY_LAYER_TYPE_SKILLS&includeInfo=true`,
    )
    assert.ok(list.body.items.some((l: any) => l.metadata.id === id && l.info.entryCount === 0))
    const none = await t.api('GET', '/v1/memory_layers?type=MEMORY_LAYER_TYPE_EPISODIC')
    assert.ok(!none.body.items.some((l: any) => l.metadata.id === id))

    const patched = await t.api('PATCH', `/v1/memory_layers/${id}`, {
      spec: { description: 'new words' },
      updateMask: 'spec.description',
    })
    assert.equal(patched.status, 200, JSON.stringify(patched.body))
    assert.equal(patched.body.spec.description, 'new words')
    assert.equal(patched.body.spec.type, 'MEMORY_LAYER_TYPE_SKILLS')

    assert.equal((await t.api('DELETE', `${ws}/memory_layers/${id}`)).status, 200)
    assert.equal((await t.api('GET', `/v1/memory_layers/${id}`)).status, 404)
  })

  it('a layer without a type is 400 on spec.type; an EPISODIC one is 400 code 9', async () => {
    const untyped = await t.api('POST', '/v1/memory_layers', { metadata: { name: 'x' }, spec: {} })
    assert.equal(untyped.status, 400)
    assert.equal(untyped.body.code, 3)
    assert.deepEqual(violations(untyped), ['spec.type'])
    const episodic = await t.api('POST', '/v1/memory_layers', {
      metadata: { name: 'x' },
      spec: { type: 'MEMORY_LAYER_TYPE_EPISODIC' },
    })
    assert.equal(episodic.status, 400)
    assert.equal(episodic.body.code, 9)
    assert.deepEqual(violations(episodic), ['spec.type'])
    const list = await t.api('GET', '/v1/memory_layers?prefix=x')
    assert.equal(list.body.pagination.total, 0)
  })
})

describe('memory entries', () => {
  it('an entry is created with content, listed as a summary and read with its content', async () => {
    const layer = await skillsLayer()
    const created = await entry(layer, {
      key: 'skills/postmortem/write',
      title: 'Postmortems',
      description: 'Use when writing a postmortem',
      content: '# Postmortem\nBlameless.',
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    assert.match(created.body.metadata.id, /^mement_/)
    assert.equal(created.body.content, '# Postmortem\nBlameless.')
    assert.equal(created.body.info.memoryLayer.id, layer)

    const list = await t.api('GET', `/v1/memory_layers/${layer}/entries?includeInfo=true`)
    assert.equal(list.status, 200)
    assert.equal(list.body.items.length, 1)
    assert.equal(list.body.items[0].spec.key, 'skills/postmortem/write')
    assert.equal(list.body.items[0].content, undefined)
    assert.equal(list.body.items[0].info.memoryLayer.id, layer)

    const ws = `/v1/workspaces/${t.workspaceId}`
    const got = await t.api(
      'GET',
      `${ws}/memory_layers/${layer}/entries/${created.body.metadata.id}`,
    )
    assert.equal(got.body.content, '# Postmortem\nBlameless.')
    const layerInfo = await t.api('GET', `/v1/memory_layers/${layer}`)
    assert.equal(layerInfo.body.info.entryCount, 1)
    const workspaces = await t.api('GET', '/v1/workspaces?includeInfo=true')
    const mine = workspaces.body.items.find((w: any) => w.metadata.id === t.workspaceId)
    assert.ok(mine.info.totalMemoryEntries >= 1, JSON.stringify(mine.info))
  })

  it('the list filters by key prefix, case-sensitively, and pages', async () => {
    const layer = await skillsLayer()
    for (const key of ['a/one', 'a/two', 'A/three', 'b/four']) {
      assert.equal((await entry(layer, { key, content: key })).status, 200)
    }
    const a = await t.api('GET', `/v1/memory_layers/${layer}/entries?prefix=a/`)
    assert.deepEqual(
      a.body.items.map((e: any) => e.spec.key),
      ['a/one', 'a/two'],
    )
    const page1 = await t.api('GET', `/v1/memory_layers/${layer}/entries?limit=3&sortOrder=desc`)
    assert.equal(page1.body.items.length, 3)
    assert.equal(page1.body.pagination.total, 4)
    const page2 = await t.api(
      'GET',
      `/v1/memory_layers/${layer}/entries?limit=3&sortOrder=desc&cursor=${page1.body.pagination.nextCursor}`,
    )
    assert.deepEqual(
      page2.body.items.map((e: any) => e.spec.key),
      ['a/one'],
    )
  })

  it('each broken key rule is a 400 on spec.key and creates nothing', async () => {
    const layer = await skillsLayer()
    const bad = [
      '',
      'has space',
      '/lead',
      'trail/',
      'a//b',
      'cadenya/x',
      'system/x',
      'ü',
      'x'.repeat(1025),
    ]
    for (const key of bad) {
      const res = await entry(layer, { key, content: 'x' })
      assert.equal(res.status, 400, `${key}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.code, 3)
      assert.ok(
        violations(res).every((f: string) => f === 'spec.key'),
        key,
      )
    }
    const missing = await entry(layer, { content: 'x' })
    assert.deepEqual(violations(missing), ['spec.key'])
    const list = await t.api('GET', `/v1/memory_layers/${layer}/entries`)
    assert.equal(list.body.pagination.total, 0)
  })

  it('keys are unique per layer and case-sensitive; the same key may sit in another layer', async () => {
    const layer = await skillsLayer()
    const other = await skillsLayer()
    assert.equal((await entry(layer, { key: 'k', content: '1' })).status, 200)
    const dup = await entry(layer, { key: 'k', content: '2' })
    assert.equal(dup.status, 409)
    assert.equal(dup.body.code, 6)
    assert.equal((await entry(layer, { key: 'K', content: '3' })).status, 200)
    assert.equal((await entry(other, { key: 'k', content: '4' })).status, 200)
    const renamed = await entry(layer, { key: 'k2', content: '5' })
    const clash = await t.api(
      'PATCH',
      `/v1/memory_layers/${layer}/entries/${renamed.body.metadata.id}`,
      {
        spec: { key: 'k' },
      },
    )
    assert.equal(clash.status, 409)
    const badRename = await t.api(
      'PATCH',
      `/v1/memory_layers/${layer}/entries/${renamed.body.metadata.id}`,
      {
        spec: { key: 'a//b' },
      },
    )
    assert.equal(badRename.status, 400)
    assert.deepEqual(violations(badRename), ['spec.key'])
  })

  it('exactly one of content and uploadId: both or neither is 400 naming both', async () => {
    const layer = await skillsLayer()
    const neither = await entry(layer, { key: 'k' })
    assert.equal(neither.status, 400)
    assert.deepEqual(violations(neither), ['spec.content', 'spec.uploadId'])
    const up = await upload('hello')
    const both = await entry(layer, { key: 'k', content: 'x', uploadId: up.metadata.id })
    assert.equal(both.status, 400)
    assert.deepEqual(violations(both), ['spec.content', 'spec.uploadId'])
    const still = await t.api('GET', `/v1/uploads/${up.metadata.id}`)
    assert.equal(still.body.info.status, 'UPLOAD_STATUS_COMPLETE')
  })

  it('an update with updateMask replaces the content and keeps the rest', async () => {
    const layer = await skillsLayer()
    const created = await entry(layer, { key: 'k', title: 'T', content: 'old' })
    const res = await t.api(
      'PATCH',
      `/v1/memory_layers/${layer}/entries/${created.body.metadata.id}`,
      {
        spec: { content: 'new', title: 'ignored' },
        updateMask: 'spec.content',
      },
    )
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.content, 'new')
    assert.equal(res.body.spec.title, 'T')
    assert.equal(
      (await t.api('DELETE', `/v1/memory_layers/${layer}/entries/${created.body.metadata.id}`))
        .status,
      200,
    )
    assert.equal(
      (await t.api('GET', `/v1/memory_layers/${layer}/entries/${created.body.metadata.id}`)).status,
      404,
    )
  })
})

describe('uploads', () => {
  it('an upload goes PENDING -> COMPLETE -> CONSUMED and its text becomes an entry', async () => {
    const text = '# From a file\nwith ünïcode'
    const created = await t.api('POST', '/v1/uploads', {
      metadata: { name: 'skill file' },
      spec: {
        contentType: 'text/markdown',
        filename: 'skill.md',
        sizeBytes: Buffer.byteLength(text),
      },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    assert.match(created.body.metadata.id, /^upl_/)
    assert.equal(created.body.info.status, 'UPLOAD_STATUS_PENDING')
    assert.equal(created.body.spec.sizeBytes, String(Buffer.byteLength(text)))
    assert.ok(Date.parse(created.body.info.uploadUrlExpiresAt) > Date.now())
    const url = new URL(created.body.info.uploadUrl)
    assert.match(url.pathname, new RegExp(`^/v1/uploads/${created.body.metadata.id}/content$`))
    const put = await t.api('PUT', url.pathname + url.search, undefined, {
      token: null,
      rawBody: text,
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    assert.equal(put.body.info.status, 'UPLOAD_STATUS_COMPLETE')
    const ws = `/v1/workspaces/${t.workspaceId}`
    const got = await t.api('GET', `${ws}/uploads/${created.body.metadata.id}`)
    assert.equal(got.body.info.status, 'UPLOAD_STATUS_COMPLETE')
    assert.equal(got.body.info.uploadUrl, undefined)

    const layer = await skillsLayer()
    const made = await entry(layer, { key: 'from/file', uploadId: created.body.metadata.id })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    assert.equal(made.body.content, text)
    const consumed = await t.api('GET', `/v1/uploads/${created.body.metadata.id}`)
    assert.equal(consumed.body.info.status, 'UPLOAD_STATUS_CONSUMED')
    const again = await entry(layer, { key: 'again', uploadId: created.body.metadata.id })
    assert.equal(again.status, 400)
    assert.equal(again.body.code, 9)
    assert.deepEqual(violations(again), ['spec.uploadId'])
  })

  it('a wrong size, a second PUT, a forged or missing signature are refused and change nothing', async () => {
    const created = await t.api('POST', '/v1/uploads', {
      spec: { contentType: 'text/plain', filename: 'a.txt', sizeBytes: '5' },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    assert.equal(created.body.metadata.name, 'a.txt')
    const url = new URL(created.body.info.uploadUrl)
    const path = url.pathname
    const put = (p: string, body: string) =>
      t.api('PUT', p, undefined, { token: null, rawBody: body })

    const short = await put(path + url.search, 'abcd')
    assert.equal(short.status, 400)
    assert.equal(short.body.code, 3)
    assert.deepEqual(violations(short), ['body'])
    const long = await put(path + url.search, 'abcdef')
    assert.equal(long.status, 400)
    const forged = await put(`${path}?signature=${'A'.repeat(43)}`, 'abcde')
    assert.equal(forged.status, 403)
    assert.equal(forged.body.code, 7)
    const unsigned = await put(path, 'abcde')
    assert.equal(unsigned.status, 403)
    const pending = await t.api('GET', `/v1/uploads/${created.body.metadata.id}`)
    assert.equal(pending.body.info.status, 'UPLOAD_STATUS_PENDING')
    const unknown = await put(`/v1/uploads/upl_nothing/content${url.search}`, 'abcde')
    assert.equal(unknown.status, 404)

    assert.equal((await put(path + url.search, 'abcde')).status, 200)
    const second = await put(path + url.search, 'abcde')
    assert.equal(second.status, 400)
    assert.equal(second.body.code, 9)
  })

  it('an expired URL is refused and the upload reads EXPIRED', async () => {
    const created = await t.api('POST', '/v1/uploads', {
      spec: { contentType: 'text/plain', filename: 'late.txt', sizeBytes: '3' },
    })
    const url = new URL(created.body.info.uploadUrl)
    // The clock cannot be moved through the API: the URL's expiry is moved instead.
    await t.sortie.deps.db
      .updateTable('uploads')
      .set({ url_expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', created.body.metadata.id)
      .execute()
    const put = await t.api('PUT', url.pathname + url.search, undefined, {
      token: null,
      rawBody: 'abc',
    })
    assert.equal(put.status, 400)
    assert.equal(put.body.code, 9)
    assert.match(put.body.message, /expired/)
    const got = await t.api('GET', `/v1/uploads/${created.body.metadata.id}`)
    assert.equal(got.body.info.status, 'UPLOAD_STATUS_EXPIRED')
  })

  it('SORTIE_UPLOAD_MAX_BYTES caps the declared size; a bad spec names its field', async () => {
    const big = await t.api('POST', '/v1/uploads', {
      spec: { contentType: 'text/plain', filename: 'big.txt', sizeBytes: '4097' },
    })
    assert.equal(big.status, 400)
    assert.deepEqual(violations(big), ['spec.sizeBytes'])
    for (const [spec, field] of [
      [{ contentType: 'nope', filename: 'a', sizeBytes: '1' }, 'spec.contentType'],
      [{ contentType: 'text/plain', filename: 'a/b', sizeBytes: '1' }, 'spec.filename'],
      [{ contentType: 'text/plain', filename: 'a', sizeBytes: '-1' }, 'spec.sizeBytes'],
      [{ contentType: 'text/plain', filename: 'a', sizeBytes: 'ten' }, 'spec.sizeBytes'],
    ] as const) {
      const res = await t.api('POST', '/v1/uploads', { spec })
      assert.equal(res.status, 400, JSON.stringify(spec))
      assert.deepEqual(violations(res), [field])
    }
    const ok = await t.api('POST', '/v1/uploads', {
      spec: { contentType: 'text/plain', filename: 'edge.txt', sizeBytes: '4096' },
    })
    assert.equal(ok.status, 200)
    const url = new URL(ok.body.info.uploadUrl)
    const over = await t.api('PUT', url.pathname + url.search, undefined, {
      token: null,
      rawBody: 'x'.repeat(4097),
    })
    assert.equal(over.status, 413)
  })

  it('only text, markdown and JSON uploads become entries', async () => {
    const layer = await skillsLayer()
    const png = await upload('not really a png', 'image/png')
    const res = await entry(layer, { key: 'img', uploadId: png.metadata.id })
    assert.equal(res.status, 400)
    assert.deepEqual(violations(res), ['spec.uploadId'])
    assert.match(res.body.message, /image\/png/)
    const list = await t.api('GET', `/v1/memory_layers/${layer}/entries`)
    assert.equal(list.body.pagination.total, 0)
    // The refusal rolled back: the upload is still COMPLETE, not consumed.
    const got = await t.api('GET', `/v1/uploads/${png.metadata.id}`)
    assert.equal(got.body.info.status, 'UPLOAD_STATUS_COMPLETE')
    const json = await upload('{"a":1}', 'application/json; charset=utf-8')
    assert.equal((await entry(layer, { key: 'json', uploadId: json.metadata.id })).status, 200)
  })
})
