/**
 * Observability benchmark: what tracing and scraping cost the engine. The same workload (N
 * objectives × K tool turns through the in-process worker, a zero-latency fake OpenAI server and
 * an HTTP tool in a child process, as in bench/engine.ts) runs in three modes: off (no OTLP
 * endpoint: no SDK, no span), OTel export on (to an OTLP/HTTP receiver in another child process),
 * and off with GET /metrics scraped every second. Modes are interleaved round by round so that
 * the shared machine's drift falls on all of them; each run has its own database and Sortie.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { createSortie, type Sortie } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'
import { createLogger } from '../src/lib/logger.ts'
import { freePort } from '../test/support/database.ts'
import { startFakes } from './engine.ts'
import { machine, table, writeSection } from './report.ts'

type Mode = 'off' | 'otel' | 'scrape'

const OBJECTIVES = Number(process.env.BENCH_OBS_OBJECTIVES ?? 200)
const TOOL_TURNS = Number(process.env.BENCH_OBS_TOOL_TURNS ?? 5)
const CONCURRENCY = Number(process.env.BENCH_OBS_CONCURRENCY ?? 50)
const ROUNDS = Number(process.env.BENCH_OBS_ROUNDS ?? 3)
const METRICS_TOKEN = 'bench-metrics-token'

interface RunResult {
  mode: Mode
  stepsPerSecond: number
  nodeCpuMsPerStep: number
  spans: number
  scrapes: number
}

/** Starts bench/otlp-sink.ts in a child process. */
async function startSink() {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'otlp-sink.ts')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const line: string = await new Promise((resolve, reject) => {
    let buf = ''
    child.stdout.on('data', (d) => {
      buf += d
      if (buf.includes('\n')) resolve(buf.split('\n')[0]!)
    })
    child.on('exit', (code) => reject(new Error(`otlp sink exited with ${code}`)))
  })
  const { url } = JSON.parse(line) as { url: string }
  return {
    url,
    spans: async () => ((await (await fetch(`${url}/stats`)).json()) as { spans: number }).spans,
    stop: () => {
      child.kill('SIGTERM')
      return new Promise((r) => child.once('exit', r))
    },
  }
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

