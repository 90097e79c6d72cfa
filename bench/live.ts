/**
 * Live benchmark: (1) 1,000 SSE subscribers on running objectives: delivery latency of each event
 * (client receive time minus the event's createdAt, i.e. its transaction's start) and the server's
 * RSS; (2) webhook dispatch throughput to a local receiver. The server (API + worker + dispatcher)
 * runs in this process; the SSE clients run in a child process so their CPU is not the server's.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { createSortie, type Sortie } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'
import { createLogger } from '../src/lib/logger.ts'
import { freePort } from '../test/support/database.ts'
import { startFakeProvider } from '../test/support/fake-provider.ts'
import { machine, percentile, table, writeSection } from './report.ts'

const SUBSCRIBERS = Number(process.env.BENCH_LIVE_SUBSCRIBERS ?? 1000)
const OBJECTIVES = Number(process.env.BENCH_LIVE_OBJECTIVES ?? 100)
const TOOL_TURNS = 20
const PROVIDER_DELAY_MS = 1000
const WEBHOOK_OBJECTIVES = 200
/** Stream requests in flight before their response (the SSE clients' connect waves). */
const MAX_CONNECTING = 64

/** Child role: opens the streams, prints latencies (ms) as JSON when every stream ended. */
async function runClients(): Promise<void> {
  const { url, token, ids } = JSON.parse(process.env.BENCH_LIVE_ARGS!) as {
    url: string
    token: string
    ids: string[]
  }
  const latencies: number[] = []
  const errors = new Map<string, number>()
  const count = (what: string) => errors.set(what, (errors.get(what) ?? 0) + 1)
  let opened = 0
  let frames = 0
  const began = Date.now()
  let allOpenAfter = NaN
  // Connects in waves: a thousand SYNs at once overflow the listen backlog, and the retransmits
  // that follow would measure the kernel's timers rather than the server.
  let connecting = 0
  const waiting: (() => void)[] = []
  const slot = () =>
    connecting < MAX_CONNECTING
      ? (connecting++, Promise.resolve())
      : new Promise<void>((r) => waiting.push(r))
  const release = () => {
    const next = waiting.shift()
    if (next) next()
    else connecting--
  }
  /** Like an SDK client: a dropped stream reconnects with Last-Event-ID (at most 5 times). */
  const follow = (id: string) =>
    new Promise<void>((resolve) => {
      let lastEventId = ''
      let tries = 0
      let first = true
      // Live events only: from one second after this stream first opened (its history and its
      // connection's start-up excluded).
      let liveFrom = Infinity
      const retry = (why: string) => {
        count(why)
        if (++tries > 5) return resolve()
        setTimeout(() => void connect(), 100 * tries)
      }
      const connect = async () => {
        await slot()
        let held = true
        const done = () => {
          if (held) release()
          held = false
        }
        const req = request(`${url}/v1/objectives/${id}/events:stream`, {
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'text/event-stream',
            ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
          },
          agent: false,
        })
        req.on('response', (res) => {
          done()
          if (res.statusCode !== 200) {
            res.resume()
            return retry(`HTTP ${res.statusCode}`)
          }
          if (first) {
            liveFrom = Date.now() + 1000
            if (++opened === SUBSCRIBERS) allOpenAfter = Date.now() - began
          }
          first = false
          let buffer = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            const now = Date.now()
            buffer += chunk
            let end: number
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const frame = buffer.slice(0, end)
              buffer = buffer.slice(end + 2)
              const data = frame.split('\n').find((l) => l.startsWith('data: {'))
              if (!data) continue
              const event = JSON.parse(data.slice(6))
              lastEventId = event.metadata.id
              frames++
              const created = Date.parse(event.metadata.createdAt)
              if (created >= liveFrom) latencies.push(now - created)
            }
          })
          res.on('end', resolve)
          res.on('error', (err) => retry(`stream ${err.message}`))
        })
        req.on('error', (err) => {
          done()
          retry(`connect ${err.message}`)
        })
        req.end()
      }
      void connect()
    })
  await Promise.all(Array.from({ length: SUBSCRIBERS }, (_, i) => follow(ids[i % ids.length]!)))
  process.stderr.write(
    `${opened} streams open after ${allOpenAfter} ms; ${frames} frames, ${latencies.length} live\n`,
  )
  if (errors.size) process.stderr.write(`stream errors (retried): ${JSON.stringify([...errors])}\n`)
  if (opened < SUBSCRIBERS)
    process.stderr.write(`only ${opened} of ${SUBSCRIBERS} streams opened\n`)
  process.stdout.write(JSON.stringify(latencies) + '\n')
}

