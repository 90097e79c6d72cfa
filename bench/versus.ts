/**
 * `npm run bench -- versus [--quick] [--rounds=N] [--quiet-load=L] [--quiet-wait-s=S]` (options
 * with `=`): Sortie's engine (same-work and HTTP modes, bench/engine.ts) against LangGraph.js's
 * baseline (createReactAgent with its Postgres and SQLite checkpointers, the shared
 * bench/langgraph directory) on this machine, at c = 50 and c = 1 with K = 5. Every run is a
 * fresh process; the runs are interleaved round by round, and each waits (boundedly) for a quiet
 * machine first, recording the load it started at. Writes the medians to
 * bench/results/versus.json and the section "Sortie versus LangGraph.js" of BENCHMARKS.md.
 *
 * The baseline's directory is shared and read-only: it is copied to .sortie/bench/langgraph
 * (git-ignored), where `npm ci` runs once. Its Postgres saver uses the local PostgreSQL cluster,
 * started with the baseline's own pg-setup.sh (and stopped again if it was down before).
 * `--quick` checks the whole path with small runs and writes to .sortie/bench/ only.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Result, Scenario } from './engine.ts'
import { machine, table, writeSection } from './report.ts'

const ROOT = resolve(import.meta.dirname, '..')
const WORK = join(ROOT, '.sortie', 'bench')
const LANGGRAPH = join(WORK, 'langgraph')
const K = 5
/** Sortie's HTTP mode before issue 19's work (steps/s, from the issue's measurement). */
const HTTP_BEFORE = { 50: 276, 1: 184 }

type System = 'sortie' | 'sortieHttp' | 'langgraphPostgres' | 'langgraphSqlite'

/** One run's figures, whichever system ran. */
interface Run {
  system: System
  c: number
  round: number
  loadAtStart: number
  /** Cores busy over the 3 s before the run started (the whole machine). */
  busyCoresAtStart: number
  stepsPerSecond: number
  /** The benchmark process's CPU per step (Sortie: API + engine + pg client; LangGraph: all). */
  processCpuMsPerStep: number
  /** Sortie only: its own Postgres server's CPU per step. */
  pgCpuMsPerStep?: number
  machineCpuMsPerStep: number | null
  commitsPerStep?: number
  rowsPerStep?: number
  latencyP50: number
  latencyP99: number
  peakRssMiB: number
}

/** The shared baseline: bench/langgraph in a `shared` directory beside the repository or above. */
function sharedBaseline(): string {
  if (process.env.LANGGRAPH_BENCH_DIR) return resolve(process.env.LANGGRAPH_BENCH_DIR)
  for (let dir = ROOT; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dirname(dir), 'shared', 'bench', 'langgraph')
    if (existsSync(join(candidate, 'bench.mjs'))) return candidate
  }
  throw new Error('no shared/bench/langgraph found above the repository; set LANGGRAPH_BENCH_DIR')
}

/** Copies the baseline (without results or node_modules) and installs it once. */
async function prepareBaseline(): Promise<void> {
  const source = sharedBaseline()
  await mkdir(LANGGRAPH, { recursive: true })
  await cp(source, LANGGRAPH, {
    recursive: true,
    filter: (src) => !/(^|\/)(node_modules|results)(\/|$)/.test(src.slice(source.length)),
  })
  const lock = await readFile(join(LANGGRAPH, 'package-lock.json'), 'utf8')
  const stamp = join(LANGGRAPH, 'node_modules', '.sortie-installed')
  if (!existsSync(stamp) || (await readFile(stamp, 'utf8')) !== lock) {
    console.error('versus: npm ci in .sortie/bench/langgraph (builds better-sqlite3, ~2 min)')
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: LANGGRAPH, stdio: 'inherit' })
    await writeFile(stamp, lock)
  }
}

