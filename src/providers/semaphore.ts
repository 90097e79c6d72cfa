import { AbortError } from './abort.ts'

interface Waiter {
  grant: () => void
  signal: AbortSignal
  onAbort: () => void
}

/** Counting semaphore with FIFO hand-off; a waiter whose signal fires leaves the queue. */
export class Semaphore {
  private active = 0
  private readonly waiters: Waiter[] = []

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be an integer >= 1')
  }

  /** Resolves with a release function once a slot is free (call it exactly once). */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(new AbortError(signal.reason))
    if (this.active < this.limit && this.waiters.length === 0) {
      this.active++
      return Promise.resolve(this.releaser())
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        signal,
        grant: () => resolve(this.releaser()),
        onAbort: () => {
          const at = this.waiters.indexOf(waiter)
          if (at >= 0) this.waiters.splice(at, 1)
          reject(new AbortError(signal.reason))
        },
      }
      signal.addEventListener('abort', waiter.onAbort, { once: true })
      this.waiters.push(waiter)
    })
  }

  private releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      // The slot passes straight to the next waiter, so `active` only drops when nobody waits.
      const next = this.waiters.shift()
      if (!next) {
        this.active--
        return
      }
      next.signal.removeEventListener('abort', next.onAbort)
      next.grant()
    }
  }
}
