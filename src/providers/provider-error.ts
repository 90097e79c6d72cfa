import { APICallError, LoadAPIKeyError } from 'ai'
import { AbortError, isAbortError } from './abort.ts'

/** A provider call that failed for good (or a single failed attempt, before retries run out). */
export class ProviderError extends Error {
  override name = 'ProviderError'
  status?: number
  retryable: boolean
  provider: string
  /** Delay the provider asked for (Retry-After), in ms; only meaningful when retryable. */
  retryAfterMs?: number

  constructor(
    message: string,
    opts: { provider: string; status?: number; retryable: boolean; retryAfterMs?: number },
  ) {
    super(message)
    this.provider = opts.provider
    this.status = opts.status
    this.retryable = opts.retryable
    this.retryAfterMs = opts.retryAfterMs
  }
}

/** Statuses worth another attempt: timeouts, conflicts, rate limits and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500
}

/** Error types some providers send inside a stream that already answered 200. */
const RETRYABLE_STREAM_ERRORS = new Set(['overloaded_error', 'api_error', 'rate_limit_error'])

/**
 * Turns whatever an AI SDK call threw into a ProviderError (or AbortError). The API key is
 * scrubbed from the message because some providers echo a (partial) key back.
 */
export function toProviderError(err: unknown, provider: string, apiKey?: string): Error {
  if (err instanceof ProviderError || err instanceof AbortError) return err
  if (isAbortError(err)) return new AbortError(err)
  const scrub = (message: string) =>
    apiKey && apiKey.length >= 4 ? message.split(apiKey).join('***') : message
  if (APICallError.isInstance(err)) {
    const status = err.statusCode
    return new ProviderError(scrub(err.message), {
      provider,
      status,
      retryable: status === undefined ? err.isRetryable : isRetryableStatus(status),
      retryAfterMs: retryAfterMs(err.responseHeaders),
    })
  }
  if (LoadAPIKeyError.isInstance(err)) {
    return new ProviderError(`no API key configured for provider ${provider}`, {
      provider,
      retryable: false,
    })
  }
  if (err instanceof Error)
    return new ProviderError(scrub(err.message), { provider, retryable: false })
  if (err && typeof err === 'object') {
    // Stream error chunks arrive as the provider's parsed error object, not as an Error.
    const body = err as {
      type?: unknown
      message?: unknown
      error?: { type?: unknown; message?: unknown }
    }
    const inner = body.error ?? body
    const type = typeof inner.type === 'string' ? inner.type : ''
    const message = typeof inner.message === 'string' ? inner.message : JSON.stringify(err)
    return new ProviderError(scrub(message), {
      provider,
      retryable: RETRYABLE_STREAM_ERRORS.has(type),
    })
  }
  return new ProviderError(scrub(String(err)), { provider, retryable: false })
}

/** Reads `retry-after-ms` (ms) or `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  if (!headers) return undefined
  const lower: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v
  const ms = Number.parseFloat(lower['retry-after-ms'] ?? '')
  if (Number.isFinite(ms) && ms >= 0) return ms
  const raw = lower['retry-after']
  if (raw === undefined) return undefined
  const seconds = Number.parseFloat(raw)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(raw)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/** Exponential backoff with full jitter, unless the provider said how long to wait. */
export function backoffDelay(
  attempt: number,
  err: ProviderError,
  opts: { baseDelayMs: number; maxDelayMs: number },
  random: () => number = Math.random,
): number {
  if (err.retryAfterMs !== undefined) return Math.min(err.retryAfterMs, opts.maxDelayMs)
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** (attempt - 1))
  return Math.floor(random() * ceiling)
}
