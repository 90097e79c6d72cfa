import { setMaxListeners } from 'node:events'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js'
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js'

/** Where an MCP server is and the headers every request to it carries (secrets resolved). */
export interface McpEndpoint {
  url: string
  headers: Record<string, string>
}

export interface McpConnectOptions {
  /** Bounds the initialize handshake. */
  timeoutMs: number
  signal?: AbortSignal
  fetch?: typeof fetch
}

const CLIENT_INFO = { name: 'sortie', version: '0.1.0' }

/** Status codes an old HTTP+SSE server answers a Streamable HTTP POST with (MCP spec, back-compat). */
const LEGACY_STATUS = new Set([400, 404, 405])

/**
 * A fetch that adds the endpoint's headers to every request of a transport. Every request of a
 * session passes the session's one AbortSignal, and fetch releases its listener on it only when
 * the request is garbage-collected: a busy session goes past Node's 1500-listener warning without
 * leaking, so the warning is turned off for that signal.
 */
function fetchWithHeaders(endpoint: McpEndpoint, base: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    if (init?.signal) setMaxListeners(0, init.signal)
    const headers = new Headers(init?.headers)
    for (const [name, value] of Object.entries(endpoint.headers)) headers.set(name, value)
    return base(input, { ...init, headers })
  }
}

/**
 * Opens an MCP client session with the official SDK: Streamable HTTP first, and the older
 * HTTP+SSE transport when the server answers like a server that predates it. Redirects leave
 * the origin never (the SDK's same-origin policy), so the headers' secrets stay with the server.
 */
export async function connectMcp(endpoint: McpEndpoint, opts: McpConnectOptions): Promise<Client> {
  const url = new URL(endpoint.url)
  const doFetch = fetchWithHeaders(endpoint, opts.fetch)
  const request = { timeout: opts.timeoutMs, signal: opts.signal }
  const client = new Client(CLIENT_INFO, { capabilities: {} })
  try {
    await client.connect(new StreamableHTTPClientTransport(url, { fetch: doFetch }), request)
    return client
  } catch (err) {
    await client.close().catch(() => {})
    if (!(err instanceof StreamableHTTPError) || !LEGACY_STATUS.has(err.code ?? 0)) throw err
  }
  const legacy = new Client(CLIENT_INFO, { capabilities: {} })
  try {
    await legacy.connect(
      new SSEClientTransport(url, { fetch: doFetch, eventSourceInit: { fetch: doFetch } }),
      request,
    )
    return legacy
  } catch (err) {
    await legacy.close().catch(() => {})
    throw err
  }
}

/** An MCP tool as `tools/list` describes it. */
export interface McpToolInfo {
  name: string
  title?: string
  description?: string
  inputSchema: Record<string, unknown>
}

/** Every tool of the server, following `nextCursor` (bounded, against a server that loops). */
export async function listMcpTools(
  client: Client,
  opts: { timeoutMs: number; signal?: AbortSignal },
): Promise<McpToolInfo[]> {
  const tools: McpToolInfo[] = []
  let cursor: string | undefined
  for (let page = 0; page < 100; page++) {
    const res = await client.listTools(cursor ? { cursor } : {}, {
      timeout: opts.timeoutMs,
      signal: opts.signal,
    })
    for (const t of res.tools) {
      tools.push({
        name: t.name,
        title: t.title ?? t.annotations?.title,
        description: t.description,
        inputSchema: t.inputSchema as Record<string, unknown>,
      })
    }
    cursor = res.nextCursor
    if (!cursor) break
  }
  return tools
}
