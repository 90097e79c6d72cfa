/**
 * Engine benchmark: N objectives × K tool turns through the real engine (in-process worker) on an
 * embedded Postgres with durable commits (fsync and synchronous_commit at their defaults). A step
 * is one LLM turn or one tool execution, so an objective with K tool turns takes 2K + 1 steps.
 * Two modes: `http` (a zero-latency fake OpenAI server and a local HTTP tool in a child process:
 * the real wire path) and `same-work` (an in-process AI SDK mock model and an in-process `add`
 * tool, bench/same-work.ts: the work LangGraph.js's baseline does per step, to compare with it).
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { spawn } from 'node:child_process'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { createSortie, type Sortie } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'
import { createLogger } from '../src/lib/logger.ts'
import { freePort } from '../test/support/database.ts'
import { createModelCaller } from '../src/providers/index.ts'
import { machine, percentile, table, writeSection } from './report.ts'
import { ADD_TOOL, ADD_TOOL_BASE_URL, inProcessModel, inProcessToolFetch } from './same-work.ts'

export interface Scenario {
  /** `http` (default): fake provider and tool over HTTP; `same-work`: both in-process. */
  mode?: 'http' | 'same-work'
  /** Untimed objectives run first (V8 optimises for about the first 150). */
  warmup?: number
  objectives: number
  toolTurns: number
  concurrency: number
  providerDelayMs?: number
  /** The lookup tool over HTTP (default) or over MCP (the same answer, an MCP tool set). */
  tool?: 'http' | 'mcp'
}

export interface Result extends Scenario {
  steps: number
  seconds: number
  stepsPerSecond: number
  nodeCpuMsPerStep: number
  /** Busy CPU of the whole machine (/proc/stat, everything running on it) per step. */
  machineCpuMsPerStep: number
  /** Load average (1 min) when the timed run started. */
  loadAtStart: number
  commitsPerStep: number
  /** Objective latency from its first model call to its last commit. */
  latencyP50: number
  latencyP99: number
  /** The kernel's share of nodeCpuMsPerStep (socket writes and reads, mostly). */
  nodeSysMsPerStep: number
  pgCpuMsPerStep: number
  gapP50: number
  gapP99: number
  rowsPerStep: number
  walBytesPerStep: number
  peakRssMiB: number
  peakInFlight: number
}

/**
 * CPU time (ms) of this run's Postgres server (its postmaster `serverPid` and that one's
 * children; other servers on the machine are not counted), from /proc, by process title.
 */
function postgresCpuByKind(serverPid: number): Map<string, number> {
  const tick = 1000 / 100
  const byKind = new Map<string, number>()
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      if (!stat.includes('(postgres)')) continue
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // fields[1] is the parent's pid
      if (Number(pid) !== serverPid && Number(fields[1]) !== serverPid) continue
      // "postgres: walwriter", "postgres: postgres bench_x [local] idle": the kind of process
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
      const kind = / \[local\]| 127\.0\.0\.1/.test(title)
        ? 'backend'
        : (title.match(/^postgres: ([a-z ]+?)(?: |$)/)?.[1] ?? 'postmaster')
      // utime + stime; the postmaster adds its ended children's (cutime + cstime), so a backend
      // that exits between two readings keeps counting and a difference is never negative.
      const own = Number(fields[11]) + Number(fields[12])
      const reaped = Number(pid) === serverPid ? Number(fields[13]) + Number(fields[14]) : 0
      byKind.set(kind, (byKind.get(kind) ?? 0) + (own + reaped) * tick)
    } catch {
      // the process ended while we looked
    }
  }
  return byKind
}

const sum = (byKind: Map<string, number>) => [...byKind.values()].reduce((a, b) => a + b, 0)

/** Busy jiffies of the whole machine (every core), as ms. */
function machineBusyMs(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1)
  const [user, nice, system, , , irq, softirq, steal] = cpu.map(Number)
  return (user! + nice! + system! + irq! + softirq! + steal!) * (1000 / 100)
}

/** The postmaster's pid of a server whose data directory is `dataDir`. */
function serverPidOf(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
}

// BENCH_PG_STATEMENTS=1 prints, per scenario, the statements Postgres ran per step with their
// execution and planning time (pg_stat_statements) and Postgres' CPU by process kind, to see
// where the database's share of a step goes.
const PROFILE_STATEMENTS = process.env.BENCH_PG_STATEMENTS === '1'