async function runOnce(adminUrl: string, mode: Mode, sinkUrl: string): Promise<RunResult> {
  const fakes = await startFakes(TOOL_TURNS)
  const dbName = `bench_obs_${randomBytes(4).toString('hex')}`
  const pg = await import('pg')
  const client = new pg.default.Client({ connectionString: adminUrl })
  await client.connect()
  await client.query(`CREATE DATABASE ${dbName}`)
  await client.end()
  const url = new URL(adminUrl)
  url.pathname = `/${dbName}`
  const token = `sk_bench_${randomBytes(12).toString('hex')}`
  const env = { OPENAI_BASE_URL: fakes.providerUrl, OPENAI_API_KEY: 'fake' }
  const config = loadConfig({
    DATABASE_URL: url.toString(),
    SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-bench-')),
    SORTIE_BOOTSTRAP_TOKEN: token,
    SORTIE_RATE_LIMIT_RPS: '0',
    SORTIE_SECRET_KEY: randomBytes(32).toString('hex'),
    SORTIE_WORKER_CONCURRENCY: String(CONCURRENCY),
    SORTIE_PROVIDER_CONCURRENCY: String(Math.max(64, CONCURRENCY)),
    SORTIE_DB_POOL_SIZE: '40',
    SORTIE_METRICS_TOKEN: METRICS_TOKEN,
    LOG_LEVEL: 'warn',
    ...(mode === 'otel' ? { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl } : {}),
  })
  const sortie = await createSortie(config, {
    logger: createLogger('warn', false),
    env,
    worker: true,
  })
  const agent = await api(sortie, token, 'POST', '/v1/agents', {
    metadata: { name: 'bench' },
    spec: { status: 'AGENT_STATUS_PUBLISHED' },
    defaultVariation: {
      metadata: { name: 'v' },
      spec: { prompt: 'Call lookup when asked.', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
    },
  })
  const toolSet = await api(sortie, token, 'POST', '/v1/tool_sets', {
    metadata: { name: 'bench-tools' },
    spec: { adapter: { http: { baseUrl: fakes.toolUrl } } },
  })
  await api(sortie, token, 'POST', `/v1/tool_sets/${toolSet.metadata.id}/tools`, {
    metadata: { name: 'lookup' },
    spec: {
      description: 'Looks a value up',
      parameters: { type: 'object', properties: {} },
      config: { http: { requestMethod: 'GET', path: '/value' } },
    },
  })
  const variations = await api(sortie, token, 'GET', `/v1/agents/${agent.metadata.id}/variations`)
  await api(
    sortie,
    token,
    'POST',
    `/v1/agent_variations/${variations.items[0].metadata.id}/assignments`,
    { toolSetId: toolSet.metadata.id },
  )

  let scrapes = 0
  const scraper =
    mode === 'scrape'
      ? setInterval(() => {
          void Promise.resolve(
            sortie.http.app.request('/metrics', {
              headers: { authorization: `Bearer ${METRICS_TOKEN}` },
            }),
          ).then(async (res) => {
            await res.text()
            if (res.status === 200) scrapes++
          })
        }, 1000)
      : undefined
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const creates: Promise<unknown>[] = []
  for (let i = 0; i < OBJECTIVES; i++) {
    creates.push(
      api(sortie, token, 'POST', '/v1/objectives', {
        agentId: agent.metadata.id,
        data: { initialMessage: `bench objective #${i}` },
        metadata: {},
      }),
    )
    if (creates.length >= 50) await Promise.all(creates.splice(0))
  }
  await Promise.all(creates)
  for (;;) {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM objectives WHERE state NOT IN ('PENDING', 'RUNNING')`.execute(
      sortie.deps.db,
    )
    if (rows[0]!.n >= OBJECTIVES) break
    await new Promise((r) => setTimeout(r, 50))
  }
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  if (scraper) clearInterval(scraper)
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM objectives WHERE state <> 'WAITING'`.execute(sortie.deps.db)
  if (rows[0]!.n > 0) throw new Error(`${rows[0]!.n} objectives did not reach WAITING`)
  // Stopping exports the spans still buffered.
  await sortie.stop()
  await fakes.stop()
  await rm(config.dataDir, { recursive: true, force: true })
  const steps = OBJECTIVES * (2 * TOOL_TURNS + 1)
  return {
    mode,
    stepsPerSecond: steps / seconds,
    nodeCpuMsPerStep: (cpu.user + cpu.system) / 1000 / steps,
    spans: 0,
    scrapes,
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sortie-bench-pg-'))
  const pg = await startEmbeddedPostgres({ dir, port: await freePort(), persistent: false })
  const sink = await startSink()
  const load = loadavg()[0]!
  const results: RunResult[] = []
  try {
    // A discarded first run: the process's first objectives pay for loading and JIT compiling
    // the code, which would count against whichever mode ran first.
    await runOnce(pg.url, 'off', sink.url)
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order each round so that no mode always runs first (or last) in a round.
      const modes: Mode[] = ['off', 'otel', 'scrape']
      for (let i = 0; i < round % 3; i++) modes.push(modes.shift()!)
      for (const mode of modes) {
        const spansBefore = await sink.spans()
        const r = await runOnce(pg.url, mode, sink.url)
        r.spans = (await sink.spans()) - spansBefore
        console.log(JSON.stringify({ round: round + 1, ...r }))
        results.push(r)
      }
    }
  } finally {
    await sink.stop()
    await pg.stop()
    await rm(dir, { recursive: true, force: true })
  }
  const of = (mode: Mode) => results.filter((r) => r.mode === mode)
  const off = median(of('off').map((r) => r.stepsPerSecond))
  const offCpu = median(of('off').map((r) => r.nodeCpuMsPerStep))
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`
  // The widest gap between two runs of one mode: what the machine's noise was during this run.
  const spread = Math.max(
    ...(['off', 'otel', 'scrape'] as Mode[]).map((mode) => {
      const sps = of(mode).map((r) => r.stepsPerSecond)
      return sps.length ? (Math.max(...sps) - Math.min(...sps)) / Math.min(...sps) : 0
    }),
  )
  const rows = (['off', 'otel', 'scrape'] as Mode[]).map((mode) => {
    const runs = of(mode)
    const sps = median(runs.map((r) => r.stepsPerSecond))
    const cpu = median(runs.map((r) => r.nodeCpuMsPerStep))
    return [
      { off: 'off', otel: 'OTel export on', scrape: '/metrics scraped every 1 s' }[mode],
      runs.map((r) => r.stepsPerSecond.toFixed(0)).join(', '),
      sps.toFixed(0),
      mode === 'off' ? '-' : pct((off - sps) / off),
      cpu.toFixed(3),
      mode === 'off' ? '-' : pct((cpu - offCpu) / offCpu),
      mode === 'otel' ? median(runs.map((r) => r.spans)).toFixed(0) : '-',
      mode === 'scrape' ? median(runs.map((r) => r.scrapes)).toFixed(0) : '-',
    ]
  })
  const expectedSpans = OBJECTIVES * (1 + (TOOL_TURNS + 1) + TOOL_TURNS)
  await writeSection(
    'Observability overhead',
    [
      `Command: \`npm run bench -- observability\` (BENCH_OBS_OBJECTIVES=${OBJECTIVES}, BENCH_OBS_TOOL_TURNS=${TOOL_TURNS}, BENCH_OBS_CONCURRENCY=${CONCURRENCY}, BENCH_OBS_ROUNDS=${ROUNDS}) · machine: ${machine()} · ${new Date().toISOString().slice(0, 10)}`,
      '',
      `${OBJECTIVES} objectives × ${TOOL_TURNS} tool turns (${OBJECTIVES * (2 * TOOL_TURNS + 1)} steps) at worker concurrency ${CONCURRENCY}, the engine`,
      'workload of bench/engine.ts, after one discarded warm-up run, in three modes interleaved round by round, each run on its own',
      'database: tracing off (no OTLP endpoint: the SDK is not loaded and no span is made), OTel',
      'export on (BatchSpanProcessor, OTLP/HTTP JSON to a receiver in a child process), and tracing',
      'off with GET /metrics scraped in-process every second (the database gauges are read at each',
      `scrape). Each objective exports 1 + (K + 1) + K spans (its turn, its model calls, its tool calls): ${expectedSpans} per run here.`,
      'Slowdown compares medians of steps/s with "off" (negative: faster); "CPU vs off" compares the',
      "medians of the Sortie process's CPU time per step, which waits on the rest of the machine less",
      'than wall time does. The machine is a shared 2-core VM on which other work ran at the same',
      `time (1-minute load average ${load.toFixed(1)} at the start): runs of one mode differed by up to ${(spread * 100).toFixed(0)} %`,
      'in steps/s, so differences in steps/s smaller than that are not resolved by these figures.',
      '',
      table(
        [
          'mode',
          'steps/s per run',
          'median steps/s',
          'slowdown',
          'node CPU ms/step',
          'CPU vs off',
          'spans exported',
          'scrapes',
        ],
        rows,
      ),
    ].join('\n'),
  )
}
