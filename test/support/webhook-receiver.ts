import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders
  body: string
  /** The answer: an HTTP status, or 'hang' (no answer until the receiver closes). */
  answer: number | 'hang'
  /** Date.now() when the request was complete. */
  at: number
}

/** How the receiver answers a request: `n` counts requests from 0. */
export type Respond = (request: {
  n: number
  body: string
  headers: IncomingHttpHeaders
}) => number | 'hang'

export interface WebhookReceiver {
  url: string
  port: number
  received: ReceivedWebhook[]
  /** Parsed bodies of the requests answered with a 2xx, in the order they came. */
  acknowledged(): any[]
  /** Change how the receiver answers from now on. */
  setRespond(respond: Respond): void
  close(): Promise<void>
}

/** A webhook receiver on 127.0.0.1 recording every request (headers, body, answer). */
export async function startWebhookReceiver(
  respond: Respond = () => 200,
  port = 0,
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = []
  const hanging = new Set<ServerResponse>()
  let answer = respond
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const a = answer({ n: received.length, body, headers: req.headers })
      received.push({ headers: req.headers, body, answer: a, at: Date.now() })
      if (a === 'hang') {
        hanging.add(res)
        res.on('close', () => hanging.delete(res))
        return
      }
      res.writeHead(a, { 'content-type': 'text/plain', 'x-receiver': 'test' })
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const bound = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${bound}/hooks`,
    port: bound,
    received,
    acknowledged: () =>
      received
        .filter((r) => typeof r.answer === 'number' && r.answer >= 200 && r.answer < 300)
        .map((r) => JSON.parse(r.body)),
    setRespond: (next) => (answer = next),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
