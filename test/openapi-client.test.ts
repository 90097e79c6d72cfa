/**
 * The OpenAPI document is usable: it passes an OpenAPI 3.1 validator, documents every route Sortie
 * serves (colon-verb aliases, events:stream, /healthz, the compat surfaces), and a typed client
 * generated from it (openapi-typescript + openapi-fetch) type-checks and runs a short scenario.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import SwaggerParser from '@apidevtools/swagger-parser'
import openapiTS, { astToString } from 'openapi-typescript'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

const GENERATED = join(import.meta.dirname, '.generated')

let t: TestSortie
let base: string
let doc: any
before(async () => {
  // Credentials for the model; no worker runs, so the objective stays PENDING until cancelled.
  t = await startTestSortie({ OPENAI_API_KEY: 'unused', OPENAI_BASE_URL: 'http://127.0.0.1:9' })
  const address = await t.sortie.listen('127.0.0.1', 0)
  base = `http://127.0.0.1:${address.port}`
  doc = (await t.api('GET', '/openapi.json', undefined, { token: null })).body
})
after(() => t?.sortie.stop())

describe('the OpenAPI document', () => {
  it('passes an OpenAPI 3.1 validator', async () => {
    await SwaggerParser.validate(structuredClone(doc))
  })

  it('documents the colon verbs, events:stream, /healthz and both compat surfaces', () => {
    const expected: [string, string][] = [
      ['post', '/v1/objectives/{objectiveId}:cancel'],
      ['post', '/v1/workspaces/{workspaceId}/objectives/{objectiveId}:continue'],
      ['post', '/v1/objectives/{objectiveId}/tool_calls/{toolCallId}:approve'],
      ['get', '/v1/objectives/{objectiveId}/events:stream'],
      ['get', '/healthz'],
      ['post', '/tokensource/v1/objectives'],
      ['patch', '/tokensource/v1/objectives/{id}'],
      ['post', '/helpgenie/v1/'],
      ['get', '/helpgenie/v1/goals'],
    ]
    for (const [method, path] of expected) {
      assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`)
    }
    assert.ok(doc.components.schemas.TokenSourceError, 'TokenSource has its own error envelope')
    assert.ok(doc.components.schemas.HelpGenieError, 'HelpGenie has its own error envelope')
  })

  it('a typed client generated from it type-checks and runs a scenario against the server', async () => {
    await mkdir(GENERATED, { recursive: true })
    await writeFile(join(GENERATED, 'sortie-api.ts'), astToString(await openapiTS(doc)))
    await writeFile(join(GENERATED, 'scenario.ts'), SCENARIO)
    await writeFile(
      join(GENERATED, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../tsconfig.json',
        include: ['*.ts'],
        exclude: [],
      }),
    )
    const tsc = join(import.meta.dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc')
    await promisify(execFile)(process.execPath, [
      tsc,
      '-p',
      join(GENERATED, 'tsconfig.json'),
    ]).catch((err: { stdout?: string }) =>
      assert.fail(`the generated client does not type-check:\n${err.stdout}`),
    )
    const scenario = (await import(join(GENERATED, 'scenario.ts'))) as {
      run(baseUrl: string, token: string): Promise<string[]>
    }
    const steps = await scenario.run(base, t.token)
    assert.deepEqual(steps, [
      'tool set created',
      'tool created',
      'agent created',
      'objective created',
      'objective listed',
      'objective cancelled with :cancel',
      'events: userMessage, cancelled',
      'unknown objective is a Status 404',
    ])
  })
})

/** Written against the generated `paths` only: a typo in a path or field fails tsc. */
const SCENARIO = `import createClient from 'openapi-fetch'
import type { paths } from './sortie-api.ts'

export async function run(baseUrl: string, token: string): Promise<string[]> {
  const client = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${token}\` } })
  const steps: string[] = []
  const set = await client.POST('/v1/tool_sets', {
    body: {
      metadata: { name: 'weather' },
      spec: { adapter: { http: { baseUrl: 'http://127.0.0.1:9' } } },
    },
  })
  if (!set.data) throw new Error(JSON.stringify(set.error))
  steps.push('tool set created')
  const tool = await client.POST('/v1/tool_sets/{toolSetId}/tools', {
    params: { path: { toolSetId: set.data.metadata.id } },
    body: {
      metadata: { name: 'forecast' },
      spec: {
        description: 'Forecast for a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } } },
        config: { http: { requestMethod: 'GET', path: '/forecast' } },
      },
    },
  })
  if (!tool.data) throw new Error(JSON.stringify(tool.error))
  steps.push('tool created')
  const agent = await client.POST('/v1/agents', {
    body: {
      metadata: { name: 'forecaster' },
      spec: { status: 'AGENT_STATUS_PUBLISHED' },
      defaultVariation: {
        metadata: { name: 'v1' },
        spec: { prompt: 'You forecast.', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
      },
    },
  })
  if (!agent.data) throw new Error(JSON.stringify(agent.error))
  steps.push('agent created')
  const objective = await client.POST('/v1/objectives', {
    body: { agentId: agent.data.metadata.id, data: { initialMessage: 'Rain in Paris?' } },
  })
  if (!objective.data) throw new Error(JSON.stringify(objective.error))
  steps.push('objective created')
  const id = objective.data.metadata.id
  const list = await client.GET('/v1/objectives', { params: { query: { limit: 10 } } })
  if (!list.data?.items.some((o) => o.metadata.id === id)) throw new Error('not listed')
  steps.push('objective listed')
  const cancelled = await client.POST('/v1/objectives/{objectiveId}:cancel', {
    params: { path: { objectiveId: id } },
    body: { reason: 'scenario over' },
  })
  if (cancelled.error) throw new Error(JSON.stringify(cancelled.error))
  steps.push('objective cancelled with :cancel')
  const events = await client.GET('/v1/objectives/{objectiveId}/events', {
    params: { path: { objectiveId: id } },
  })
  steps.push(\`events: \${events.data?.items.map((e) => e.data.type).join(', ')}\`)
  const missing = await client.GET('/v1/objectives/{id}', { params: { path: { id: 'obj_none' } } })
  if (missing.response.status === 404 && missing.error?.code === 5) {
    steps.push('unknown objective is a Status 404')
  }
  return steps
}
`
