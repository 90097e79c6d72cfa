/**
 * The observability benchmark's OTLP/HTTP receiver, in a child process so that receiving spans
 * costs the measured Sortie process nothing: it answers every export 200 and counts the spans
 * (JSON encoding). Prints `{"url": ...}` once listening; `GET /stats` returns `{"spans": n}`.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

let spans = 0
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ spans }))
    return
  }
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans?: any[] }
    for (const rs of body.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? []) spans += (ss.spans ?? []).length
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
  })
})
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