/** Starts bench/fakes.ts in a child process; resolves with its URLs once it listens. */
export async function startFakes(toolTurns: number, providerDelayMs = 0) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fakes.ts')],
    {
      env: {
        ...process.env,
        BENCH_TOOL_TURNS: String(toolTurns),
        BENCH_PROVIDER_DELAY_MS: String(providerDelayMs),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const line: string = await new Promise((resolve, reject) => {
    let buf = ''
    child.stdout.on('data', (d) => {
      buf += d
      if (buf.includes('\n')) resolve(buf.split('\n')[0]!)
    })
    child.on('exit', (code) => reject(new Error(`bench fakes exited with ${code}`)))
  })
  const urls = JSON.parse(line) as { providerUrl: string; toolUrl: string; mcpUrl: string }
  return {
    ...urls,
    stats: async () =>
      (await (await fetch(`${urls.toolUrl}/stats`)).json()) as {
        gaps: number[]
        peakInFlight: number
        firstCalls: Record<string, number>
      },
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

/** The fake provider and tool of a scenario: a child process (`http`) or this process. */
async function backendsOf(s: Scenario) {
  if (s.mode === 'same-work') {
    const inProcess = inProcessModel(s.toolTurns)
    return {
      env: { OPENAI_API_KEY: 'unused' },
      // The engine's own caller (semaphore, retries, abort), with the mock as its language model.
      callModel: createModelCaller({
        maxConcurrentPerProvider: Math.max(64, s.concurrency),
        languageModel: () => inProcess.model,
      }),
      fetch: inProcessToolFetch(),
      adapter: { http: { baseUrl: ADD_TOOL_BASE_URL } },
      tool: ADD_TOOL,
      firstCalls: () => new Map([...inProcess.firstCall].map(([k, t]) => [k, epochOf(t)])),
      stats: async () => ({ gaps: [] as number[], peakInFlight: 0 }),
      stop: async () => {},
    }
  }
  const fakes = await startFakes(s.toolTurns, s.providerDelayMs)
  let stats: Awaited<ReturnType<typeof fakes.stats>> | undefined
  return {
    env: { OPENAI_BASE_URL: fakes.providerUrl, OPENAI_API_KEY: 'fake' },
    callModel: undefined,
    fetch: undefined,
    // An MCP tool set lists `lookup` from the server when created; an HTTP one gets it declared.
    adapter:
      s.tool === 'mcp' ? { mcp: { url: fakes.mcpUrl } } : { http: { baseUrl: fakes.toolUrl } },
    tool:
      s.tool === 'mcp'
        ? undefined
        : {
            metadata: { name: 'lookup' },
            spec: {
              description: 'Looks a value up',
              parameters: { type: 'object', properties: {} },
              config: { http: { requestMethod: 'GET', path: '/value' } },
            },
          },
    firstCalls: () => new Map(Object.entries(stats?.firstCalls ?? {})),
    stats: async () => (stats = await fakes.stats()),
    stop: () => fakes.stop(),
  }
}

const epochOf = (performanceNow: number) => performance.timeOrigin + performanceNow

/** Creates `count` objectives numbered from `first` ("#i" keys the fakes' per-objective data). */
async function createObjectives(
  sortie: Sortie,
  token: string,
  agentId: string,
  first: number,
  count: number,
) {
  const creates: Promise<unknown>[] = []
  for (let i = first; i < first + count; i++) {
    creates.push(
      api(sortie, token, 'POST', '/v1/objectives', {
        agentId,
        data: { initialMessage: `bench objective #${i}` },
        metadata: {},
      }),
    )
    if (creates.length >= 50) await Promise.all(creates.splice(0))
  }
  await Promise.all(creates)
}

/** Waits until `total` objectives have left PENDING and RUNNING. */
async function settled(db: Sortie['deps']['db'], total: number): Promise<void> {
  for (;;) {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM objectives WHERE state NOT IN ('PENDING', 'RUNNING')`.execute(
      db,
    )
    if (rows[0]!.n >= total) return
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Transactions committed and user-table rows written in this database so far. */
async function writeCounters(db: Sortie['deps']['db']) {
  const { rows } = await sql<{ commits: string; rows: string; lsn: string }>`
    SELECT (SELECT xact_commit FROM pg_stat_database
             WHERE datname = current_database())::text AS commits,
           (SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables)::text AS rows,
           pg_current_wal_lsn()::text AS lsn`.execute(db)
  return { commits: Number(rows[0]!.commits), rows: Number(rows[0]!.rows), lsn: rows[0]!.lsn }
}

export async function runScenario(
  server: { url: string; pid: number },
  s: Scenario,
): Promise<Result> {
  const backends = await backendsOf(s)
  const dbName = `bench_${randomBytes(4).toString('hex')}`
  const admin = new URL(server.url)
  const pg = await import('pg')
  const client = new pg.default.Client({ connectionString: server.url })
  await client.connect()
  await client.query(`CREATE DATABASE ${dbName}`)
  await client.end()
  admin.pathname = `/${dbName}`
  const token = `sk_bench_${randomBytes(12).toString('hex')}`
  const env = backends.env
  const config = loadConfig({
    DATABASE_URL: admin.toString(),
    SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-bench-')),
    SORTIE_BOOTSTRAP_TOKEN: token,
    SORTIE_RATE_LIMIT_RPS: '0',
    SORTIE_SECRET_KEY: randomBytes(32).toString('hex'),
    SORTIE_WORKER_CONCURRENCY: String(s.concurrency),
    SORTIE_PROVIDER_CONCURRENCY: String(Math.max(64, s.concurrency)),
    SORTIE_DB_POOL_SIZE: '40',
    LOG_LEVEL: 'warn',
  })
  // The memory scenario creates every objective before any worker runs, so that all of them wait
  // on the provider at once; the throughput scenarios run the worker while objectives arrive.
  const parked = !!s.providerDelayMs
  const logger = createLogger('warn', false)
  const overrides = {
    logger,
    env,
    ...(backends.callModel ? { callModel: backends.callModel } : {}),
    ...(backends.fetch ? { fetch: backends.fetch } : {}),
  }
  let sortie = await createSortie(config, { ...overrides, worker: !parked })
  const agent = await api(sortie, token, 'POST', '/v1/agents', {
    metadata: { name: 'bench' },
    spec: { status: 'AGENT_STATUS_PUBLISHED' },
    defaultVariation: {
      metadata: { name: 'v' },
      spec: {
        prompt: 'Call the tool when asked.',
        modelConfig: { modelId: 'openai/gpt-4.1-mini' },
      },
    },
  })
  const toolSet = await api(sortie, token, 'POST', '/v1/tool_sets', {
    metadata: { name: 'bench-tools' },
    spec: { adapter: backends.adapter },
  })
  if (backends.tool) {
    await api(sortie, token, 'POST', `/v1/tool_sets/${toolSet.metadata.id}/tools`, backends.tool)
  } else if (toolSet.info.toolCount !== 1) {
    throw new Error(`the MCP tool set synced ${toolSet.info.toolCount} tools, not 1`)
  }
  const variations = await api(sortie, token, 'GET', `/v1/agents/${agent.metadata.id}/variations`)
  await api(
    sortie,
    token,
    'POST',
    `/v1/agent_variations/${variations.items[0].metadata.id}/assignments`,
    {
      toolSetId: toolSet.metadata.id,
    },
  )

  let db = sortie.deps.db
  // Warm-up objectives are numbered after the timed ones, so "#i" keys stay apart.
  const warmup = parked ? 0 : (s.warmup ?? 0)
  if (warmup) {
    await createObjectives(sortie, token, agent.metadata.id, s.objectives, warmup)
    await settled(db, warmup)
  }
  if (PROFILE_STATEMENTS) {
    await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`.execute(db)
    await sql`SELECT pg_stat_statements_reset()`.execute(db)
  }
  await new Promise((r) => setTimeout(r, 1100)) // statistics are flushed at most once a second
  const before = await writeCounters(db)
  const loadAtStart = loadavg()[0]!
  let peakRss = process.memoryUsage().rss
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100)
  const cpu0 = process.cpuUsage()
  const pgKinds0 = postgresCpuByKind(server.pid)
  const machine0 = machineBusyMs()
  const t0 = performance.now()
  await createObjectives(sortie, token, agent.metadata.id, 0, s.objectives)
  if (parked) {
    await sortie.stop()
    sortie = await createSortie(config, { ...overrides, worker: true, bootstrap: false })
    db = sortie.deps.db
  }
  await settled(db, warmup + s.objectives)
  const seconds = (performance.now() - t0) / 1000
  clearInterval(sampler)
  const cpu = process.cpuUsage(cpu0)
  const machineMs = machineBusyMs() - machine0
  const pgKinds = postgresCpuByKind(server.pid)
  const pgCpu = sum(pgKinds) - sum(pgKinds0)
  await new Promise((r) => setTimeout(r, 1200)) // statistics are flushed at most once a second
  const after = await writeCounters(db)
  const { rows: checks } = await sql<{ wal: string; failed: number }>`
    SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), ${before.lsn}::pg_lsn)::text AS wal,
           (SELECT count(*)::int FROM objectives WHERE state <> 'WAITING') AS failed`.execute(db)
  if (checks[0]!.failed > 0)
    throw new Error(`${checks[0]!.failed} objectives did not reach WAITING`)
  const steps = s.objectives * (2 * s.toolTurns + 1)
  if (PROFILE_STATEMENTS) {
    await printStatements(db, steps)
    // A step's update of its objective row is cheap only in place (HOT): no indexed column changes.
    const { rows: hot } = await sql<{ relname: string; upd: string; hot: string }>`
      SELECT relname, n_tup_upd::text AS upd, n_tup_hot_upd::text AS hot FROM pg_stat_user_tables
       WHERE n_tup_upd > 0 ORDER BY n_tup_upd DESC`.execute(db)
    for (const r of hot)
      console.error(`updates of ${r.relname}: ${r.upd}, in place (HOT): ${r.hot}`)
    for (const [kind, ms] of pgKinds)
      console.error(
        `pg CPU ${kind}: ${((ms - (pgKinds0.get(kind) ?? 0)) / steps).toFixed(3)} ms/step`,
      )
  }
  const { gaps, peakInFlight } = await backends.stats()
  const latencies = await latenciesOf(db, backends.firstCalls(), s.objectives)
  await sortie.stop()
  await backends.stop()
  await rm(config.dataDir, { recursive: true, force: true })
  return {
    ...s,
    steps,
    seconds,
    stepsPerSecond: steps / seconds,
    nodeCpuMsPerStep: (cpu.user + cpu.system) / 1000 / steps,
    nodeSysMsPerStep: cpu.system / 1000 / steps,
    pgCpuMsPerStep: pgCpu / steps,
    machineCpuMsPerStep: machineMs / steps,
    loadAtStart,
    commitsPerStep: (after.commits - before.commits) / steps,
    gapP50: percentile(gaps, 50),
    gapP99: percentile(gaps, 99),
    latencyP50: percentile(latencies, 50),
    latencyP99: percentile(latencies, 99),
    rowsPerStep: (after.rows - before.rows) / steps,
    walBytesPerStep: Number(checks[0]!.wal) / steps,
    peakRssMiB: peakRss / 2 ** 20,
    peakInFlight,
  }
}

/**
 * Per timed objective: from its first model call (recorded by the fake model, epoch ms) to its
 * last commit (`updated_at`), sorted. Like the baseline's `invoke()` latency it leaves out the
 * time an objective waited for a free worker slot.
 */
async function latenciesOf(
  db: Sortie['deps']['db'],
  firstCalls: Map<string, number>,
  objectives: number,
): Promise<number[]> {
  const { rows } = await sql<{ key: string; done: number }>`
    SELECT substring(data->>'initialMessage' from '#([0-9]+)') AS key,
           extract(epoch from updated_at) * 1000 AS done
    FROM objectives`.execute(db)
  return rows
    .filter((r) => Number(r.key) < objectives && firstCalls.has(r.key))
    .map((r) => Number(r.done) - firstCalls.get(r.key)!)
    .sort((a, b) => a - b)
}

/** The statements of this database by total execution time, per step, to stderr. */
async function printStatements(db: Sortie['deps']['db'], steps: number) {
  const { rows } = await sql<{ calls: string; ms: number; plan: number; query: string }>`
    SELECT calls::text, total_exec_time AS ms, total_plan_time AS plan, query FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
     ORDER BY total_exec_time DESC LIMIT 30`.execute(db)
  let calls = 0
  let ms = 0
  let plan = 0
  for (const r of rows) {
    calls += Number(r.calls)
    ms += r.ms
    plan += r.plan
    const q = r.query.replace(/\s+/g, ' ').slice(0, 160)
    console.error(
      `${(Number(r.calls) / steps).toFixed(2).padStart(6)} calls/step ${(r.ms / steps).toFixed(3).padStart(7)} ms/step ${(r.plan / steps).toFixed(3).padStart(7)} plan ms/step  ${q}`,
    )
  }
  console.error(
    `top 30: ${(calls / steps).toFixed(2)} calls/step, ${(ms / steps).toFixed(3)} ms/step executing, ${(plan / steps).toFixed(3)} ms/step planning`,
  )
}

// Warm-up: 200 objectives at K = 5, 20 at K = 50 (about as many steps).
const SCENARIOS: Scenario[] = [
  { objectives: 100, toolTurns: 5, concurrency: 1, warmup: 200 },
  { objectives: 300, toolTurns: 5, concurrency: 50, warmup: 200 },
  { objectives: 1000, toolTurns: 5, concurrency: 500, warmup: 200 },
  { objectives: 10, toolTurns: 50, concurrency: 1, warmup: 20 },
  { objectives: 100, toolTurns: 50, concurrency: 50, warmup: 20 },
  { objectives: 500, toolTurns: 50, concurrency: 500, warmup: 20 },
  // Memory: every objective waits on a slow provider at the same time.
  { objectives: 10_000, toolTurns: 0, concurrency: 10_000, providerDelayMs: 2000 },
  // The same tool over MCP (compare with scenarios 1, 2 and 5).
  { objectives: 100, toolTurns: 5, concurrency: 1, tool: 'mcp', warmup: 200 },
  { objectives: 300, toolTurns: 5, concurrency: 50, tool: 'mcp', warmup: 200 },
  { objectives: 100, toolTurns: 50, concurrency: 50, tool: 'mcp', warmup: 20 },
  // Same work as LangGraph.js's baseline: in-process model and `add` tool (bench/same-work.ts).
  { mode: 'same-work', objectives: 100, toolTurns: 5, concurrency: 1, warmup: 200 },
  { mode: 'same-work', objectives: 300, toolTurns: 5, concurrency: 50, warmup: 200 },
]

/** An embedded Postgres for a benchmark run, with its postmaster's pid (for its CPU). */
export async function startBenchPostgres() {
  const dir = await mkdtemp(join(tmpdir(), 'sortie-bench-pg-'))
  const pg = await startEmbeddedPostgres({
    dir,
    port: await freePort(),
    persistent: false,
    settings: PROFILE_STATEMENTS
      ? {
          shared_preload_libraries: 'pg_stat_statements',
          'pg_stat_statements.track_planning': 'on',
        }
      : undefined,
  })
  return {
    url: pg.url,
    pid: serverPidOf(join(dir, 'data')),
    stop: async () => {
      await pg.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** One scenario on a Postgres of its own (`npm run bench -- versus` runs each in a fresh process). */
export async function runOnce(s: Scenario): Promise<Result> {
  const server = await startBenchPostgres()
  try {
    return await runScenario(server, s)
  } finally {
    await server.stop()
  }
}

export async function run(): Promise<void> {
  const only = process.env.BENCH_ENGINE_SCENARIOS // e.g. "1,2" to run a subset while iterating
  const mode = process.env.BENCH_ENGINE_MODE // "same-work" or "http": that mode's scenarios only
  const server = await startBenchPostgres()
  const results: Result[] = []
  try {
    for (const [i, s] of SCENARIOS.entries()) {
      if (only && !only.split(',').includes(String(i + 1))) continue
      if (mode && (s.mode ?? 'http') !== mode) continue
      const r = await runScenario(server, s)
      console.log(JSON.stringify(r))
      results.push(r)
    }
  } finally {
    await server.stop()
  }
  const throughput = results.filter((r) => !r.providerDelayMs && r.tool !== 'mcp')
  const waiting = results.filter((r) => r.providerDelayMs)
  const mcp = results.filter((r) => r.tool === 'mcp')
  // A run of only MCP scenarios leaves the HTTP figures as they were.
  if (throughput.length || waiting.length) await writeThroughput(throughput, waiting)
  if (mcp.length) await writeMcpSection(mcp, throughput)
}

async function writeThroughput(throughput: Result[], waiting: Result[]): Promise<void> {
  const rows = throughput.map((r) => [
    r.mode ?? 'http',
    r.concurrency,
    r.toolTurns,
    r.objectives,
    r.steps,
    r.stepsPerSecond.toFixed(0),
    r.nodeCpuMsPerStep.toFixed(3),
    r.pgCpuMsPerStep.toFixed(3),
    r.machineCpuMsPerStep.toFixed(3),
    r.latencyP50.toFixed(1),
    r.latencyP99.toFixed(1),
    r.mode === 'same-work' ? '–' : r.gapP50.toFixed(1),
    r.mode === 'same-work' ? '–' : r.gapP99.toFixed(1),
    r.commitsPerStep.toFixed(2),
    r.rowsPerStep.toFixed(2),
    r.walBytesPerStep.toFixed(0),
    r.peakRssMiB.toFixed(0),
  ])
  await writeSection(
    'Engine throughput',
    [
      `Command: \`npm run bench -- engine\` · machine: ${machine()} · ${new Date().toISOString().slice(0, 10)}`,
      '',
      'Embedded Postgres with durable commits. Mode `http`: a zero-latency fake OpenAI server (real',
      'HTTP, real AI SDK client) and an HTTP tool, both in a child process so that "node CPU" is the',
      'Sortie process alone (API, engine, AI SDK, pg client). Mode `same-work`: an in-process AI SDK',
      "mock model and an in-process `add` tool (bench/same-work.ts), the work LangGraph.js's baseline",
      'does per step (see "Sortie versus LangGraph.js"). A step is one LLM turn or one tool',
      'execution. Each scenario first runs its warm-up objectives, untimed. "pg CPU" counts this',
      `run's own Postgres processes; "machine CPU" every busy core of the machine (others' work`,
      'included). Latency: an objective\'s first model call to its last commit. "Turn gap" (http) is',
      'the time from the fake provider answering a turn to the next provider request of the same',
      "objective: it spans the assistant-turn commit, the tool's HTTP round trip and its commit.",
      'Commits = transactions committed (pg_stat_database), rows = tuples inserted, updated or deleted',
      '(pg_stat_user_tables), WAL = bytes of write-ahead log, all per step. On a shared 2-core VM the',
      'CPU figures vary by about 20 % from run to run: compare changes with interleaved runs.',
      '',
      table(
        [
          'mode',
          'concurrency',
          'K',
          'objectives',
          'steps',
          'steps/s',
          'node CPU ms/step',
          'pg CPU ms/step',
          'machine CPU ms/step',
          'latency p50 ms',
          'latency p99 ms',
          'turn gap p50 ms',
          'turn gap p99 ms',
          'commits/step',
          'rows/step',
          'WAL bytes/step',
          'peak RSS MiB',
        ],
        rows,
      ),
      '',
      'Objectives all created first, then one worker process runs them against a provider that',
      'answers after a fixed latency (worker and provider concurrency = objectives); peak RSS of the',
      'Sortie process (sampled every 100 ms) while they wait:',
      '',
      table(
        ['objectives', 'provider latency ms', 'peak requests in flight', 'wall s', 'peak RSS MiB'],
        waiting.map((r) => [
          r.objectives,
          r.providerDelayMs ?? 0,
          r.peakInFlight,
          r.seconds.toFixed(1),
          r.peakRssMiB.toFixed(0),
        ]),
      ),
    ].join('\n'),
  )
}

/** MCP scenarios beside the HTTP scenarios of the same shape, when both ran. */
async function writeMcpSection(mcp: Result[], http: Result[]): Promise<void> {
  const same = (a: Result, b: Result) =>
    a.objectives === b.objectives && a.toolTurns === b.toolTurns && a.concurrency === b.concurrency
  const rows = mcp.flatMap((m) => {
    const h = http.find((x) => same(x, m))
    return [...(h ? [h] : []), m].map((r) => [
      r.tool ?? 'http',
      r.concurrency,
      r.toolTurns,
      r.objectives,
      r.stepsPerSecond.toFixed(0),
      r.nodeCpuMsPerStep.toFixed(3),
      r.pgCpuMsPerStep.toFixed(3),
      r.gapP50.toFixed(1),
      r.gapP99.toFixed(1),
    ])
  })
  await writeSection(
    'Engine throughput: MCP tools beside HTTP tools',
    [
      `Command: \`npm run bench -- engine\` (scenarios 8 to 10 are MCP; \`BENCH_ENGINE_SCENARIOS=1,2,5,8,9,10\` runs the pairs) · machine: ${machine()} · ${new Date().toISOString().slice(0, 10)}`,
      '',
      'The same scenario with the lookup tool served over MCP (an MCP tool set on a server built',
      "with the official SDK, Streamable HTTP, in the fakes' child process) instead of plain HTTP.",
      'Each worker keeps one MCP session for the tool set, so a call is one JSON-RPC POST on it.',
      'The rows come from one run: compare them with each other rather than with another section.',
      '',
      table(
        [
          'tool',
          'concurrency',
          'K',
          'objectives',
          'steps/s',
          'node CPU ms/step',
          'pg CPU ms/step',
          'turn gap p50 ms',
          'turn gap p99 ms',
        ],
        rows,
      ),
    ].join('\n'),
  )
}
