import type { LanguageModelV3 } from '@ai-sdk/provider'
import { abortableSleep, raceAbort, throwIfAborted } from './abort.ts'
import { callOnce } from './round-trip.ts'
import { createLanguageModels } from './language-models.ts'
import type { ModelCaller, ModelCallRequest, ProviderTarget } from './contract.ts'
import { backoffDelay, ProviderError, toProviderError } from './provider-error.ts'
import { Semaphore } from './semaphore.ts'

export interface ModelCallerOptions {
  /** Concurrent HTTP calls per provider endpoint (default 64). */
  maxConcurrentPerProvider?: number
  /** Attempts per call including the first (default 5). */
  maxAttempts?: number
  /** First backoff ceiling in ms (default 500), doubled per attempt. */
  baseDelayMs?: number
  /** Upper bound of any wait, including a provider's Retry-After (default 30 000). */
  maxDelayMs?: number
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
  fetch?: typeof fetch
  /**
   * The language model of a target (default: the AI SDK provider adapters). The engine benchmark
   * answers with an in-process AI SDK mock model here, so a step costs what it costs elsewhere.
   */
  languageModel?: (target: ProviderTarget) => LanguageModelV3
}

/**
 * Returns the function the engine calls models with: retries 429/5xx/connection failures with
 * backoff (honouring Retry-After), bounds concurrency per provider endpoint, and rejects with an
 * AbortError as soon as the request's signal fires. Failures end as ProviderError.
 */
export function createModelCaller(opts: ModelCallerOptions = {}): ModelCaller {
  const maxConcurrent = positiveInteger(
    'maxConcurrentPerProvider',
    opts.maxConcurrentPerProvider,
    64,
  )
  const maxAttempts = positiveInteger('maxAttempts', opts.maxAttempts, 5)
  const delays = {
    baseDelayMs: positiveInteger('baseDelayMs', opts.baseDelayMs, 500),
    maxDelayMs: positiveInteger('maxDelayMs', opts.maxDelayMs, 30_000),
  }
  const sleep = opts.sleep ?? abortableSleep
  const languageModel = opts.languageModel ?? createLanguageModels(opts.fetch)
  const semaphores = new Map<string, Semaphore>()

  // Rate limits belong to an endpoint, so two OpenAI-compatible servers do not share a bound.
  function semaphoreFor(target: ProviderTarget): Semaphore {
    const key = `${target.provider}\n${target.baseUrl ?? ''}`
    let sem = semaphores.get(key)
    if (!sem) {
      sem = new Semaphore(maxConcurrent)
      semaphores.set(key, sem)
    }
    return sem
  }

  async function attempt(req: ModelCallRequest) {
    const release = await semaphoreFor(req.target).acquire(req.signal)
    try {
      const model = languageModel(req.target)
      return await raceAbort(callOnce(model, req), req.signal)
    } finally {
      release()
    }
  }

  return async function callModel(req) {
    const { provider, apiKey } = req.target
    for (let n = 1; ; n++) {
      throwIfAborted(req.signal)
      try {
        return await attempt(req)
      } catch (raw) {
        const err = toProviderError(raw, provider, apiKey)
        if (!(err instanceof ProviderError) || !err.retryable || n >= maxAttempts) throw err
        await raceAbort(sleep(backoffDelay(n, err, delays), req.signal), req.signal)
      }
    }
  }
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1`)
  return value
}
