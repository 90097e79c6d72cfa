/**
 * A server-sent events response with a bounded buffer (docs/decisions.md decision 10, docs/api.md section 7 format).
 * The stream is pull-based: producers ask `hasRoom()` before reading more rows, and `onRoom` fires
 * when the client has taken enough. A client that takes nothing for `stallMs` while frames wait is
 * dropped (the response is aborted, not ended, so it reconnects with Last-Event-ID); a clean end
 * (`end()`) tells the client that no more events will come.
 */

export interface SseFrame {
  id?: string
  event?: string
  data: string
}

export interface SseOptions {
  /** Bytes queued for the client before `hasRoom()` turns false. */
  highWaterBytes?: number
  /** How long the client may take nothing while frames wait before it is dropped. */
  stallMs?: number
  /** `event: ping` period (docs/decisions.md decision 10: 15 s). */
  pingMs?: number
  /** The client's reconnection delay hint (`retry:`). */
  retryMs?: number
}

export interface SseStream {
  response: Response
  send(frame: SseFrame): void
  /** Queues frames already encoded (`encodeFrames`): one chunk, shared by many streams. */
  write(chunk: Uint8Array): void
  hasRoom(): boolean
  /** Called each time the client has drained the buffer below the high-water mark. */
  onRoom(fn: () => void): void
  /** Called once when the stream ends for any reason (client gone, end, abort). */
  onClose(fn: () => void): void
  /** Ends cleanly after the queued frames: no more events will come. */
  end(): void
  /** Drops the stream without a clean end: the client is expected to reconnect and resume. */
  abort(reason: string): void
  readonly closed: boolean
}

const encoder = new TextEncoder()

export function formatFrame(frame: SseFrame): string {
  let out = ''
  if (frame.event) out += `event: ${frame.event}\n`
  if (frame.id) out += `id: ${frame.id}\n`
  // A data line may not contain a newline: split it into several data lines.
  for (const line of frame.data.split('\n')) out += `data: ${line}\n`
  return `${out}\n`
}

/** Frames as one chunk: one write to the socket however many events a read brought. */
export function encodeFrames(frames: SseFrame[]): Uint8Array {
  let text = ''
  for (const frame of frames) text += formatFrame(frame)
  return encoder.encode(text)
}

export function createSseStream(opts: SseOptions = {}): SseStream {
  const highWater = opts.highWaterBytes ?? 256 * 1024
  const stallMs = opts.stallMs ?? 30_000
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let closed = false
  let stallTimer: NodeJS.Timeout | undefined
  const roomListeners: (() => void)[] = []
  const closeListeners: (() => void)[] = []

  const finish = () => {
    if (closed) return
    closed = true
    clearInterval(ping)
    if (stallTimer) clearTimeout(stallTimer)
    for (const fn of closeListeners) fn()
  }

  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
      },
      pull() {
        if (stallTimer) clearTimeout(stallTimer)
        stallTimer = undefined
        for (const fn of roomListeners) fn()
      },
      cancel() {
        finish()
      },
    },
    { highWaterMark: highWater, size: (chunk) => chunk.byteLength },
  )

  const enqueue = (chunk: string | Uint8Array) => {
    if (closed) return
    controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
    if ((controller.desiredSize ?? 0) <= 0 && !stallTimer) {
      stallTimer = setTimeout(() => stream.abort('client too slow'), stallMs)
      stallTimer.unref()
    }
  }

  const ping = setInterval(() => {
    // A full buffer already has the stall timer running; a ping would only add to it.
    if ((controller.desiredSize ?? 0) > 0) enqueue(formatFrame({ event: 'ping', data: 'ping' }))
  }, opts.pingMs ?? 15_000)
  ping.unref()

  enqueue(`retry: ${opts.retryMs ?? 3000}\n: sortie event stream\n\n`)

  const stream: SseStream = {
    response: new Response(body, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      },
    }),
    send: (frame) => enqueue(formatFrame(frame)),
    write: (chunk) => enqueue(chunk),
    hasRoom: () => !closed && (controller.desiredSize ?? 0) > 0,
    onRoom: (fn) => void roomListeners.push(fn),
    onClose: (fn) => void closeListeners.push(fn),
    end() {
      if (closed) return
      controller.close()
      finish()
    },
    abort(reason) {
      if (closed) return
      controller.error(new Error(reason))
      finish()
    },
    get closed() {
      return closed
    },
  }
  return stream
}
