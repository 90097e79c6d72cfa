import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  OpenApiDocumentError,
  operationTools,
  parseOpenApiDocument,
  serverUrl,
} from './openapi-document.ts'

const doc = (paths: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  openapi: '3.0.3',
  info: { title: 't', version: '1' },
  paths,
  ...extra,
})

describe('OpenAPI operations as tools', () => {
  it('a parameter named like another in a different place gets a prefixed argument', async () => {
    const parsed = await parseOpenApiDocument(
      JSON.stringify(
        doc({
          '/items/{id}': {
            put: {
              operationId: 'putItem',
              parameters: [
                { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
                { name: 'id', in: 'query', schema: { type: 'integer' } },
                { name: 'session', in: 'cookie', schema: { type: 'string' } },
              ],
              requestBody: {
                content: { 'application/json': { schema: { type: 'array', items: {} } } },
              },
              responses: { '200': { description: 'ok' } },
            },
          },
        }),
      ),
    )
    const [tool] = operationTools(parsed, 'https://api.test')
    assert.deepEqual(Object.keys(tool!.parameters.properties as object), ['id', 'query_id', 'body'])
    assert.deepEqual(tool!.call.parameters, [
      { name: 'id', in: 'path', property: 'id' },
      { name: 'id', in: 'query', property: 'query_id' },
    ])
    // An array body cannot sit beside the parameters: it is one `body` argument.
    assert.deepEqual(tool!.call.body, {
      mode: 'wrapped',
      contentType: 'application/json',
      property: 'body',
    })
  })

  it('a body property that clashes with a parameter keeps the body wrapped', async () => {
    const parsed = await parseOpenApiDocument(
      JSON.stringify(
        doc({
          '/a/{name}': {
            post: {
              parameters: [
                { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
              ],
              requestBody: {
                required: true,
                content: {
                  'application/json': {
                    schema: { type: 'object', properties: { name: { type: 'string' } } },
                  },
                },
              },
              responses: { '200': { description: 'ok' } },
            },
          },
        }),
      ),
    )
    const [tool] = operationTools(parsed, 'https://api.test')
    assert.equal(tool!.name, 'post_a_name')
    assert.equal(tool!.call.body?.mode, 'wrapped')
    assert.deepEqual(tool!.parameters.required, ['name', 'body'])
  })

  it('external $refs are refused and Swagger 2.0 is not read', async () => {
    await assert.rejects(
      parseOpenApiDocument(
        JSON.stringify(
          doc({
            '/x': {
              get: {
                parameters: [{ $ref: 'file:///etc/passwd' }],
                responses: { '200': { description: 'ok' } },
              },
            },
          }),
        ),
      ),
      (err: Error) =>
        err instanceof OpenApiDocumentError &&
        /references "file:\/\/\/etc\/passwd": only references within the document/.test(
          err.message,
        ),
    )
    await assert.rejects(
      parseOpenApiDocument(JSON.stringify({ swagger: '2.0', info: {}, paths: {} })),
      /only OpenAPI 3\.0 and 3\.1/,
    )
    await assert.rejects(parseOpenApiDocument('{ not json'), /neither JSON nor YAML/)
  })

  it('server URLs: baseUrl wins, variables take their defaults, relative ones resolve against the document', () => {
    const d = {
      servers: [
        { url: '/v1', description: 'relative' },
        {
          url: 'https://{region}.api.test/v2/',
          variables: { region: { default: 'eu' } },
          description: 'prod',
        },
      ],
    }
    assert.equal(serverUrl(d, 'https://docs.test/spec.json', {}), 'https://docs.test/v1')
    assert.equal(serverUrl(d, undefined, { serverName: 'prod' }), 'https://eu.api.test/v2')
    assert.equal(
      serverUrl(d, undefined, { baseUrl: 'https://x.test', serverName: 'nope' }),
      'https://x.test',
    )
    assert.throws(() => serverUrl(d, undefined, { serverName: 'nope' }), /no server named "nope"/)
  })
})
