/**
 * The console's only way to the server: the public REST API (docs/api.md), authenticated with the
 * API key the operator pasted. The key lives in sessionStorage: it survives a reload of the tab,
 * never outlives it, and is never written anywhere else.
 */
import { parseSse, type SseFrame } from './sse.ts'

const KEY = 'sortie.apiKey'

export interface Session {
  token: string
  workspaceId: string
  workspaceName: string
}

/** A google.rpc.Status answer (docs/api.md section 9), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly violations: { field: string; description: string }[] = [],
  ) {
    super(message)
  }
}

export interface Page<T> {
  items: T[]
  pagination: { nextCursor: string; total: number }
}

let session: Session | undefined

export function currentSession(): Session | undefined {
  return session
}

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY)
}

/** Checks the key against the server; the workspace comes from the key (its home workspace). */
export async function signIn(token: string): Promise<Session> {
  const trimmed = token.trim()
  if (!trimmed) throw new ApiError(400, 'Paste an API key first.')
  let ws: any
  try {
    ws = await request('GET', '/v1/workspaces/current', undefined, trimmed)
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      throw new ApiError(401, 'This API key was not accepted: it is unknown, rotated or deleted.')
    }
    throw err
  }
  session = { token: trimmed, workspaceId: ws.metadata.id, workspaceName: ws.metadata.name }
  sessionStorage.setItem(KEY, trimmed)
  return session
}

export function signOut(): void {
  session = undefined
  sessionStorage.removeItem(KEY)
}

/** Listeners told when the key stops working mid-session (rotated, deleted). */
const unauthorizedListeners = new Set<() => void>()
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn)
  return () => unauthorizedListeners.delete(fn)
}

async function request(method: string, path: string, body?: unknown, token?: string) {
  const auth = token ?? session?.token
  const headers: Record<string, string> = {}
  if (auth) headers.authorization = `Bearer ${auth}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check that Sortie is running.')
  }
  const text = await res.text()
  let parsed: any
  try {
    parsed = text ? JSON.parse(text) : {}
  } catch {
    parsed = { message: text }
  }
  if (!res.ok) {
    if (res.status === 401 && !token) unauthorizedListeners.forEach((fn) => fn())
    const violations = (parsed?.details ?? []).flatMap((d: any) => d?.fieldViolations ?? [])
    throw new ApiError(res.status, parsed?.message || `HTTP ${res.status}`, violations)
  }
  return parsed
}

/** A path in the workspace family (docs/api.md section 2.2): internal states as-is. */
export function ws(path: string): string {
  if (!session) throw new ApiError(401, 'not signed in')
  return `/v1/workspaces/${encodeURIComponent(session.workspaceId)}${path}`
}

export const api = {
  get: <T = any>(path: string): Promise<T> => request('GET', path),
  post: <T = any>(path: string, body: unknown = {}): Promise<T> => request('POST', path, body),
  list: <T = any>(path: string, query: Record<string, string | undefined> = {}) => {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, v)
    const qs = q.toString()
    return request('GET', qs ? `${path}?${qs}` : path) as Promise<Page<T>>
  },
}

/** Every page of a list (bounded: the console shows what fits in memory). */
export async function listAll<T = any>(
  path: string,
  query: Record<string, string | undefined> = {},
  max = 5000,
): Promise<T[]> {
  const items: T[] = []
  let cursor: string | undefined
  do {
    const page = await api.list<T>(path, { ...query, limit: '500', cursor })
    items.push(...page.items)
    cursor = page.pagination.nextCursor || undefined
  } while (cursor && items.length < max)
  return items
}

export type StreamEnd = 'ended' | 'dropped' | 'aborted'

/**
 * Reads an SSE stream (docs/api.md section 7) with fetch, because EventSource cannot send the
 * Authorization header. `lastEventId` resumes after that event. Resolves 'ended' when the server
 * closed the stream cleanly, 'dropped' when the connection broke, 'aborted' when `signal` fired.
 */
export async function readStream(
  path: string,
  lastEventId: string | undefined,
  onFrame: (frame: SseFrame) => void,
  signal: AbortSignal,
  onOpen?: () => void,
): Promise<StreamEnd> {
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  if (session) headers.authorization = `Bearer ${session.token}`
  if (lastEventId) headers['last-event-id'] = lastEventId
  let res: Response
  try {
    res = await fetch(path, { headers, signal })
  } catch {
    return signal.aborted ? 'aborted' : 'dropped'
  }
  if (!res.ok || !res.body) {
    const text = await res.text().catch(() => '')
    let message = `HTTP ${res.status}`
    try {
      message = JSON.parse(text).message ?? message
    } catch {
      // not JSON
    }
    if (res.status === 401) unauthorizedListeners.forEach((fn) => fn())
    throw new ApiError(res.status, message)
  }
  onOpen?.()
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
  const parser = parseSse(onFrame)
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return 'ended'
      parser.push(value)
    }
  } catch {
    return signal.aborted ? 'aborted' : 'dropped'
  }
}
