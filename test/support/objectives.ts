import assert from 'node:assert/strict'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startFakeProvider, type FakeProvider, type FakeWire } from './fake-provider.ts'
import { startTestSortie, type TestSortie } from './sortie.ts'

/** The env that points Sortie's providers at fakes. */
export function providerEnv(fakes: FakeProvider[]): Record<string, string> {
  const env: Record<string, string> = {}
  const prefixes = { openai: 'OPENAI', anthropic: 'ANTHROPIC', google: 'GOOGLE_GENERATIVE_AI' }
  for (const f of fakes) {
    env[`${prefixes[f.kind]}_BASE_URL`] = f.baseUrl
    env[`${prefixes[f.kind]}_API_KEY`] = 'fake-key'
  }
  return env
}

export const MODEL_OF = {
  openai: 'openai/gpt-4.1-mini',
  anthropic: 'claude/sonnet-4.5',
  google: 'google/gemini-2.5-flash',
} as const

export interface ToolServer {
  baseUrl: string
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[]
  close(): Promise<void>
}

/**
 * An HTTP tool backend on 127.0.0.1: `GET /lookup/<id>` answers `{"id": ..., "found": true}`,
 * after `delayMs`.
 */
export async function startToolServer(delayMs = 0): Promise<ToolServer> {
  const requests: ToolServer['requests'] = []
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    const id = decodeURIComponent((req.url ?? '').split('/').pop()?.split('?')[0] ?? '')
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id, found: true }))
    }, delayMs)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

let counter = 0

/** An agent whose one variation uses `modelId` and may call the HTTP tool `lookup`. */
export async function createAgent(
  t: TestSortie,
  opts: {
    modelId: string
    toolBaseUrl: string
    prompt?: string
    constraints?: Record<string, number | string>
    headers?: Record<string, string>
    compactionConfig?: Record<string, unknown>
  },
): Promise<{ agentId: string; variationId: string; toolId: string; toolSetId: string }> {
  const n = ++counter
  const set = await t.api('POST', '/v1/tool_sets', {
    metadata: { name: `backend-${n}` },
    spec: { adapter: { http: { baseUrl: opts.toolBaseUrl, headers: opts.headers ?? {} } } },
  })
  assert.equal(set.status, 200, JSON.stringify(set.body))
  const tool = await t.api('POST', `/v1/tool_sets/${set.body.metadata.id}/tools`, {
    metadata: { name: 'lookup' },
    spec: {
      description: 'Looks a record up by id',
      parameters: {
        type: 'object',
        properties: { id: { type: 'string' } },
        required: ['id'],
      },
      config: { http: { requestMethod: 'GET', path: '/lookup/{{ id }}' } },
    },
  })
  assert.equal(tool.status, 200, JSON.stringify(tool.body))
  const agent = await t.api('POST', '/v1/agents', {
    metadata: { name: `agent-${n}` },
    spec: { status: 'AGENT_STATUS_PUBLISHED' },
    defaultVariation: {
      metadata: { name: 'v1' },
      spec: {
        prompt: opts.prompt ?? 'You look records up.',
        modelConfig: { modelId: opts.modelId },
        ...(opts.constraints ? { constraints: opts.constraints } : {}),
        ...(opts.compactionConfig ? { compactionConfig: opts.compactionConfig } : {}),
      },
    },
  })
  assert.equal(agent.status, 200, JSON.stringify(agent.body))
  const vars = await t.api('GET', `/v1/agents/${agent.body.metadata.id}/variations`)
  const variationId = vars.body.items[0].metadata.id
  const assigned = await t.api('POST', `/v1/agent_variations/${variationId}/assignments`, {
    toolId: tool.body.metadata.id,
  })
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body))
  return {
    agentId: agent.body.metadata.id,
    variationId,
    toolId: tool.body.metadata.id,
    toolSetId: set.body.metadata.id,
  }
}

/** Polls `cond` until it holds; fails naming `what` after `timeoutMs` instead of hanging. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Polls the workspace family until the objective's state is one of `states`. */
export async function waitForState(
  t: TestSortie,
  objectiveId: string,
  states: string[],
  timeoutMs = 15_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs
  let last: any
  while (Date.now() < deadline) {
    last = await t.api('GET', `/v1/workspaces/${t.workspaceId}/objectives/${objectiveId}`)
    if (states.includes(last.body?.status?.state)) return last.body
    await new Promise((r) => setTimeout(r, 25))
  }
  assert.fail(`objective ${objectiveId} stayed ${last?.body?.status?.state}, wanted ${states}`)
}

export async function allEvents(t: TestSortie, objectiveId: string): Promise<any[]> {
  const res = await t.api('GET', `/v1/objectives/${objectiveId}/events?limit=500`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.items
}

export const eventTypes = (events: any[]) => events.map((e) => e.data.type)

/** What most engine test files run against: a fake provider, a tool server and a Sortie. */
export interface EngineTest {
  t: TestSortie
  fake: FakeProvider
  tools: ToolServer
  /** Stops the three, Sortie first (so nothing calls the fakes while they close). */
  close(): Promise<void>
}

/**
 * A Sortie on its own database, running its worker (unless `worker: false`) against a fake
 * provider speaking `wire` (OpenAI by default), with a local tool server.
 */
export async function startEngineTest(
  opts: { wire?: FakeWire; env?: Record<string, string>; worker?: boolean } = {},
): Promise<EngineTest> {
  const fake = await startFakeProvider(opts.wire ?? 'openai')
  const tools = await startToolServer()
  const t = await startTestSortie(
    { ...providerEnv([fake]), ...opts.env },
    { worker: opts.worker ?? true },
  )
  return {
    t,
    fake,
    tools,
    close: async () => {
      await t.sortie.stop()
      await tools.close()
      await fake.close()
    },
  }
}
