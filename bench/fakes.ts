/**
 * The benchmark's provider and tool backend, run in a child process so the engine's CPU is
 * measured alone. Answers K tool turns then "done"; records, per objective, the gap between
 * answering one model request and receiving the next. Control over HTTP on the tool port:
 * `GET /stats` returns the sorted gaps, `POST /reset` clears them.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startFakeProvider, type FakeRequest } from '../test/support/fake-provider.ts'

const toolTurns = Number(process.env.BENCH_TOOL_TURNS ?? 5)
const delayMs = Number(process.env.BENCH_PROVIDER_DELAY_MS ?? 0) || undefined
const lastAnswer = new Map<string, number>()
let gaps: number[] = []

function objectiveKey(req: FakeRequest): string {
  const first = req.body?.messages?.find((m: any) => m.role === 'user')
  const text = typeof first?.content === 'string' ? first.content : JSON.stringify(first?.content)
  return /#(\d+)/.exec(text ?? '')?.[1] ?? '?'
}

const fake = await startFakeProvider('openai')
fake.setResponder((req) => {
  fake.requests.length = 0 // keep no history: the bench sends many thousands of requests
  const key = objectiveKey(req)
  const now = performance.now()
  const prev = lastAnswer.get(key)
  if (prev !== undefined) gaps.push(now - prev)
  lastAnswer.set(key, now + (delayMs ?? 0))
  const results = (req.body?.messages ?? []).filter((m: any) => m.role === 'tool').length
  if (results < toolTurns) {
    return {
      toolCalls: [{ name: 'lookup', arguments: {} }],
      usage: { input: 100, output: 10 },
      delayMs,
    }
  }
  return { text: 'done', usage: { input: 100, output: 5 }, delayMs }
})

const tools = createServer((req, res) => {
  if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({
        gaps: [...gaps].sort((a, b) => a - b),
        peakInFlight: fake.peakInFlight(),
      }),
    )
    return
  }
  if (req.url === '/reset') {
    gaps = []
    lastAnswer.clear()
    res.end('{}')
    return
  }
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end('{"ok":true,"value":42}')
})
tools.keepAliveTimeout = 60_000
await new Promise<void>((r) => tools.listen(0, '127.0.0.1', r))
process.stdout.write(
  JSON.stringify({
    providerUrl: fake.baseUrl,
    toolUrl: `http://127.0.0.1:${(tools.address() as AddressInfo).port}`,
  }) + '\n',
)
process.on('SIGTERM', () => process.exit(0))
