import { Agent, request } from 'node:http'

export interface RawRequest {
  method: string
  /** Path and query, already percent-encoded where needed. */
  path: string
  headers?: Record<string, string>
  /** Sent as is (a string is UTF-8). */
  body?: string | Buffer
}

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The body as text; for an SSE stream, what arrived within `streamMs`. */
  text: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any
  ms: number
}

/**
 * A plain HTTP/1.1 client for one base URL, sending exactly the bytes it is given (any method
 * with any body, any content type, no header clean-up), so bad requests reach the server as
 * written. SSE answers are read for `streamMs` and then dropped.
 */
export function rawClient(baseUrl: string, opts: { streamMs?: number; timeoutMs?: number } = {}) {
  const url = new URL(baseUrl)
  // One connection per request: a server that answers early (413) and closes must not fail the
  // next request on a reused socket.
  const agent = new Agent({ keepAlive: false, maxSockets: 8 })
  const streamMs = opts.streamMs ?? 300
  const timeoutMs = opts.timeoutMs ?? 30_000
  const send = (req: RawRequest): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const started = performance.now()
      const body = req.body === undefined ? undefined : Buffer.from(req.body)
      const headers: Record<string, string | number> = { ...req.headers }
      if (body) headers['content-length'] = body.length
      const r = request(
        {
          host: url.hostname,
          port: url.port,
          method: req.method,
          path: req.path,
          headers,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = []
          const stream = String(res.headers['content-type'] ?? '').startsWith('text/event-stream')
          let done = false
          const finish = () => {
            if (done) return
            done = true
            clearTimeout(timer)
            const text = Buffer.concat(chunks).toString('utf8')
            let json: unknown
            try {
              json = text ? JSON.parse(text) : undefined
            } catch {
              json = undefined
            }
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text,
              json,
              ms: performance.now() - started,
            })
          }
          const timer = setTimeout(
            () => {
              finish()
              res.destroy()
            },
            stream ? streamMs : timeoutMs,
          )
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', finish)
          res.on('close', finish)
          res.on('error', finish)
        },
      )
      r.on('error', reject)
      r.setTimeout(timeoutMs, () => r.destroy(new Error(`no answer within ${timeoutMs} ms`)))
      r.end(body)
    })
  return { send, close: () => agent.destroy() }
}

export type RawClient = ReturnType<typeof rawClient>

/** google.rpc.Status code -> HTTP status (docs/api.md section 9.2). */
export const HTTP_OF_CODE: Record<number, number> = {
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
}

/**
 * Why a native error answer is not a proper google.rpc.Status for its HTTP status, or
 * undefined when it is (docs/api.md section 9).
 */
export function statusProblem(res: RawResponse): string | undefined {
  const b = res.json
  if (!b || typeof b !== 'object' || Array.isArray(b)) return 'body is not a JSON object'
  if (!Number.isInteger(b.code)) return 'code is not an integer'
  if (typeof b.message !== 'string') return 'message is not a string'
  if (!Array.isArray(b.details)) return 'details is not an array'
  const allowed = b.code === 8 ? [429, 413] : [HTTP_OF_CODE[b.code]]
  if (!allowed.includes(res.status)) return `HTTP ${res.status} does not match code ${b.code}`
  return undefined
}

/** A short, printable excerpt of a request or response body for failure lines. */
export function excerpt(value: string | Buffer | undefined, max = 160): string {
  if (value === undefined) return '(none)'
  const text = typeof value === 'string' ? value : value.toString('utf8')
  const shown = JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text)
  return text.length > max ? `${shown} (${text.length} chars)` : shown
}
