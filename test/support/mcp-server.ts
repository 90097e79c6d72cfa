/**
 * A real MCP server on 127.0.0.1 for tests, built with the official SDK's server classes over
 * Streamable HTTP (stateful sessions). Its tool list can change between syncs, tools can be slow,
 * fail or return images, and `dropSessions()` forgets every session as a restarted server would.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import {
  CallToolRequestSchema,
  isInitializeRequest,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js'

export interface TestMcpTool {
  name: string
  title?: string
  description?: string
  inputSchema?: Record<string, unknown>
  /** Answers a call; `signal` aborts when the client cancels the request. */
  run(
    args: Record<string, unknown>,
    signal: AbortSignal,
    headers: Record<string, unknown>,
  ): Promise<{ content: unknown[]; isError?: boolean }>
}

export interface McpCallRecord {
  name: string
  arguments: Record<string, unknown>
  meta: Record<string, unknown>
  sessionId: string
}

export interface TestMcpServer {
  url: string
  tools: TestMcpTool[]
  calls: McpCallRecord[]
  /** Names of tool calls the client cancelled while they ran. */
  cancelled: string[]
  /** Headers of every HTTP request the server received. */
  headers: IncomingMessage['headers'][]
  /** Sessions initialised so far. */
  sessionsOpened(): number
  /** `tools/list` requests answered so far, and the most answered at the same time. */
  lists(): { total: number; peakInFlight: number }
  /** Delays every `tools/list` answer (to see overlapping syncs). */
  listDelayMs: number
  /** Forgets every session: their next request is 404, as after a restart. */
  dropSessions(): void
  /** Resolves when `count` calls in total were cancelled. */
  waitForCancellations(count: number): Promise<void>
  close(): Promise<void>
}

const text = (t: string) => ({ content: [{ type: 'text', text: t }] })

/** The tools most tests use: echo, add, fail (isError), picture (image + resource). */
export function standardTools(): TestMcpTool[] {
  return [
    {
      name: 'echo',
      title: 'Echo',
      description: 'Repeats the text',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      run: async (args) => text(`echo: ${String(args.text)}`),
    },
    {
      name: 'add',
      description: 'Adds two numbers',
      inputSchema: {
        type: 'object',
        properties: { a: { type: 'number' }, b: { type: 'number' } },
        required: ['a', 'b'],
      },
      run: async (args) => text(String(Number(args.a) + Number(args.b))),
    },
    {
      name: 'whoami',
      description: 'Tells which credentials it was called with',
      run: async (_args, _signal, headers) => text(`you are ${String(headers.authorization)}`),
    },
    {
      name: 'fail',
      description: 'Always fails',
      run: async () => ({ ...text('the widget is broken'), isError: true }),
    },
    {
      name: 'picture',
      description: 'Returns an image and a resource',
      run: async () => ({
        content: [
          { type: 'text', text: 'here it is' },
          {
            type: 'image',
            data: Buffer.from('not really a png').toString('base64'),
            mimeType: 'image/png',
          },
          {
            type: 'resource',
            resource: { uri: 'file:///notes.txt', mimeType: 'text/plain', text: 'the notes' },
          },
        ],
      }),
    },
  ]
}

/** A tool that waits `ms` (or until cancelled) before answering. */
export function slowTool(name = 'slow', ms = 60_000): TestMcpTool {
  return {
    name,
    description: 'Takes its time',
    run: (_args, signal) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve(text('finally')), ms)
        signal.addEventListener('abort', () => {
          clearTimeout(timer)
          resolve(text('cancelled'))
        })
      }),
  }
}

/**
 * `transport: 'sse'` serves the older HTTP+SSE transport instead (GET /mcp opens the stream,
 * POST /messages carries requests; a Streamable HTTP POST to /mcp is 405), as servers that
 * predate Streamable HTTP do.
 */
