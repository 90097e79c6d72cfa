import { createHash } from 'node:crypto'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { McpError } from '@modelcontextprotocol/sdk/types.js'
import {
  connectMcp,
  parseToolTemplate,
  type McpEndpoint,
  type Tool,
  type ToolSet,
} from '../../modules/tools/index.ts'
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS } from './http-tool.ts'
import { MissingSecretError, resolveSecrets, secretRedactor } from './secrets.ts'

/** A session nobody used this long is closed (the server may keep state for it). */
const IDLE_MS = 5 * 60_000

interface Session {
  client: Promise<Client>
  lastUsed: number
}

/**
 * The MCP client sessions of one worker: one per (tool set, endpoint), opened on the first call
 * and reused by every later call of any objective the worker runs. A session that drops is
 * forgotten and the next call opens a new one.
 */
export class McpSessions {
  private readonly sessions = new Map<string, Session>()

  constructor(
    private readonly opts: { connectTimeoutMs: number; fetch?: typeof fetch } = {
      connectTimeoutMs: DEFAULT_TIMEOUT_MS,
    },
  ) {}

  /** Sessions open now (tests, metrics). */
  get size(): number {
    return this.sessions.size
  }

  /**
   * The open session for `key`, or a new one. Concurrent callers share one connect, so it is
   * bounded by its own timeout rather than by any one call's signal.
   */
  get(key: string, endpoint: McpEndpoint): Promise<Client> {
    this.closeIdle()
    const known = this.sessions.get(key)
    if (known) {
      known.lastUsed = Date.now()
      return known.client
    }
    const client = connectMcp(endpoint, {
      timeoutMs: this.opts.connectTimeoutMs,
      signal: AbortSignal.timeout(this.opts.connectTimeoutMs),
      fetch: this.opts.fetch,
    })
    const session = { client, lastUsed: Date.now() }
    this.sessions.set(key, session)
    client.then(
      (c) => {
        // The transport closed (server gone, stream ended): the next call reconnects.
        c.onclose = () => this.forget(key, session)
      },
      () => this.forget(key, session),
    )
    return client
  }

  /** Closes and forgets a session that failed (`client` when given), unless it was replaced. */
  drop(key: string, client?: Promise<Client>): void {
    const session = this.sessions.get(key)
    if (!session || (client && session.client !== client)) return
    this.forget(key, session)
    void session.client.then((c) => c.close()).catch(() => {})
  }

  private forget(key: string, session: Session): void {
    if (this.sessions.get(key) === session) this.sessions.delete(key)
  }

  private closeIdle(): void {
    const now = Date.now()
    for (const [key, session] of this.sessions) {
      if (now - session.lastUsed > IDLE_MS) this.drop(key)
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()]
    this.sessions.clear()
    await Promise.allSettled(all.map((s) => s.client.then((c) => c.close())))
  }
}

export interface McpToolCall {
  tool: Tool
  toolSet: ToolSet
  arguments: Record<string, unknown>
  /** Sent in the request's `_meta` as `sortie/toolCallId`, so the server can recognise a retry. */
  toolCallId: string
  resolveSecret: (name: string) => Promise<string | undefined>
  signal: AbortSignal
  sessions: McpSessions
  timeoutMs?: number
  maxResponseBytes?: number
}

export type McpOutcome = { ok: true; content: string } | { ok: false; message: string }

type Content = { type: string; [key: string]: any }

/** Decoded size of base64 data, without decoding it. */
function base64Bytes(data: unknown): number {
  const s = String(data ?? '').replace(/\s/g, '')
  const padding = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0
  return Math.max(0, Math.floor((s.length * 3) / 4) - padding)
}

/** One content block as text: text as is, other kinds described (never dropped silently). */
function describeContent(block: Content): string {
  switch (block.type) {
    case 'text':
      return String(block.text ?? '')
    case 'image':
    case 'audio': {
      const bytes = base64Bytes(block.data)
      return `[${block.type}: ${block.mimeType ?? 'unknown type'}, ${bytes} bytes, not shown]`
    }
    case 'resource': {
      const r = block.resource ?? {}
      if (typeof r.text === 'string') return `[resource ${r.uri ?? ''}]\n${r.text}`
      const bytes = base64Bytes(r.blob)
      return `[resource ${r.uri ?? ''}: ${r.mimeType ?? 'binary'}, ${bytes} bytes, not shown]`
    }
    case 'resource_link':
      return `[resource link: ${block.uri ?? ''}${block.name ? ` (${block.name})` : ''}]`
    default:
      return `[${block.type} content, not shown]`
  }
}

/** The text the model sees of a tool result; structured content when there is no content. */
export function resultText(result: Record<string, unknown>): string {
  const blocks = Array.isArray(result.content) ? (result.content as Content[]) : []
  const text = blocks.map(describeContent).join('\n')
  // Servers of protocol 2024-10-07 and earlier answer `toolResult` instead of content.
  const other = result.structuredContent ?? result.toolResult
  if (text || other === undefined) return text
  return JSON.stringify(other)
}

