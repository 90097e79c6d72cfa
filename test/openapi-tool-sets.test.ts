import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startOpenApiServer, type OpenApiServer } from './support/openapi-server.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
let pets: OpenApiServer
before(async () => {
  pets = await startOpenApiServer()
  t = await startTestSortie()
})
after(async () => {
  await t?.sortie.stop()
  await pets?.close()
})

async function toolsOf(setId: string): Promise<Map<string, any>> {
  const res = await t.api('GET', `/v1/tool_sets/${setId}/tools?limit=100`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return new Map(res.body.items.map((tool: any) => [tool.metadata.name, tool]))
}

describe('OpenAPI tool sets sync from a real document', () => {
  it('each operation becomes a tool named by operationId (or method and path) with merged parameters', async () => {
    const res = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'pets' },
      spec: {
        adapter: {
          openapi: {
            url: pets.documentUrl,
            excludeTools: { filters: [{ matcher: { exact: 'createPet' } }] },
            toolApprovals: { only: { filters: [{ matcher: { startsWith: 'delete' } }] } },
          },
        },
      },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.info.toolCount, 4)
    assert.ok(res.body.info.lastSync)
    const tools = await toolsOf(res.body.metadata.id)
    assert.deepEqual([...tools.keys()].sort(), [
      'createPet',
      'delete_pets_petId',
      'getPet',
      'listPets',
    ])
    const get = tools.get('getPet')
    assert.deepEqual(get.spec.config.openapi, {
      method: 'GET',
      path: '/pets/{petId}',
      operationId: 'getPet',
    })
    assert.equal(get.spec.description, 'Gets one pet\n\nBy its id.')
    assert.deepEqual(get.spec.parameters, {
      type: 'object',
      properties: { petId: { type: 'string' } },
      required: ['petId'],
    })
    // The body's $ref is resolved and its properties sit beside the parameters.
    const create = tools.get('createPet')
    assert.deepEqual(create.spec.parameters.properties, {
      name: { type: 'string' },
      tag: { type: 'string' },
    })
    assert.deepEqual(create.spec.parameters.required, ['name'])
    assert.equal(create.spec.status, 'TOOL_STATUS_OMITTED')
    assert.deepEqual(Object.keys(tools.get('listPets').spec.parameters.properties), [
      'limit',
      'X-Request-Tag',
    ])
    assert.equal(tools.get('delete_pets_petId').spec.requiresApproval, true)
    assert.equal(get.spec.requiresApproval, false)

    const doc = await t.api('GET', `/v1/tool_sets/${res.body.metadata.id}/openapi_spec`)
    assert.equal(doc.status, 200, JSON.stringify(doc.body))
    assert.deepEqual(doc.body, pets.document)
  })

  it('a broken document is a 400 with the parser message on create, and a sync_failed event on re-sync', async () => {
    const broken = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'broken' },
      spec: { adapter: { openapi: { url: `${pets.baseUrl}/broken.json` } } },
    })
    assert.equal(broken.status, 400, JSON.stringify(broken.body))
    assert.equal(broken.body.details[0].fieldViolations[0].field, 'spec.adapter.openapi.url')
    assert.match(broken.body.message, /invalid OpenAPI document/)

    const ok = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'pets-resync' },
      spec: { adapter: { openapi: { url: pets.documentUrl } } },
    })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    const id = ok.body.metadata.id
    const good = pets.document
    try {
      pets.document = { openapi: '3.1.0', paths: { '/x': { get: 42 } } }
      const res = await t.api('POST', `/v1/tool_sets/${id}:sync`)
      assert.equal(res.status, 400, JSON.stringify(res.body))
      const events = await t.api('GET', `/v1/tool_sets/${id}/events`)
      const last = events.body.items.at(-1).event
      assert.equal(last.type, 'sync_failed')
      assert.match(last.syncFailed.message, /invalid OpenAPI document/)
      const tools = await toolsOf(id)
      assert.equal(tools.size, 4)
      assert.ok([...tools.values()].every((tool) => tool.spec.status === 'TOOL_STATUS_AVAILABLE'))
      // The document of the last good sync is still served.
      const doc = await t.api('GET', `/v1/tool_sets/${id}/openapi_spec`)
      assert.deepEqual(doc.body, good)
    } finally {
      pets.document = good
    }
  })

  it('a YAML document parses like JSON; serverName picks a server and baseUrl overrides it', async () => {
    const res = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'pets-yaml' },
      spec: { adapter: { openapi: { url: `${pets.baseUrl}/openapi.yaml`, serverName: 'prod' } } },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.info.toolCount, 4)
    const doc = await t.api('GET', `/v1/tool_sets/${res.body.metadata.id}/openapi_spec`)
    assert.deepEqual(doc.body, pets.document)
    const missing = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'pets-nosuch' },
      spec: { adapter: { openapi: { url: pets.documentUrl, serverName: 'staging' } } },
    })
    assert.equal(missing.status, 400)
    assert.match(missing.body.message, /no server named "staging"/)
  })

  it('a recursive schema is spelled out two levels deep, then becomes any value', async () => {
    const good = pets.document
    try {
      pets.document = {
        ...good,
        paths: {
          '/trees': {
            post: {
              operationId: 'plantTree',
              requestBody: {
                content: {
                  'application/json': { schema: { $ref: '#/components/schemas/Tree' } },
                },
              },
              responses: { '200': { description: 'ok' } },
            },
          },
        },
        components: {
          schemas: {
            Tree: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                children: { type: 'array', items: { $ref: '#/components/schemas/Tree' } },
              },
            },
          },
        },
      }
      const res = await t.api('POST', '/v1/tool_sets', {
        metadata: { name: 'trees' },
        spec: { adapter: { openapi: { url: pets.documentUrl } } },
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      const tool = (await toolsOf(res.body.metadata.id)).get('plantTree')
      const leaf = { description: '(recursive: #/components/schemas/Tree)' }
      const level = (items: unknown) => ({
        type: 'object',
        properties: { name: { type: 'string' }, children: { type: 'array', items } },
      })
      // The body ($ref to Tree) is level one, its children level two, theirs any value.
      assert.deepEqual(tool.spec.parameters.properties, level(level(leaf)).properties)
    } finally {
      pets.document = good
    }
  })

  it('uploadId is a clear 400 while uploads are not available, and openapi_spec of other sets is refused', async () => {
    const res = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'uploaded' },
      spec: { adapter: { openapi: { uploadId: 'upl_123' } } },
    })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.details[0].fieldViolations[0].field, 'spec.adapter.openapi.uploadId')
    assert.match(res.body.message, /uploads are not available/)
    const http = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'plain-http' },
      spec: { adapter: { http: { baseUrl: 'https://api.example.test' } } },
    })
    const spec = await t.api('GET', `/v1/tool_sets/${http.body.metadata.id}/openapi_spec`)
    assert.equal(spec.status, 400)
    assert.match(spec.body.message, /not an OpenAPI tool set/)
  })
})