function clusterRunning(): boolean {
  try {
    execFileSync('pg_ctlcluster', ['15', 'main', 'status'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Cores busy on the whole machine over the next `ms` (from /proc/stat). */
async function busyCores(ms: number): Promise<number> {
  const sample = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1)
    const n = f.map(Number)
    const idle = n[3]! + n[4]!
    return { busy: n.reduce((a, b) => a + b, 0) - idle, idle }
  }
  const a = sample()
  await new Promise((r) => setTimeout(r, ms))
  const b = sample()
  const total = b.busy - a.busy + (b.idle - a.idle)
  return total > 0 ? ((b.busy - a.busy) / total) * cpus().length : 0
}

/**
 * Waits, at most `maxSeconds`, for a quiet machine: a 1-minute load below `limit`, or (since the
 * load average still carries the previous run for a minute) under a quarter of a core busy over
 * 3 s. Returns the load average and busy cores it started at.
 */
async function quietMachine(limit: number, maxSeconds: number) {
  const until = Date.now() + maxSeconds * 1000
  for (;;) {
    const busy = await busyCores(3000)
    const load = loadavg()[0]!
    if (load < limit || busy < 0.25 || Date.now() >= until) return { load, busy }
    await new Promise((r) => setTimeout(r, 2000))
  }
}

function runProcess(cmd: string, args: string[], cwd: string, timeoutS: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolvePromise(out)
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))
    })
  })
}

async function runSortie(
  system: 'sortie' | 'sortieHttp',
  c: number,
  n: number,
  warmup: number,
): Promise<Omit<Run, 'round' | 'loadAtStart' | 'busyCoresAtStart'>> {
  const scenario: Scenario = {
    mode: system === 'sortie' ? 'same-work' : 'http',
    objectives: n,
    toolTurns: K,
    concurrency: c,
    warmup,
  }
  const out = await runProcess(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', 'engine-once.ts'), JSON.stringify(scenario)],
    ROOT,
    600,
  )
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as Result
  return {
    system,
    c,
    stepsPerSecond: r.stepsPerSecond,
    processCpuMsPerStep: r.nodeCpuMsPerStep,
    pgCpuMsPerStep: r.pgCpuMsPerStep,
    machineCpuMsPerStep: r.machineCpuMsPerStep,
    commitsPerStep: r.commitsPerStep,
    rowsPerStep: r.rowsPerStep,
    latencyP50: r.latencyP50,
    latencyP99: r.latencyP99,
    peakRssMiB: r.peakRssMiB,
  }
}

async function runLangGraph(
  saver: 'postgres' | 'sqlite',
  c: number,
  n: number,
  warmup: number,
): Promise<Omit<Run, 'round' | 'loadAtStart' | 'busyCoresAtStart'>> {
  const file = join(WORK, `langgraph-${saver}-c${c}.json`)
  await runProcess(
    process.execPath,
    [
      ...['bench.mjs', '--saver', saver, '--n', String(n), '--k', String(K), '--c', String(c)],
      ...['--warmup', String(warmup), '--out', file, '--quiet'],
    ],
    LANGGRAPH,
    600,
  )
  const r = JSON.parse(await readFile(file, 'utf8'))
  return {
    system: saver === 'postgres' ? 'langgraphPostgres' : 'langgraphSqlite',
    c,
    stepsPerSecond: r.steps_per_s,
    processCpuMsPerStep: r.cpu_ms_per_step,
    machineCpuMsPerStep:
      r.machine_cpu_busy_cores == null ? null : (r.machine_cpu_busy_cores * 1000) / r.steps_per_s,
    latencyP50: r.latency_ms.p50,
    latencyP99: r.latency_ms.p99,
    peakRssMiB: r.peak_rss_mb,
  }
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export async function run(): Promise<void> {
  const { values: opt } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      'quiet-load': { type: 'string', default: '1.2' },
      'quiet-wait-s': { type: 'string' },
    },
  })
  const quick = opt.quick!
  const rounds = Number(opt.rounds ?? (quick ? 1 : 3))
  const quietLoad = Number(opt['quiet-load'])
  const quietWait = Number(opt['quiet-wait-s'] ?? (quick ? 0 : 180))
  // N as the brief and the baseline's README set them (about 10-30 s a run); --quick: a check.
  const size = quick
    ? {
        warmup: 20,
        sortie: { 50: 60, 1: 10 },
        postgres: { 50: 60, 1: 10 },
        sqlite: { 50: 60, 1: 10 },
      }
    : {
        warmup: 200,
        sortie: { 50: 300, 1: 100 },
        postgres: { 50: 300, 1: 300 },
        sqlite: { 50: 800, 1: 800 },
      }

  await mkdir(WORK, { recursive: true })
  await prepareBaseline()
  const wasRunning = clusterRunning()
  execFileSync(join(LANGGRAPH, 'pg-setup.sh'), { cwd: LANGGRAPH, stdio: 'inherit' })
  const runs: Run[] = []
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const c of [50, 1] as const) {
        const plan: [
          System,
          () => Promise<Omit<Run, 'round' | 'loadAtStart' | 'busyCoresAtStart'>>,
        ][] = [
          ['sortie', () => runSortie('sortie', c, size.sortie[c], size.warmup)],
          ['langgraphPostgres', () => runLangGraph('postgres', c, size.postgres[c], size.warmup)],
          ['langgraphSqlite', () => runLangGraph('sqlite', c, size.sqlite[c], size.warmup)],
          ['sortieHttp', () => runSortie('sortieHttp', c, size.sortie[c], size.warmup)],
        ]
        for (const [system, go] of plan) {
          const quiet = await quietMachine(quietLoad, quietWait)
          const [loadAtStart, busyCoresAtStart] = [quiet.load, quiet.busy]
          console.error(
            `versus: round ${round}, c=${c}, ${system} (load ${loadAtStart.toFixed(2)}, busy cores ${busyCoresAtStart.toFixed(2)})`,
          )
          const r = { ...(await go()), round, loadAtStart, busyCoresAtStart }
          console.error(`versus: ${system} c=${c}: ${r.stepsPerSecond.toFixed(0)} steps/s`)
          runs.push(r)
        }
      }
    }
  } finally {
    if (!wasRunning) execFileSync('pg_ctlcluster', ['15', 'main', 'stop'], { stdio: 'inherit' })
  }
  await report(runs, { rounds, quick, warmup: size.warmup, quietLoad, quietWait })
}