/** Headers of the tool set with secrets resolved; ones reading call arguments are not sent. */
async function endpointOf(
  call: McpToolCall,
): Promise<{ endpoint: McpEndpoint; secretValues: string[] }> {
  const adapter = call.toolSet.spec.adapter.mcp
  if (!adapter) throw new Error(`tool set "${call.toolSet.metadata.name}" is not an MCP tool set`)
  const templates = Object.entries(adapter.headers ?? {})
    .map(([name, source]) => [name, parseToolTemplate(source, 'none')] as const)
    .filter(([, t]) => t.arguments.length === 0)
  const secrets = await resolveSecrets(
    templates.flatMap(([, t]) => t.secrets),
    call.resolveSecret,
  )
  const headers: Record<string, string> = {}
  for (const [name, template] of templates) headers[name] = await template.render({}, secrets)
  return { endpoint: { url: adapter.url, headers }, secretValues: Object.values(secrets) }
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { message?: string; code?: string } }
  const cause = e?.cause?.message ?? e?.cause?.code
  const message = e?.message ?? String(err)
  return cause && !message.includes(cause) ? `${message}: ${cause}` : message
}

/** Waits for `promise`, or rejects as soon as `signal` aborts (the promise goes on for others). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

/** The server no longer knows the session (it restarted, or expired it): nothing ran. */
const sessionGone = (err: unknown) => err instanceof StreamableHTTPError && err.code === 404

/**
 * Calls an MCP tool on the worker's session for its tool set and returns what the model should
 * see. Never throws: a dead server, a timeout, an abort and an `isError` result are all
 * `ok: false`. The objective's signal cancels the request (the server gets
 * `notifications/cancelled`). A session the server dropped is re-opened once and the call sent
 * again; that is safe because the server refused the call without running it.
 */
export async function executeMcpTool(call: McpToolCall): Promise<McpOutcome> {
  const timeoutMs = call.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxBytes = call.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(new Error(`timed out after ${timeoutMs / 1000}s`))
  }, timeoutMs)
  const onAbort = () => controller.abort(new Error('the objective stopped'))
  call.signal.addEventListener('abort', onAbort, { once: true })
  let redact: (text: string, opts?: { cut?: boolean }) => string = (text) => text
  try {
    if (call.signal.aborted) return { ok: false, message: 'aborted' }
    const { endpoint, secretValues } = await endpointOf(call)
    redact = secretRedactor(secretValues)
    const key = sessionKey(call.toolSet.metadata.id, endpoint)
    const name = call.tool.spec.config.mcp?.toolName || call.tool.metadata.name
    let session: Promise<Client> | undefined
    for (let attempt = 0; ; attempt++) {
      try {
        session = call.sessions.get(key, endpoint)
        const client = await untilAborted(session, controller.signal)
        const result = await client.callTool(
          { name, arguments: call.arguments, _meta: { 'sortie/toolCallId': call.toolCallId } },
          undefined,
          // Our timer ends the call; the SDK's own timeout is only a backstop behind it.
          { signal: controller.signal, timeout: timeoutMs + 5000 },
        )
        let text = resultText(result)
        const truncated = Buffer.byteLength(text) > maxBytes
        if (truncated) {
          text = Buffer.from(text).subarray(0, maxBytes).toString('utf8')
          text = redact(text, { cut: true }) + `\n[truncated: result exceeded ${maxBytes} bytes]`
        } else {
          text = redact(text)
        }
        return result.isError
          ? { ok: false, message: text || 'the tool failed' }
          : { ok: true, content: text }
      } catch (err) {
        if (timedOut) return { ok: false, message: `timed out after ${timeoutMs / 1000}s` }
        if (call.signal.aborted) return { ok: false, message: 'aborted' }
        // A protocol error answers this request only (unknown tool, bad arguments): the session
        // is fine. Anything else may have broken it, so the next call starts a new one.
        if (err instanceof McpError) return { ok: false, message: redact(err.message) }
        call.sessions.drop(key, session)
        if (sessionGone(err) && attempt === 0) continue
        return { ok: false, message: redact(`MCP server ${endpoint.url}: ${describe(err)}`) }
      }
    }
  } catch (err) {
    if (err instanceof MissingSecretError) return { ok: false, message: err.message }
    return { ok: false, message: redact(describe(err)) }
  } finally {
    clearTimeout(timer)
    call.signal.removeEventListener('abort', onAbort)
  }
}

/** Sessions are per tool set and endpoint: different resolved headers get their own. */
function sessionKey(toolSetId: string, endpoint: McpEndpoint): string {
  const digest = createHash('sha256').update(JSON.stringify(endpoint)).digest('hex').slice(0, 32)
  return `${toolSetId}:${digest}`
}
