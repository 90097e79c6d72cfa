import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { ConfigHTTP, Tool, ToolSet } from '../../modules/tools/index.ts'
import { executeHttpTool, type HttpToolCall } from './http-tool.ts'

interface Seen {
  method: string
  url: URL
  headers: IncomingMessage['headers']
  body: string
}

let server: Server
let baseUrl: string
let seen: Seen[] = []
const routes = new Map<string, (req: IncomingMessage, res: ServerResponse, body: string) => void>()

before(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const url = new URL(req.url!, 'http://127.0.0.1')
      seen.push({ method: req.method!, url, headers: req.headers, body })
      const handler = routes.get(url.pathname)
      if (handler) return handler(req, res, body)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: true }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`
})
after(() => {
  server.closeAllConnections()
  server.close()
})

const meta = (name: string) => ({
  id: `id_${name}`,
  accountId: 'acct',
  workspaceId: 'ws',
  profileId: 'prof',
  name,
  externalId: '',
  labels: {},
  createdAt: new Date(0).toISOString(),
})

function toolSet(headers: Record<string, string> = {}): ToolSet {
  return {
    metadata: meta('set'),
    spec: { description: '', adapter: { http: { baseUrl, headers } } },
  }
}

function tool(http: ConfigHTTP): Tool {
  return {
    metadata: meta('tool'),
    spec: { config: { http }, description: '', parameters: { type: 'object' } },
  }
}

const SECRETS: Record<string, string> = { API_KEY: 's3cr3t-value', TENANT: 'acme corp' }

function call(
  http: ConfigHTTP,
  args: Record<string, unknown> = {},
  extra: Partial<HttpToolCall> = {},
): HttpToolCall {
  return {
    tool: tool(http),
    toolSet: toolSet(extra.toolSet?.spec.adapter.http?.headers),
    arguments: args,
    toolCallId: 'otc_1',
    resolveSecret: async (name) => SECRETS[name],
    signal: new AbortController().signal,
    ...extra,
  }
}

describe('executeHttpTool', () => {
  it('renders path and query templates from arguments and sends unread arguments as query on GET', async () => {
    seen = []
    const out = await executeHttpTool(
      call(
        { requestMethod: 'GET', path: '/orders/{{ orderId }}', query: { view: '{{ view }}' } },
        { orderId: 'a/b 1', view: 'full', page: 2, tags: ['x', 'y'] },
      ),
    )
    assert.equal(out.ok, true, JSON.stringify(out))
    const req = seen[0]!
    assert.equal(req.method, 'GET')
    assert.equal(req.url.pathname, '/api/orders/a%2Fb%201')
    assert.equal(req.url.searchParams.get('view'), 'full')
    assert.equal(req.url.searchParams.get('page'), '2')
    assert.deepEqual(req.url.searchParams.getAll('tags'), ['x', 'y'])
    assert.equal(req.url.searchParams.has('orderId'), false)
  })

  it('sends unread arguments as the JSON body of a POST without a body template', async () => {
    seen = []
    const out = await executeHttpTool(
      call({ requestMethod: 'POST', path: '/orders/{{ id }}' }, { id: '7', qty: 3, note: 'hi' }),
    )
    assert.equal(out.ok, true)
    assert.equal(seen[0]!.method, 'POST')
    assert.equal(seen[0]!.headers['content-type'], 'application/json')
    assert.deepEqual(JSON.parse(seen[0]!.body), { qty: 3, note: 'hi' })
  })

  it('renders a JSON body template with string values escaped and objects as JSON', async () => {
    seen = []
    const out = await executeHttpTool(
      call(
        {
          requestMethod: 'PUT',
          path: '/x',
          requestBodyTemplate: '{"name": "{{ name }}", "meta": {{ meta }}, "tenant": "${TENANT}"}',
        },
        { name: 'say "hi"', meta: { a: [1, 2] } },
      ),
    )
    assert.equal(out.ok, true, JSON.stringify(out))
    assert.deepEqual(JSON.parse(seen[0]!.body), {
      name: 'say "hi"',
      meta: { a: [1, 2] },
      tenant: 'acme corp',
    })
  })

  it('overlays tool headers on tool-set headers and resolves secrets in them', async () => {
    seen = []
    const out = await executeHttpTool(
      call(
        {
          requestMethod: 'GET',
          path: '/h',
          headers: { 'X-Mode': 'tool', 'X-Trace': '{{ trace }}' },
        },
        { trace: 't-1' },
        {
          toolSet: toolSet({ Authorization: 'Bearer ${API_KEY}', 'x-mode': 'set', 'X-Set': 'yes' }),
        },
      ),
    )
    assert.equal(out.ok, true)
    const h = seen[0]!.headers
    assert.equal(h.authorization, 'Bearer s3cr3t-value')
    assert.equal(h['x-mode'], 'tool')
    assert.equal(h['x-set'], 'yes')
    assert.equal(h['x-trace'], 't-1')
  })

  it('a header whose template reads an absent argument is left out', async () => {
    seen = []
    await executeHttpTool(
      call({ requestMethod: 'GET', path: '/h', headers: { 'X-Opt': '{{ o }}' } }),
    )
    assert.equal(seen[0]!.headers['x-opt'], undefined)
  })

  it('every request carries the tool call id as Idempotency-Key', async () => {
    seen = []
    await executeHttpTool(
      call({ requestMethod: 'DELETE', path: '/d' }, {}, { toolCallId: 'otc_42' }),
    )
    assert.equal(seen[0]!.headers['idempotency-key'], 'otc_42')
  })

  it('a missing secret fails naming the secret, without sending anything', async () => {
    seen = []
    const out = await executeHttpTool(
      call({ requestMethod: 'GET', path: '/s', headers: { 'X-Key': '${NOPE}' } }),
    )
    assert.equal(out.ok, false)
    assert.match(!out.ok ? out.message : '', /secret "NOPE" is not defined/)
    assert.equal(seen.length, 0)
  })

  it('a missing path argument fails naming the argument', async () => {
    const out = await executeHttpTool(call({ requestMethod: 'GET', path: '/o/{{ id }}' }))
    assert.deepEqual(out, {
      ok: false,
      message: 'missing argument "id" (used in the request path)',
    })
  })

  it('a non-2xx answer fails with the status and the first 500 characters of the body', async () => {
    routes.set('/api/fail', (_req, res) => {
      res.writeHead(422)
      res.end('E'.repeat(800))
    })
    const out = await executeHttpTool(call({ requestMethod: 'GET', path: '/fail' }))
    assert.equal(out.ok, false)
    assert.equal(!out.ok && out.status, 422)
    assert.equal(!out.ok && out.message, `HTTP 422: ${'E'.repeat(500)}`)
  })

  it('secret values echoed by the server are redacted as ***', async () => {
    routes.set('/api/echo', (req, res, body) => {
      res.writeHead(200)
      res.end(`auth=${req.headers.authorization} url=${req.url} body=${body}`)
    })
    routes.set('/api/echo-fail', (req, res) => {
      res.writeHead(401)
      res.end(`bad key ${req.headers['x-key']}`)
    })
    const ok = await executeHttpTool(
      call({
        requestMethod: 'POST',
        path: '/echo',
        query: { t: '${TENANT}' },
        headers: { Authorization: 'Bearer ${API_KEY}' },
        requestBodyTemplate: '{"k":"${API_KEY}"}',
      }),
    )
    assert.equal(ok.ok, true)
    const content = ok.ok ? ok.content : ''
    assert.ok(!content.includes('s3cr3t') && !content.includes('acme'), content)
    assert.match(content, /auth=Bearer \*\*\*/)
    const bad = await executeHttpTool(
      call({ requestMethod: 'GET', path: '/echo-fail', headers: { 'X-Key': '${API_KEY}' } }),
    )
    assert.deepEqual(bad, { ok: false, status: 401, message: 'HTTP 401: bad key ***' })
  })

  it('a response longer than maxResponseBytes is cut with a notice', async () => {
    routes.set('/api/big', (_req, res) => {
      res.writeHead(200)
      res.end('x'.repeat(10_000))
    })
    const out = await executeHttpTool(
      call({ requestMethod: 'GET', path: '/big' }, {}, { maxResponseBytes: 100 }),
    )
    assert.equal(out.ok, true)
    assert.equal(out.ok && out.truncated, true)
    assert.equal(
      out.ok && out.content,
      `${'x'.repeat(100)}\n[truncated: response exceeded 100 bytes]`,
    )
  })

  it('a secret cut in two by truncation is still hidden', async () => {
    routes.set('/api/cut', (_req, res) => {
      res.writeHead(200)
      res.end(`${'x'.repeat(95)}s3cr3t-value and more`)
    })
    const out = await executeHttpTool(
      call(
        { requestMethod: 'GET', path: '/cut', headers: { 'X-Key': '${API_KEY}' } },
        {},
        { maxResponseBytes: 100 },
      ),
    )
    assert.equal(
      out.ok && out.content,
      `${'x'.repeat(95)}***\n[truncated: response exceeded 100 bytes]`,
    )
  })

  it('a server slower than the timeout fails with "timed out after Ns"', async () => {
    routes.set('/api/slow', (_req, res) => {
      setTimeout(() => res.end('late'), 2_000).unref()
    })
    const out = await executeHttpTool(
      call({ requestMethod: 'GET', path: '/slow' }, {}, { timeoutMs: 200 }),
    )
    assert.deepEqual(out, { ok: false, message: 'timed out after 0.2s' })
  })

  it('aborting the signal stops the call', async () => {
    routes.set('/api/hang', () => {})
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const out = await executeHttpTool(
      call({ requestMethod: 'GET', path: '/hang' }, {}, { signal: controller.signal }),
    )
    assert.deepEqual(out, { ok: false, message: 'aborted' })
  })

  it('a connection error fails with its message', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    const set: ToolSet = {
      metadata: meta('set'),
      spec: { adapter: { http: { baseUrl: `http://127.0.0.1:${port}`, headers: {} } } },
    }
    const out = await executeHttpTool({
      ...call({ requestMethod: 'GET', path: '/' }),
      toolSet: set,
    })
    assert.equal(out.ok, false)
    assert.match(!out.ok ? out.message : '', /ECONNREFUSED/)
  })
})
