/**
 * The HTTP tool backend of the reliability parts, on 127.0.0.1: `GET /lookup/<id>` answers
 * `{"id", "found": true}` after a delay, like an idempotent API: the first request with an
 * `Idempotency-Key` executes the call, a later one with the same key gets the same answer without
 * executing it again. Every request is recorded with its arrival time, key and fate.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ToolRequest {
  id: string
  /** The Idempotency-Key header ('' when missing). */
  key: string
  /** Date.now() at arrival. */
  at: number
  /** True when the client went away before the answer. */
  aborted: boolean
  /** Date.now() when it was answered or abandoned (0 while in flight). */
  endedAt: number
}

export interface ToolBackend {
  baseUrl: string
  requests: ToolRequest[]
  /** Executions per Idempotency-Key (a repeated key is answered, not executed). */
  executions: Map<string, number>
  close(): Promise<void>
}

export async function startToolBackend(delayMs: (id: string) => number): Promise<ToolBackend> {
  const requests: ToolRequest[] = []
  const executions = new Map<string, number>()
  const server = createServer((req, res) => {
    const id = decodeURIComponent((req.url ?? '').split('/').pop()?.split('?')[0] ?? '')
    const key = String(req.headers['idempotency-key'] ?? '')
    const record: ToolRequest = { id, key, at: Date.now(), aborted: false, endedAt: 0 }
    requests.push(record)
    const timer = setTimeout(() => {
      if (key && !executions.has(key)) executions.set(key, 1)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id, found: true }))
    }, delayMs(id))
    res.on('close', () => {
      clearTimeout(timer)
      record.endedAt = Date.now()
      record.aborted = !res.writableFinished
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    executions,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
