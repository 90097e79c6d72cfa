import type { Sortie } from '../../src/app.ts'

export interface Frame {
  id?: string
  event?: string
  data: string
}

export interface SseClient {
  status: number
  contentType: string
  /** The error body of a refused stream. */
  body: any
  /** The next frame (pings included); `undefined` at a clean end; throws when dropped. */
  next(): Promise<Frame | undefined>
  /** Event frames (pings skipped) until the stream ends cleanly or `count` frames were read. */
  collect(count?: number): Promise<Frame[]>
  /** Everything received so far, as text. */
  raw(): string
  cancel(): Promise<void>
}

/**
 * An SSE client over the in-process app (no socket), or over HTTP when given a base URL
 * (another process): it reads only when asked to.
 */
export async function openStream(
  app: Sortie | string,
  token: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<SseClient> {
  const init = {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers },
  }
  const res =
    typeof app === 'string'
      ? await fetch(`${app}${path}`, init)
      : await app.http.app.request(path, init)
  const body = res.status === 200 ? undefined : await res.json()
  const reader = res.status === 200 ? res.body!.getReader() : new Response('').body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let raw = ''
  const next = async (): Promise<Frame | undefined> => {
    for (;;) {
      const end = buffer.indexOf('\n\n')
      if (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const frame: Frame = { data: '' }
        const data: string[] = []
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) frame.id = line.slice(4)
          else if (line.startsWith('event: ')) frame.event = line.slice(7)
          else if (line.startsWith('data: ')) data.push(line.slice(6))
        }
        frame.data = data.join('\n')
        if (frame.id || frame.event) return frame
        continue // retry hint or comment
      }
      const { done, value } = await reader.read()
      if (done) return undefined
      const text = decoder.decode(value, { stream: true })
      raw += text
      buffer += text
    }
  }
  const collect = async (count = Infinity) => {
    const frames: Frame[] = []
    while (frames.length < count) {
      const frame = await next()
      if (!frame) break
      if (frame.event !== 'ping') frames.push(frame)
    }
    return frames
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body,
    next,
    collect,
    raw: () => raw,
    cancel: () => reader.cancel(),
  }
}
