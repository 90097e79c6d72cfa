import type { Tool, ToolSet } from '../../modules/tools/index.ts'
import { planHttpRequest, ToolRequestError, type HttpRequestPlan } from './http-request.ts'
import { MissingSecretError, secretRedactor } from './secrets.ts'

export interface HttpToolCall {
  tool: Tool
  toolSet: ToolSet
  arguments: Record<string, unknown>
  /** Sent as `Idempotency-Key` so a retried call can be recognised by the server. */
  toolCallId: string
  resolveSecret: (name: string) => Promise<string | undefined>
  signal: AbortSignal
  /** Default 30 s; covers connecting, the response headers and reading the body. */
  timeoutMs?: number
  /** Default 64 KiB; a longer response is cut there with a notice. */
  maxResponseBytes?: number
  fetch?: typeof fetch
  /** Builds the request instead of the HTTP tool's templates (tools synced from OpenAPI). */
  plan?: () => Promise<HttpRequestPlan>
}

export type ToolOutcome =
  | { ok: true; content: string; status: number; truncated: boolean }
  | { ok: false; message: string; status?: number }

export const DEFAULT_TIMEOUT_MS = 30_000
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024
const ERROR_BODY_CHARS = 500

/** Reads at most `limit` bytes of a body; the rest is cancelled, not downloaded. */
async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<{ text: string; truncated: boolean }> {
  if (!body) return { text: '', truncated: false }
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  let truncated = false
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (size + value.byteLength > limit) {
      chunks.push(value.subarray(0, limit - size))
      size = limit
      truncated = true
      await reader.cancel().catch(() => {})
      break
    }
    chunks.push(value)
    size += value.byteLength
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks, size)), truncated }
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { message?: string; code?: string } }
  const cause = e?.cause?.message ?? e?.cause?.code
  const message = e?.message ?? String(err)
  return cause && !message.includes(cause) ? `${message}: ${cause}` : message
}

/**
 * Executes an HTTP tool call and returns what the model should see. Never throws: every failure
 * (missing secret, bad arguments, timeout, abort, connection error, non-2xx) becomes `ok: false`,
 * and secret values are redacted from every returned text.
 */
export async function executeHttpTool(call: HttpToolCall): Promise<ToolOutcome> {
  const timeoutMs = call.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const maxBytes = call.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  let redact: ReturnType<typeof secretRedactor> = (text) => text
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, timeoutMs)
  const onAbort = () => controller.abort()
  call.signal.addEventListener('abort', onAbort, { once: true })
  try {
    if (call.signal.aborted) return { ok: false, message: 'aborted' }
    const plan = call.plan
      ? await call.plan()
      : await planHttpRequest(
          call.tool,
          call.toolSet,
          call.arguments ?? {},
          call.toolCallId,
          call.resolveSecret,
        )
    redact = secretRedactor(plan.secretValues)
    const response = await (call.fetch ?? fetch)(plan.url, {
      method: plan.method,
      headers: plan.headers,
      body: plan.body,
      signal: controller.signal,
      // A redirect could carry the secret headers to another host: report it instead.
      redirect: 'manual',
    })
    const { text, truncated } = await readLimited(response.body, maxBytes)
    if (response.status < 200 || response.status > 299) {
      const location = response.headers.get('location')
      // Redact before cutting, so a cut cannot split a secret out of reach of the redaction.
      const full = redact(text, { cut: truncated })
      const detail =
        full.slice(0, ERROR_BODY_CHARS) || (location ? `redirect to ${location} not followed` : '')
      return {
        ok: false,
        status: response.status,
        message: redact(`HTTP ${response.status}: ${detail}`),
      }
    }
    const notice = truncated ? `\n[truncated: response exceeded ${maxBytes} bytes]` : ''
    return {
      ok: true,
      status: response.status,
      truncated,
      content: redact(text, { cut: truncated }) + notice,
    }
  } catch (err) {
    if (timedOut) return { ok: false, message: `timed out after ${timeoutMs / 1000}s` }
    if (call.signal.aborted) return { ok: false, message: 'aborted' }
    if (err instanceof MissingSecretError || err instanceof ToolRequestError) {
      return { ok: false, message: redact(err.message) }
    }
    return { ok: false, message: redact(describe(err)) }
  } finally {
    clearTimeout(timer)
    call.signal.removeEventListener('abort', onAbort)
  }
}
