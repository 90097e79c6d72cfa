/**
 * An incremental text/event-stream parser (the WHATWG rules the console needs: `id`, `event`,
 * `data` over several lines, `retry`, comments, CRLF or LF line ends). Chunks may split anywhere.
 */
export interface SseFrame {
  id?: string
  event: string
  data: string
  retry?: number
}

export function parseSse(onFrame: (frame: SseFrame) => void): { push(chunk: string): void } {
  let buffer = ''
  let data: string[] = []
  let event = ''
  let id: string | undefined
  let retry: number | undefined
  const dispatch = () => {
    if (data.length || retry !== undefined) {
      onFrame({ id, event: event || 'message', data: data.join('\n'), retry })
    }
    data = []
    event = ''
    id = undefined
    retry = undefined
  }
  const line = (l: string) => {
    if (l === '') return dispatch()
    if (l.startsWith(':')) return
    const colon = l.indexOf(':')
    const field = colon < 0 ? l : l.slice(0, colon)
    let value = colon < 0 ? '' : l.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') data.push(value)
    else if (field === 'event') event = value
    else if (field === 'id' && !value.includes('\0')) id = value
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value)
  }
  return {
    push(chunk: string) {
      buffer += chunk
      for (;;) {
        const m = /\r\n|\r|\n/.exec(buffer)
        if (!m) break
        // A lone CR at the very end may be the first half of CRLF: wait for the next chunk.
        if (m[0] === '\r' && m.index === buffer.length - 1) break
        line(buffer.slice(0, m.index))
        buffer = buffer.slice(m.index + m[0].length)
      }
    },
  }
}
