/**
 * The benchmark's provider and tool backends (an HTTP tool, and the same tool on an MCP server
 * built with the official SDK, Streamable HTTP), run in a child process so the engine's CPU is
 * measured alone. Answers K tool turns then "done"; records, per objective, the gap between
 * answering one model request and receiving the next. Control over HTTP on the tool port:
 * `GET /stats` returns the sorted gaps, `POST /reset` clears them.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startFakeProvider, type FakeRequest } from '../test/support/fake-provider.ts'
import { startMcpServer } from '../test/support/mcp-server.ts'

const toolTurns = Number(process.env.BENCH_TOOL_TURNS ?? 5)
const delayMs = Number(process.env.BENCH_PROVIDER_DELAY_MS ?? 0) || undefined
const lastAnswer = new Map<string, number>()
/** Epoch ms of each objective's first model request, for its latency. */
const firstCalls = new Map<string, number>()
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
  if (results === 0 && !firstCalls.has(key)) firstCalls.set(key, Date.now())
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
        firstCalls: Object.fromEntries(firstCalls),
      }),
    )
    return
  }
  if (req.url === '/reset') {
    gaps = []
    lastAnswer.clear()
    firstCalls.clear()
    res.end('{}')
    return
  }
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end('{"ok":true,"value":42}')
})
tools.keepAliveTimeout = 60_000
await new Promise<void>((r) => tools.listen(0, '127.0.0.1', r))
const mcp = await startMcpServer([
  {
    name: 'lookup',
    description: 'Looks a value up',
    run: async () => ({ content: [{ type: 'text', text: '{"ok":true,"value":42}' }] }),
  },
])
// The MCP server records every call for tests; the bench keeps no history.
setInterval(() => (mcp.calls.length = 0), 1000).unref()
process.stdout.write(
  JSON.stringify({
    providerUrl: fake.baseUrl,
    mcpUrl: mcp.url,
    toolUrl: `http://127.0.0.1:${(tools.address() as AddressInfo).port}`,
  }) + '\n',
)
process.on('SIGTERM', () => process.exit(0))