function summary(runs: Run[], c: number) {
  const of = (system: System) => runs.filter((r) => r.system === system && r.c === c)
  const steps = (system: System) => median(of(system).map((r) => r.stepsPerSecond))
  const sortie = steps('sortie')
  const langgraphPostgres = steps('langgraphPostgres')
  const langgraphSqlite = steps('langgraphSqlite')
  return {
    sortie,
    sortieHttp: steps('sortieHttp'),
    langgraphPostgres,
    langgraphSqlite,
    ratioPostgres: sortie / langgraphPostgres,
    ratioSqlite: sortie / langgraphSqlite,
    machineCpuMsPerStep: median(of('sortie').map((r) => r.machineCpuMsPerStep ?? NaN)),
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100

async function report(
  runs: Run[],
  settings: {
    rounds: number
    quick: boolean
    warmup: number
    quietLoad: number
    quietWait: number
  },
): Promise<void> {
  const { rounds, quick } = settings
  const date = new Date().toISOString()
  const command = `npm run bench -- versus${quick ? ' --quick' : ''}`
  const json = {
    date,
    machine: machine(),
    command,
    rounds,
    c50: summary(runs, 50),
    c1: summary(runs, 1),
    runs,
  }
  const rounded = JSON.parse(
    JSON.stringify(json, (_, v) => (typeof v === 'number' ? round2(v) : v)),
  ) as typeof json
  const dir = quick ? WORK : join(ROOT, 'bench', 'results')
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'versus.json'), JSON.stringify(rounded, null, 2) + '\n')
  const names: Record<System, string> = {
    sortie: 'Sortie, same work (in-process model and tool)',
    sortieHttp: 'Sortie, HTTP (fake provider and tool over HTTP)',
    langgraphPostgres: 'LangGraph.js + PostgresSaver',
    langgraphSqlite: 'LangGraph.js + SqliteSaver',
  }
  const cell = (values: number[], digits: number) => {
    const v = values.filter((x) => Number.isFinite(x))
    if (!v.length) return '–'
    const [lo, hi] = [Math.min(...v), Math.max(...v)]
    const m = median(v).toFixed(digits)
    return v.length === 1 ? m : `${m} (${lo.toFixed(digits)}–${hi.toFixed(digits)})`
  }
  const rows = [50, 1].flatMap((c) =>
    (Object.keys(names) as System[]).map((system) => {
      const of = runs.filter((r) => r.system === system && r.c === c)
      const pick = (f: (r: Run) => number | null | undefined) => of.map((r) => f(r) ?? NaN)
      return [
        c,
        names[system],
        cell(
          pick((r) => r.stepsPerSecond),
          0,
        ),
        cell(
          pick((r) => r.processCpuMsPerStep),
          2,
        ),
        cell(
          pick((r) => r.pgCpuMsPerStep),
          2,
        ),
        cell(
          pick((r) => r.machineCpuMsPerStep),
          2,
        ),
        cell(
          pick((r) => r.commitsPerStep),
          2,
        ),
        cell(
          pick((r) => r.rowsPerStep),
          2,
        ),
        cell(
          pick((r) => r.latencyP50),
          0,
        ),
        cell(
          pick((r) => r.latencyP99),
          0,
        ),
        cell(
          pick((r) => r.peakRssMiB),
          0,
        ),
        cell(
          pick((r) => r.loadAtStart),
          2,
        ),
        cell(
          pick((r) => r.busyCoresAtStart),
          2,
        ),
      ]
    }),
  )
  const s50 = json.c50
  const s1 = json.c1
  const check = (ok: boolean) => (ok ? 'met' : 'missed')
  const body = [
    `Command: \`${command}\` · machine: ${machine()} · ${date.slice(0, 16).replace('T', ' ')} UTC · ${rounds} interleaved round(s), medians (min–max)`,
    '',
    `The same workload on both sides: N objectives of K = 5 tool turns (2K + 1 = 11 steps), a fake model that answers at once, and a real \`add\` tool. Sortie's same-work mode runs an AI SDK mock model and the \`add\` tool in-process (bench/same-work.ts) through the real engine and API on an embedded Postgres with durable commits; its HTTP mode talks to a fake OpenAI server and an HTTP tool in a child process. LangGraph.js 1.7.3 runs \`createReactAgent\` with PostgresSaver (local PostgreSQL 15, stock settings) or SqliteSaver, durability \`async\` (every checkpoint written before \`invoke()\` returns), from the shared baseline (bench/langgraph there, installed under .sortie/bench/langgraph). Each run is a fresh process with ${settings.warmup} warm-up objectives; before each the command waits (at most ${settings.quietWait} s) for a quiet machine (a 1-minute load below ${settings.quietLoad}, or under a quarter of a core busy over 3 s, since the load average still carries the previous run) and records the load and busy cores it started at.`,
    '',
    "Process CPU: the benchmark process (Sortie: API, engine, AI SDK, pg client; LangGraph: everything in its process). pg CPU: Sortie's own Postgres server. Machine CPU: every busy core of the machine per step (LangGraph: `machine_cpu_busy_cores` / steps/s). Latency: per objective (Sortie: first model call to last commit; LangGraph: `invoke()`). Commits: transactions committed in Sortie's database (read-only ones included); rows: tuples written to its tables.",
    '',
    table(
      [
        'c',
        'system',
        'steps/s',
        'process CPU ms/step',
        'pg CPU ms/step',
        'machine CPU ms/step',
        'commits/step',
        'rows/step',
        'latency p50 ms',
        'latency p99 ms',
        'peak RSS MiB',
        'load at start',
        'busy cores at start',
      ],
      rows,
    ),
    '',
    table(
      ['target (issue 19)', 'figure', 'result'],
      [
        ['c=50 ≥ 1,000 steps/s', s50.sortie.toFixed(0), check(s50.sortie >= 1000)],
        [
          'c=50 ≥ 2.3 × LangGraph+PG',
          s50.ratioPostgres.toFixed(2),
          check(s50.ratioPostgres >= 2.3),
        ],
        [
          'c=50 ≥ 1.1 × LangGraph+SQLite',
          s50.ratioSqlite.toFixed(2),
          check(s50.ratioSqlite >= 1.1),
        ],
        [
          'c=50 machine CPU ≤ 2.0 ms/step',
          s50.machineCpuMsPerStep.toFixed(2),
          check(s50.machineCpuMsPerStep <= 2),
        ],
        ['c=1 ≥ LangGraph+PG', s1.ratioPostgres.toFixed(2), check(s1.ratioPostgres >= 1)],
        [
          `HTTP mode c=50 ≥ 1.5 × ${HTTP_BEFORE[50]} (before)`,
          s50.sortieHttp.toFixed(0),
          check(s50.sortieHttp >= 1.5 * HTTP_BEFORE[50]),
        ],
      ],
    ),
    '',
    'Medians as JSON: bench/results/versus.json.',
  ].join('\n')
  if (quick) {
    await writeFile(join(WORK, 'versus.md'), body + '\n')
    console.log(body)
  } else {
    await writeSection('Sortie versus LangGraph.js', body)
  }
}
