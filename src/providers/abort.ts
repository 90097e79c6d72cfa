/** Rejection of a call whose AbortSignal fired; `cause` keeps the signal's reason. */
export class AbortError extends Error {
  override name = 'AbortError'
  constructor(reason?: unknown) {
    super('The model call was aborted', { cause: reason })
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError'
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new AbortError(signal.reason)
}

/**
 * Settles with `work` or rejects with AbortError as soon as the signal fires, so a caller never
 * waits for a provider adapter to notice the abort. `work` is still settled quietly afterwards.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {})
    return Promise.reject(new AbortError(signal.reason))
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => {})
      reject(new AbortError(signal.reason))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(signal.aborted ? new AbortError(signal.reason) : err)
      },
    )
  })
}

/** setTimeout as a promise that rejects with AbortError when the signal fires. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return raceAbort(
    new Promise<void>((resolve) => {
      const onAbort = () => clearTimeout(timer)
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      signal.addEventListener('abort', onAbort, { once: true })
    }),
    signal,
  )
}
