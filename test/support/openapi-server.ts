/**
 * A small pet store on 127.0.0.1 that serves its own OpenAPI 3.1 document (JSON at
 * /openapi.json, the same as YAML at /openapi.yaml, and a broken one at /broken.json) and
 * answers the operations it describes, recording every request.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { stringify } from 'yaml'

export interface OpenApiRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

export interface OpenApiServer {
  baseUrl: string
  documentUrl: string
  requests: OpenApiRequest[]
  document: Record<string, any>
  close(): Promise<void>
}

export function petStoreDocument(serverUrl: string): Record<string, any> {
  return {
    openapi: '3.1.0',
    info: { title: 'Pet store', version: '1.0.0' },
    servers: [
      { url: `${serverUrl}/api`, description: 'local' },
      { url: 'https://pets.invalid/api', description: 'prod' },
    ],
    paths: {
      '/pets': {
        get: {
          operationId: 'listPets',
          summary: 'Lists pets',
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer' } },
            { name: 'X-Request-Tag', in: 'header', schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'pets' } },
        },
        post: {
          operationId: 'createPet',
          summary: 'Adds a pet',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/NewPet' } } },
          },
          responses: { '201': { description: 'created' } },
        },
      },
      '/pets/{petId}': {
        parameters: [{ name: 'petId', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          operationId: 'getPet',
          summary: 'Gets one pet',
          description: 'By its id.',
          responses: { '200': { description: 'a pet' } },
        },
        delete: { summary: 'Removes a pet', responses: { '204': { description: 'gone' } } },
      },
    },
    components: {
      schemas: {
        NewPet: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, tag: { type: 'string' } },
        },
      },
    },
  }
}

export async function startOpenApiServer(): Promise<OpenApiServer> {
  const requests: OpenApiRequest[] = []
  const state: { document: Record<string, any> } = { document: {} }
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const url = req.url ?? '/'
    requests.push({ method: req.method ?? '', url, headers: req.headers, body })
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(value))
    }
    const path = url.split('?')[0]!
    if (path === '/openapi.json') return json(200, state.document)
    if (path === '/openapi.yaml') {
      res.writeHead(200, { 'content-type': 'application/yaml' })
      return res.end(stringify(state.document))
    }
    if (path === '/broken.json') {
      return json(200, { openapi: '3.1.0', info: { title: 'x' }, paths: { '/a': { get: 'no' } } })
    }
    const pet = /^\/api\/pets\/([^/]+)$/.exec(path)
    if (pet && req.method === 'GET')
      return json(200, { id: decodeURIComponent(pet[1]!), name: 'Rex' })
    if (pet && req.method === 'DELETE') return json(200, { deleted: decodeURIComponent(pet[1]!) })
    if (path === '/api/pets' && req.method === 'GET') {
      const limit = new URL(url, 'http://x').searchParams.get('limit')
      return json(200, { pets: ['Rex', 'Tom'].slice(0, Number(limit ?? 2)) })
    }
    if (path === '/api/pets' && req.method === 'POST')
      return json(201, { created: JSON.parse(body) })
    json(404, { error: `no route ${req.method} ${path}` })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const baseUrl = `http://127.0.0.1:${port}`
  state.document = petStoreDocument(baseUrl)
  return {
    baseUrl,
    documentUrl: `${baseUrl}/openapi.json`,
    requests,
    get document() {
      return state.document
    },
    set document(next) {
      state.document = next
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
