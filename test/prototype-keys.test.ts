/**
 * Keys named like Object.prototype members (`toString`, `constructor`, `__proto__`...) are
 * ordinary keys: at any depth of a body or query, on every route of /openapi.json and on the
 * compat surfaces, they are ignored or refused like any unknown key, never a 500, and they never
 * reach an object's prototype.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
]

/** A body whose every level (top, metadata, spec, nested maps) carries every prototype key. */
function pollutedBody(value: unknown): string {
  const level = (inner: Record<string, unknown>) =>
    Object.fromEntries([...PROTO_KEYS.map((k) => [k, value]), ...Object.entries(inner)])
  const body = level({
    metadata: level({ name: 'proto', labels: level({}) }),
    spec: level({ data: level({}), adapter: level({ http: level({}) }), config: level({}) }),
    data: level({ initialMessage: 'hi', data: level({}) }),
    agentId: 'x',
    updateMask: 'metadata.name',
  })
  return JSON.stringify(body)
}

let t: TestSortie
let paths: [string, string][] = []

before(async () => {
  t = await startTestSortie()
  const doc = (await t.api('GET', '/openapi.json')).body
  for (const [path, ops] of Object.entries(doc.paths as Record<string, object>)) {
    for (const method of Object.keys(ops)) {
      const concrete = path
        .replace('{workspaceId}', t.workspaceId)
        .replace(/\{[^}]+\}/g, 'external_id:nothing')
      paths.push([method.toUpperCase(), concrete])
    }
  }
  paths = paths.filter(([, p]) => !p.includes('stream'))
})
after(() => t?.sortie.stop())

describe('prototype-named keys are ordinary keys', () => {
  it('a prototype-named key at any depth of a body is never a 500, on every route', async () => {
    assert.ok(paths.length > 100, `only ${paths.length} routes`)
    const bad: string[] = []
    for (const [method, path] of paths.filter(([m]) => m !== 'GET')) {
      for (const value of ['x', 1, {}, null, [1]]) {
        const res = await t.api(method, path, undefined, {
          rawBody: pollutedBody(value),
          headers: { 'content-type': 'application/json' },
        })
        if (res.status >= 500) bad.push(`${method} ${path} ${JSON.stringify(value)}: ${res.status}`)
        else if (res.status >= 400 && path.startsWith('/v1/')) {
          // Native errors are a google.rpc.Status; the compat surfaces answer in their envelopes.
          assert.equal(typeof res.body?.code, 'number', `${method} ${path}`)
        }
      }
    }
    assert.deepEqual(bad, [])
  })

  it('a prototype-named query key is never a 500, on every route', async () => {
    const query = PROTO_KEYS.map((k) => `${encodeURIComponent(k)}=1`).join('&')
    const bad: string[] = []
    for (const [method, path] of paths) {
      const res = await t.api(method, `${path}?${query}`)
      if (res.status >= 500) bad.push(`${method} ${path}: ${res.status}`)
    }
    assert.deepEqual(bad, [])
  })

  it('the compat surfaces answer prototype-named keys in their envelopes, never a 500', async () => {
    const bad: string[] = []
    const routes: [string, string][] = [
      ['POST', '/tokensource/v1/objectives'],
      ['GET', '/tokensource/v1/objectives'],
      ['PUT', '/tokensource/v1/objectives/nothing'],
      ['POST', '/helpgenie/v1/'],
      ['POST', '/helpgenie/v1/goals'],
      ['GET', '/helpgenie/v1/goals'],
      ['PATCH', '/helpgenie/v1/goals/nothing'],
    ]
    for (const [method, path] of routes) {
      const query = PROTO_KEYS.map((k) => `${encodeURIComponent(k)}=1`).join('&')
      const hasBody = method !== 'GET'
      const res = await t.api(method, `${path}?${query}`, undefined, {
        rawBody: hasBody ? pollutedBody('x') : undefined,
        headers: hasBody ? { 'content-type': 'application/json' } : {},
      })
      if (!path.includes('nothing')) assert.notEqual(res.status, 404, `${method} ${path}`)
      if (res.status >= 500)
        bad.push(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`)
    }
    assert.deepEqual(bad, [])
  })

  it('a __proto__ key in a body never changes an object prototype, and other such keys are kept as data', async () => {
    const res = await t.api('POST', '/v1/agents', undefined, {
      rawBody:
        '{"metadata":{"name":"p","labels":{"constructor":"c","__proto__":{"polluted":"yes"}}},"spec":{}}',
      headers: { 'content-type': 'application/json' },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.metadata.labels.constructor, 'c')
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.equal(Object.getPrototypeOf(res.body.metadata.labels), Object.prototype)
    assert.equal(res.body.metadata.labels.polluted, undefined)
  })
})
