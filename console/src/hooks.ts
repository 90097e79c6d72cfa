import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { ApiError, readStream } from './api.ts'

export interface Loaded<T> {
  data: T | undefined
  error: string
  loading: boolean
  reload: () => Promise<void>
}

/** Loads data with `load` whenever `deps` change; `reload` refreshes without blanking. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>()
  const [error, setError] = useState('')
  const [loading, setLoading] = useState(true)
  const generation = useRef(0)
  const reload = useCallback(async () => {
    const mine = ++generation.current
    try {
      const value = await load()
      if (mine !== generation.current) return
      setData(value)
      setError('')
    } catch (err) {
      if (mine !== generation.current) return
      setError(err instanceof ApiError ? err.message : String(err))
    } finally {
      if (mine === generation.current) setLoading(false)
    }
  }, deps)
  useEffect(() => {
    setLoading(true)
    void reload()
  }, [reload])
  return { data, error, loading, reload }
}

/**
 * Calls `onEvent` for every event of the workspace (or of one agent) as it happens, through the
 * workspace stream (docs/api.md section 7), reconnecting after a drop. `onEvent` should be cheap:
 * pages debounce their reloads.
 */
export function useWorkspaceEvents(path: string, onEvent: (event: any) => void): void {
  const handler = useRef(onEvent)
  handler.current = onEvent
  useEffect(() => {
    const ctrl = new AbortController()
    let stopped = false
    void (async () => {
      while (!stopped) {
        try {
          await readStream(
            path,
            undefined,
            (f) => {
              if (f.event !== 'message' || !f.data) return
              try {
                handler.current(JSON.parse(f.data))
              } catch {
                // a frame that is not JSON is not an event
              }
            },
            ctrl.signal,
          )
        } catch {
          // refused (e.g. 401): the app signs out; stop quietly
          if (!stopped) await sleep(10_000)
        }
        if (!stopped) await sleep(2000)
      }
    })()
    return () => {
      stopped = true
      ctrl.abort()
    }
  }, [path])
}

/** Calls `fn` at most once per `ms`, trailing. */
export function useDebounced(fn: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout>>()
  const latest = useRef(fn)
  latest.current = fn
  useEffect(() => () => clearTimeout(timer.current), [])
  return useCallback(() => {
    if (timer.current) return
    timer.current = setTimeout(() => {
      timer.current = undefined
      latest.current()
    }, ms)
  }, [ms])
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Re-renders every `ms` so relative times ("3m") stay true. */
export function useTick(ms: number): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms)
    return () => clearInterval(t)
  }, [ms])
  return now
}