async function api(sortie: Sortie, token: string, method: string, path: string, body?: unknown) {
  const res = await sortie.http.app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json: any = await res.json()
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

async function setup(pgUrl: string) {
  const fake = await startFakeProvider('openai')
  fake.setResponder((req) => {
    fake.requests.length = 0
    const results = (req.body?.messages ?? []).filter((m: any) => m.role === 'tool').length
    const slow = JSON.stringify(req.body?.messages?.[1] ?? '').includes('slow')
    const delayMs = slow ? PROVIDER_DELAY_MS : 0
    const turns = slow ? TOOL_TURNS : 5
    if (results < turns) return { toolCalls: [{ name: 'lookup', arguments: {} }], delayMs }
    return { text: 'done', delayMs }
  })
  const tool = createServer((_, res) => res.end('{"ok":true}'))
  await new Promise<void>((r) => tool.listen(0, '127.0.0.1', r))
  const token = `sk_bench_${randomBytes(12).toString('hex')}`
  const env = { OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: 'fake' }
  const config = loadConfig({
    DATABASE_URL: pgUrl,
    SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-bench-')),
    SORTIE_BOOTSTRAP_TOKEN: token,
    SORTIE_RATE_LIMIT_RPS: '0',
    SORTIE_SECRET_KEY: randomBytes(32).toString('hex'),
    SORTIE_WORKER_CONCURRENCY: '500',
    SORTIE_DB_POOL_SIZE: '40',
    SORTIE_ALLOW_PRIVATE_WEBHOOKS: '1',
    SORTIE_WEBHOOK_CONCURRENCY: '128',
    LOG_LEVEL: 'warn',
  })
  const sortie = await createSortie(config, {
    logger: createLogger('warn', false),
    env,
    worker: true,
  })
  const port = await freePort()
  await sortie.listen('127.0.0.1', port)
  const agent = await api(sortie, token, 'POST', '/v1/agents', {
    metadata: { name: 'live' },
    spec: { status: 'AGENT_STATUS_PUBLISHED' },
    defaultVariation: {
      metadata: { name: 'v' },
      spec: { prompt: 'Call lookup.', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
    },
  })
  const set = await api(sortie, token, 'POST', '/v1/tool_sets', {
    metadata: { name: 'tools' },
    spec: {
      adapter: { http: { baseUrl: `http://127.0.0.1:${(tool.address() as AddressInfo).port}` } },
    },
  })
  await api(sortie, token, 'POST', `/v1/tool_sets/${set.metadata.id}/tools`, {
    metadata: { name: 'lookup' },
    spec: {
      description: 'Looks up',
      parameters: { type: 'object', properties: {} },
      config: { http: { requestMethod: 'GET', path: '/v' } },
    },
  })
  const vars = await api(sortie, token, 'GET', `/v1/agents/${agent.metadata.id}/variations`)
  await api(
    sortie,
    token,
    'POST',
    `/v1/agent_variations/${vars.items[0].metadata.id}/assignments`,
    {
      toolSetId: set.metadata.id,
    },
  )
  const stop = async () => {
    await sortie.stop()
    await fake.close()
    tool.close()
    await rm(config.dataDir, { recursive: true, force: true })
  }
  return { sortie, token, port, agentId: agent.metadata.id as string, stop }
}

async function createObjectives(s: Awaited<ReturnType<typeof setup>>, n: number, text: string) {
  const ids: string[] = []
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, () =>
      api(s.sortie, s.token, 'POST', '/v1/objectives', {
        agentId: s.agentId,
        data: { initialMessage: text },
      }),
    )
    for (const o of await Promise.all(batch)) ids.push(o.metadata.id)
  }
  return ids
}