export async function startMcpServer(
  tools: TestMcpTool[] = standardTools(),
  opts: { transport?: 'streamable' | 'sse' } = {},
): Promise<TestMcpServer> {
  const legacy = new Map<string, SSEServerTransport>()
  const transports = new Map<string, StreamableHTTPServerTransport>()
  const calls: McpCallRecord[] = []
  const cancelled: string[] = []
  const headers: IncomingMessage['headers'][] = []
  let opened = 0
  let waiters: { count: number; resolve: () => void }[] = []
  const state = { tools, listDelayMs: 0 }
  let listsTotal = 0
  let listsInFlight = 0
  let listsPeak = 0

  function newServer(): Server {
    const server = new Server(
      { name: 'sortie-test', version: '1.0.0' },
      { capabilities: { tools: {} } },
    )
    server.setRequestHandler(ListToolsRequestSchema, async () => {
      listsTotal++
      listsPeak = Math.max(listsPeak, ++listsInFlight)
      try {
        if (state.listDelayMs) await new Promise((r) => setTimeout(r, state.listDelayMs))
      } finally {
        listsInFlight--
      }
      return {
        tools: state.tools.map((t) => ({
          name: t.name,
          ...(t.title ? { title: t.title } : {}),
          ...(t.description ? { description: t.description } : {}),
          inputSchema: t.inputSchema ?? { type: 'object', properties: {} },
        })),
      }
    })
    server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
      const tool = state.tools.find((t) => t.name === req.params.name)
      calls.push({
        name: req.params.name,
        arguments: (req.params.arguments ?? {}) as Record<string, unknown>,
        meta: (req.params._meta ?? {}) as Record<string, unknown>,
        sessionId: extra.sessionId ?? '',
      })
      if (!tool) return { ...text(`no tool ${req.params.name}`), isError: true }
      extra.signal.addEventListener('abort', () => {
        cancelled.push(req.params.name)
        waiters = waiters.filter((w) => (cancelled.length >= w.count ? (w.resolve(), false) : true))
      })
      return (await tool.run(
        (req.params.arguments ?? {}) as Record<string, unknown>,
        extra.signal,
        (extra.requestInfo?.headers ?? {}) as Record<string, unknown>,
      )) as never
    })
    return server
  }

  const http = createServer(async (req, res) => {
    headers.push(req.headers)
    let body: unknown
    if (req.method === 'POST') {
      const chunks: Buffer[] = []
      for await (const c of req) chunks.push(c as Buffer)
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null')
    }
    if (opts.transport === 'sse') {
      const path = (req.url ?? '').split('?')[0]
      if (req.method === 'GET' && path === '/mcp') {
        const transport = new SSEServerTransport('/messages', res)
        legacy.set(transport.sessionId, transport)
        opened++
        res.on('close', () => legacy.delete(transport.sessionId))
        return newServer().connect(transport)
      }
      const id = new URL(req.url ?? '/', 'http://x').searchParams.get('sessionId') ?? ''
      const session = legacy.get(id)
      if (req.method === 'POST' && path === '/messages' && session) {
        return session.handlePostMessage(req, res, body)
      }
      res.writeHead(req.method === 'POST' && path === '/mcp' ? 405 : 404).end()
      return
    }
    const sessionId = req.headers['mcp-session-id'] as string | undefined
    const known = sessionId ? transports.get(sessionId) : undefined
    if (known) return known.handleRequest(req, res, body)
    if (sessionId) {
      res.writeHead(404, { 'content-type': 'application/json' })
      return res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          error: { code: -32001, message: 'Session not found' },
          id: null,
        }),
      )
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      res.writeHead(400, { 'content-type': 'application/json' })
      return res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          error: { code: -32000, message: 'No session' },
          id: null,
        }),
      )
    }
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        opened++
        transports.set(id, transport)
      },
    })
    await newServer().connect(transport)
    await transport.handleRequest(req, res, body)
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get tools() {
      return state.tools
    },
    set tools(next) {
      state.tools = next
    },
    calls,
    cancelled,
    headers,
    sessionsOpened: () => opened,
    lists: () => ({ total: listsTotal, peakInFlight: listsPeak }),
    get listDelayMs() {
      return state.listDelayMs
    },
    set listDelayMs(ms) {
      state.listDelayMs = ms
    },
    dropSessions: () => {
      const all = [...transports.values()]
      transports.clear()
      for (const t of all) void t.close().catch(() => {})
    },
    waitForCancellations: (count) =>
      cancelled.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close: async () => {
      for (const t of transports.values()) await t.close().catch(() => {})
      for (const t of legacy.values()) await t.close().catch(() => {})
      transports.clear()
      legacy.clear()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}
