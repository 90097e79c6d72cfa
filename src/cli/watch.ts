import { EXIT } from './run.ts'
import { formatEvent, formatStatus } from './format.ts'

export interface WatchOptions {
  baseUrl: string
  token: string
  objectiveId: string
  write: (line: string) => void
  /** Connection notes (lost, resuming) go here, apart from the events. */
  warn: (line: string) => void
  /** Gives up when no connection succeeded for this long (default 60 s). */
  retryForMs?: number
  fetch?: typeof fetch
}

interface Frame {
  id?: string
  event?: string
  data: string
}

/** Splits an SSE body into frames; resolves `clean` when the server ended the stream itself. */
async function readFrames(body: ReadableStream<Uint8Array>, onFrame: (f: Frame) => void) {
  const decoder = new TextDecoder()
  let buffer = ''
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n')
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const frame: Frame = { data: '' }
      const data: string[] = []
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':')
        if (colon === 0) continue
        const field = colon < 0 ? line : line.slice(0, colon)
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'id') frame.id = value
        else if (field === 'event') frame.event = value
        else if (field === 'data') data.push(value)
      }
      frame.data = data.join('\n')
      if (data.length) onFrame(frame)
    }
  }
}

class FatalError extends Error {}

/** Server URL and token from flags or the environment, as `clientFromEnv` reads them. */
export function serverFromEnv(flags: { url?: string; token?: string }) {
  const token = flags.token ?? process.env.SORTIE_TOKEN ?? process.env.SORTIE_API_KEY
  if (!token) throw new Error('no API key: pass --token or set SORTIE_TOKEN')
  const baseUrl =
    flags.url ??
    process.env.SORTIE_URL ??
    `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? 8787}`
  return { baseUrl, token }
}

/**
 * Follows an objective's event stream and prints each event once. When the connection drops (a
 * server restart, a network blip) it reconnects with Last-Event-ID = the last event printed, so
 * nothing is lost or repeated; it returns when the server ends the stream (no more events).
 */
export async function watchObjective(opts: WatchOptions): Promise<number> {
  const doFetch = opts.fetch ?? fetch
  const base = opts.baseUrl.replace(/\/+$/, '')
  const auth = { authorization: `Bearer ${opts.token}` }
  const id = encodeURIComponent(opts.objectiveId)
  const retryForMs = opts.retryForMs ?? 60_000
  let lastEventId = ''
  let lastSuccess = Date.now()
  let delay = 250
  for (;;) {
    try {
      const res = await doFetch(`${base}/v1/objectives/${id}/events:stream`, {
        headers: {
          ...auth,
          accept: 'text/event-stream',
          ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
        },
      })
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { message?: string }
        const message = body.message ?? `HTTP ${res.status}`
        if (res.status < 500) throw new FatalError(message)
        throw new Error(message)
      }
      lastSuccess = Date.now()
      delay = 250
      await readFrames(res.body!, (frame) => {
        if (frame.event && frame.event !== 'message') return // ping, open
        lastEventId = frame.id ?? lastEventId
        const line = formatEvent(JSON.parse(frame.data))
        if (line) opts.write(line)
      })
      break // a clean end: the objective produces no more events
    } catch (err) {
      if (err instanceof FatalError) throw err
      if (Date.now() - lastSuccess > retryForMs) throw err
      const at = lastEventId ? ` after ${lastEventId}` : ''
      opts.warn(`connection lost (${(err as Error).message}); resuming${at}`)
      await new Promise((r) => setTimeout(r, delay))
      delay = Math.min(delay * 2, 5000)
    }
  }
  const res = await doFetch(`${base}/v1/objectives/${id}`, { headers: auth })
  const implicit = (await res.json()) as any
  const shown = await doFetch(
    `${base}/v1/workspaces/${implicit.metadata.workspaceId}/objectives/${id}`,
    { headers: auth },
  )
  opts.write(formatStatus(await shown.json()))
  const state: string = implicit.status.state
  if (state === 'STATE_FAILED') return EXIT.failed
  if (state === 'STATE_CANCELLED') return EXIT.cancelled
  return EXIT.done
}