async function sseScenario(s: Awaited<ReturnType<typeof setup>>) {
  const rssBefore = process.memoryUsage().rss
  const ids = await createObjectives(s, OBJECTIVES, 'slow objective')
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename], {
    env: {
      ...process.env,
      BENCH_LIVE_ROLE: 'clients',
      BENCH_LIVE_ARGS: JSON.stringify({ url: `http://127.0.0.1:${s.port}`, token: s.token, ids }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let peakRss = rssBefore
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100)
  const lines: string[] = await new Promise((resolve) => {
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('exit', () => resolve(out.trim().split('\n')))
  })
  clearInterval(sampler)
  const latencies = (JSON.parse(lines.at(-1)!) as number[]).sort((a, b) => a - b)
  return {
    subscribers: SUBSCRIBERS,
    objectives: OBJECTIVES,
    frames: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    rssBeforeMiB: rssBefore / 2 ** 20,
    peakRssMiB: peakRss / 2 ** 20,
  }
}

async function webhookScenario(s: Awaited<ReturnType<typeof setup>>) {
  let received = 0
  const receiver = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      received++
      res.end('ok')
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  await api(s.sortie, s.token, 'PATCH', `/v1/agents/${s.agentId}`, {
    spec: { webhookEventsUrl: url },
    updateMask: 'spec.webhookEventsUrl',
  })
  const t0 = performance.now()
  await createObjectives(s, WEBHOOK_OBJECTIVES, 'fast objective')
  const db = s.sortie.deps.db
  let total = 0
  for (;;) {
    const { rows } = await sql<{ pending: number; total: number }>`
      SELECT count(*) FILTER (WHERE status = 'PENDING')::int AS pending, count(*)::int AS total
      FROM webhook_deliveries`.execute(db)
    const running = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM objectives WHERE state IN ('PENDING', 'RUNNING')`.execute(db)
    total = rows[0]!.total
    if (rows[0]!.pending === 0 && running.rows[0]!.n === 0) break
    await new Promise((r) => setTimeout(r, 50))
  }
  const seconds = (performance.now() - t0) / 1000
  receiver.close()
  return { deliveries: total, received, seconds, perSecond: total / seconds }
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sortie-bench-pg-'))
  const pg = await startEmbeddedPostgres({ dir, port: await freePort(), persistent: false })
  try {
    const s = await setup(pg.url)
    const sse = await sseScenario(s)
    console.log(JSON.stringify(sse))
    const hooks = await webhookScenario(s)
    console.log(JSON.stringify(hooks))
    await s.stop()
    await writeSection(
      'live',
      [
        '`npm run bench -- live` (bench/live.ts). Server (API + worker + webhook dispatcher) in one',
        'process on an embedded Postgres; SSE clients in a child process on the same machine.',
        `Machine: ${machine()}.`,
        '',
        `SSE: ${sse.subscribers} subscribers spread over ${sse.objectives} running objectives`,
        `(${TOOL_TURNS} tool turns each, ${PROVIDER_DELAY_MS} ms per model answer). Latency = client`,
        "receive time minus the event's createdAt (its step transaction's start), live events only",
        '(created from one second after their stream opened). Clients connect 64 at a time and',
        'reconnect with Last-Event-ID when dropped, as the SDK does.',
        '',
        table(
          ['subscribers', 'frames', 'p50 ms', 'p99 ms', 'max ms', 'RSS before MiB', 'peak RSS MiB'],
          [
            [
              sse.subscribers,
              sse.frames,
              sse.p50.toFixed(0),
              sse.p99.toFixed(0),
              sse.max.toFixed(0),
              sse.rssBeforeMiB.toFixed(0),
              sse.peakRssMiB.toFixed(0),
            ],
          ],
        ),
        '',
        `Webhooks: ${WEBHOOK_OBJECTIVES} objectives × 5 tool turns (zero-latency model), every event`,
        'delivered to a local receiver (signed, in order per objective); time from the first create',
        'to the last delivery completed, engine running meanwhile.',
        '',
        table(
          ['deliveries', 'received', 'seconds', 'deliveries/s'],
          [
            [
              hooks.deliveries,
              hooks.received,
              hooks.seconds.toFixed(1),
              hooks.perSecond.toFixed(0),
            ],
          ],
        ),
      ].join('\n'),
    )
  } finally {
    await pg.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.env.BENCH_LIVE_ROLE === 'clients') {
  await runClients()
  process.exit(0)
}
