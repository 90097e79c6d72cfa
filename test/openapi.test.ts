import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import { familyPaths } from '../src/http/router.ts'
import { allRoutes } from '../src/routes.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

it('GET /openapi.json is an OpenAPI 3.1 document served without a token', async () => {
  const res = await t.api('GET', '/openapi.json', undefined, { token: null })
  assert.equal(res.status, 200)
  assert.equal(res.body.openapi, '3.1.0')
  assert.ok(res.body.components.schemas.Status)
})

it('the OpenAPI document covers every route of both route families', async () => {
  const doc = (await t.api('GET', '/openapi.json')).body
  for (const def of allRoutes) {
    for (const { path } of familyPaths(def)) {
      for (const method of [def.method, ...(def.alsoMethods ?? [])]) {
        assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`)
      }
    }
  }
})

it('workspace-family paths declare the workspaceId path parameter', async () => {
  const doc = (await t.api('GET', '/openapi.json')).body
  const op = doc.paths['/v1/workspaces/{workspaceId}/agents/{id}'].get
  const names = op.parameters.map((p: { name: string }) => p.name)
  assert.deepEqual(names.sort(), ['id', 'workspaceId'])
})

it('GET /healthz answers ok without a token', async () => {
  const res = await t.api('GET', '/healthz', undefined, { token: null })
  assert.equal(res.status, 200)
  assert.deepEqual(res.body, { status: 'ok' })
})
