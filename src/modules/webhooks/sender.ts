import http from 'node:http'
import https from 'node:https'
import {
  isPrivateAddress,
  literalAddress,
  publicOnlyLookup,
  UnsafeTargetError,
} from './target-safety.ts'

/** What one POST to a webhook target came to. Bodies are counted, never kept (section 5). */
export interface SendResult {
  /** `refused`: the target is not allowed (never retried); `error`: no HTTP response. */
  kind: 'response' | 'error' | 'refused'
  status: number
  headers: Record<string, string>
  contentLength: number
  latencyMs: number
  error: string
}

export interface SendOptions {
  timeoutMs: number
  allowPrivateTargets: boolean
  agents: { http: http.Agent; https: https.Agent }
}

/** Bytes of a response body read before the rest is dropped. */
const MAX_BODY_BYTES = 1024 * 1024

export function createAgents(): SendOptions['agents'] {
  return {
    http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
  }
}

function refused(error: string): SendResult {
  return { kind: 'refused', status: 0, headers: {}, contentLength: 0, latencyMs: 0, error }
}

/** POSTs a JSON body; resolves with the outcome (it never rejects). */
export function postWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  opts: SendOptions,
): Promise<SendResult> {
  let url: URL
  try {
    url = new URL(target)
  } catch {
    return Promise.resolve(refused(`webhook URL ${JSON.stringify(target)} is not a URL`))
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.resolve(refused(`webhook URL scheme ${url.protocol} is not http(s)`))
  }
  const literal = literalAddress(url.hostname)
  if (!opts.allowPrivateTargets && literal && isPrivateAddress(literal)) {
    return Promise.resolve(
      refused(`webhook target ${literal} is a private address (SORTIE_ALLOW_PRIVATE_WEBHOOKS)`),
    )
  }
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  return new Promise((resolve) => {
    let settled = false
    const finish = (result: SendResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(result)
    }
    const secure = url.protocol === 'https:'
    const req = (secure ? https : http).request(url, {
      method: 'POST',
      agent: secure ? opts.agents.https : opts.agents.http,
      lookup: opts.allowPrivateTargets ? undefined : publicOnlyLookup,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'user-agent': 'Sortie-Webhooks/1.0',
        ...headers,
      },
    })
    let answered = false
    const timedOut = () => req.destroy(new Error(`timed out after ${opts.timeoutMs} ms`))
    // After a stall of the event loop, timers run before the I/O that came in meanwhile: look at
    // the sockets once more (setImmediate runs after them) before giving up, so that an answer
    // that arrived in time is not dropped, and its delivery sent (and acknowledged) twice.
    let timer = setTimeout(() => setImmediate(() => answered || timedOut()), opts.timeoutMs)
    req.on('error', (err) => {
      const result = { status: 0, headers: {}, contentLength: 0, latencyMs: elapsed() }
      if (err instanceof UnsafeTargetError)
        finish({ ...result, kind: 'refused', error: err.message })
      else finish({ ...result, kind: 'error', error: err.message || String(err) })
    })
    req.on('response', (res) => {
      // The status decides the outcome; the body gets its own deadline.
      answered = true
      clearTimeout(timer)
      timer = setTimeout(() => res.destroy(), opts.timeoutMs)
      let bytes = 0
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes > MAX_BODY_BYTES) res.destroy()
      })
      const done = () =>
        finish({
          kind: 'response',
          status: res.statusCode ?? 0,
          headers: flatHeaders(res.headers),
          contentLength: bytes,
          latencyMs: elapsed(),
          error: '',
        })
      res.on('end', done)
      res.on('close', done)
      res.on('error', done)
    })
    req.end(body)
  })
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v
  }
  return out
}
