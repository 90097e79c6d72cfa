/**
 * Scheduler benchmark: 10,000 active schedules firing every minute, on an embedded Postgres with
 * durable commits, with no engine running (objectives stay PENDING: this measures the fires).
 * The clock is injected and runs at real speed from an offset, so a round starts a second and a
 * half before a minute boundary instead of waiting for one. Delay = time from a fire time to the
 * commit of its objective (measured on the injected clock); CPU per fire = this process' CPU
 * (scheduler, pg client) and Postgres' CPU over a round, divided by its fires.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { createSortie, type Sortie } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'
import { createLogger } from '../src/lib/logger.ts'
import { Scheduler } from '../src/modules/schedules/index.ts'
import { freePort } from '../test/support/database.ts'
import { machine, percentile, table, writeSection } from './report.ts'

const SCHEDULES = Number(process.env.BENCH_SCHEDULES ?? 10_000)
const MINUTE = 60_000

interface Scenario {
  name: string
  /** Every schedule fires at :00 (a burst), or at second i % 60 of each minute (spread). */
  aligned: boolean
  processes: number
  rounds: number
}

interface Result extends Scenario {
  fires: number
  expected: number
  doubled: number
  skipped: number
  nodeCpuMsPerFire: number
  pgCpuMsPerFire: number
  delayP50: number
  delayP99: number
  delayMax: number
  roundSeconds: number
}

const SCENARIOS: Scenario[] = [
  { name: 'burst, 1 process', aligned: true, processes: 1, rounds: 3 },
  { name: 'spread over the minute, 1 process', aligned: false, processes: 1, rounds: 1 },
  { name: 'burst, 2 schedulers', aligned: true, processes: 2, rounds: 2 },
]

/** CPU time (ms) of every postgres process on the machine, from /proc. */
function postgresCpuMs(): number {
  let total = 0
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      if (!stat.includes('(postgres)')) continue
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      total += (Number(fields[11]) + Number(fields[12])) * 10
    } catch {
      // the process ended while we looked
    }
  }
  return total
}

const nodeCpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** A clock running at real speed from an adjustable offset, or stopped. */
const clock = {
  offset: 0,
  stoppedAt: undefined as number | undefined,
  now: () => new Date(clock.stoppedAt ?? Date.now() + clock.offset),
  /** Moves the clock so that it now reads `ms`, running on from there. */
  jumpTo: (ms: number) => {
    clock.stoppedAt = undefined
    clock.offset = ms - Date.now()
  },
  stopAt: (ms: number) => (clock.stoppedAt = ms),
}

async function api(sortie: Sortie, token: string, method: string, path: string, body: unknown) {
  const res = await sortie.http.app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const json: any = await res.json()
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

async function runScenario(adminUrl: string, s: Scenario): Promise<Result> {
  const dbName = `bench_${randomBytes(4).toString('hex')}`
  const url = new URL(adminUrl)
  const pg = await import('pg')
  const client = new pg.default.Client({ connectionString: adminUrl })
  await client.connect()
  await client.query(`CREATE DATABASE ${dbName}`)
  await client.end()
  url.pathname = `/${dbName}`
  const token = `sk_bench_${randomBytes(12).toString('hex')}`
  const env = { OPENAI_API_KEY: 'unused' }
  const secret = randomBytes(32).toString('hex')
  const logger = createLogger('warn', false)
  const start = async (bootstrap: boolean) =>
    createSortie(
      loadConfig({
        DATABASE_URL: url.toString(),
        SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-bench-')),
        SORTIE_BOOTSTRAP_TOKEN: token,
        SORTIE_SECRET_KEY: secret,
        // The bench creates its schedules as fast as it can; the API's rate limit is not measured.
        SORTIE_RATE_LIMIT_RPS: '0',
        LOG_LEVEL: 'warn',
      }),
      { logger, env, clock, bootstrap, scheduler: false },
    )
  const sorties = [await start(true)]
  for (let i = 1; i < s.processes; i++) sorties.push(await start(false))
  const api0 = (method: string, path: string, body: unknown) =>
    api(sorties[0]!, token, method, path, body)

  // While schedules are created the clock stands still just after a minute boundary: a burst's
  // first fire time is the next boundary, a spread one's fire over the minute that follows.
  const base = Math.floor(Date.now() / MINUTE) * MINUTE + MINUTE
  const createdAt = base + (s.aligned ? 5000 : 500)
  clock.stopAt(createdAt)
  const agent = await api0('POST', '/v1/agents', {
    metadata: { name: 'bench' },
    defaultVariation: {
      metadata: { name: 'v' },
      spec: { prompt: 'Report.', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
    },
  })
  let created = 0
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (created < SCHEDULES) {
        const i = created++
        await api0('POST', `/v1/agents/${agent.metadata.id}/schedules`, {
          spec: {
            initialMessage: `report ${i}`,
            schedule: {
              intervals: [{ every: '60s', ...(s.aligned ? {} : { offset: `${i % 60}s` }) }],
              timezone: 'UTC',
            },
            overlapPolicy: 'OVERLAP_POLICY_ALLOW',
          },
        })
      }
    }),
  )

  const delays: number[] = []
  const schedulers = sorties.map(
    (sortie) =>
      new Scheduler({
        deps: sortie.deps,
        pollMs: 1000,
        concurrency: 4,
        onFire: (o) => {
          if (o.objectiveId) delays.push(clock.now().getTime() - o.fireAt.getTime())
        },
      }),
  )
  const db = sorties[0]!.deps.db
  const countFires = async () => {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM agent_schedule_fires`.execute(db)
    return rows[0]!.n
  }

  const cpu0 = { node: nodeCpuMs(), pg: postgresCpuMs() }
  const began = Date.now()
  let expected = 0
  for (let round = 1; round <= s.rounds; round++) {
    // Bursts: a second and a half before the round's fire time. Spread: from just before the
    // first fire time, through the minute.
    clock.jumpTo(s.aligned ? base + round * MINUTE - 1500 : createdAt + (round - 1) * MINUTE)
    if (round === 1) for (const sch of schedulers) sch.start()
    expected += SCHEDULES
    const deadline = Date.now() + 10 * MINUTE
    while ((await countFires()) < expected && Date.now() < deadline) await sleep(100)
  }
  const roundSeconds = (Date.now() - began) / 1000 / s.rounds
  const cpu1 = { node: nodeCpuMs(), pg: postgresCpuMs() }
  await Promise.all(schedulers.map((sch) => sch.stop()))

  const fires = await countFires()
  const { rows: objectiveRows } = await sql<{ n: number; distinct_fires: number }>`
    SELECT count(*)::int AS n,
      count(DISTINCT (f.schedule_id, f.fire_at))::int AS distinct_fires
    FROM objectives o JOIN agent_schedule_fires f ON f.objective_id = o.id`.execute(db)
  const { rows: skipRows } = await sql<{ n: number }>`
    SELECT coalesce(sum(total_skips), 0)::int AS n FROM agent_schedules`.execute(db)
  for (const sortie of sorties.reverse()) await sortie.stop()
  const sorted = delays.sort((a, b) => a - b)
  return {
    ...s,
    fires,
    expected,
    doubled: objectiveRows[0]!.n - objectiveRows[0]!.distinct_fires,
    skipped: skipRows[0]!.n,
    nodeCpuMsPerFire: (cpu1.node - cpu0.node) / fires,
    pgCpuMsPerFire: (cpu1.pg - cpu0.pg) / fires,
    delayP50: percentile(sorted, 50),
    delayP99: percentile(sorted, 99),
    delayMax: sorted.at(-1) ?? NaN,
    roundSeconds,
  }
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sortie-bench-pg-'))
  const pg = await startEmbeddedPostgres({ dir, port: await freePort(), persistent: false })
  const results: Result[] = []
  try {
    for (const s of SCENARIOS) {
      const r = await runScenario(pg.url, s)
      console.log(JSON.stringify(r))
      results.push(r)
    }
  } finally {
    await pg.stop()
    await rm(dir, { recursive: true, force: true })
  }
  const rows = results.map((r) => [
    r.name,
    r.rounds,
    `${r.fires} / ${r.expected}`,
    r.doubled,
    r.skipped,
    r.nodeCpuMsPerFire.toFixed(2),
    r.pgCpuMsPerFire.toFixed(2),
    r.delayP50.toFixed(0),
    r.delayP99.toFixed(0),
    r.delayMax.toFixed(0),
  ])
  await writeSection(
    'Schedules',
    `Command: \`npm run bench -- schedules\` · machine: ${machine()} · ${new Date().toISOString().slice(0, 10)}

${SCHEDULES} active schedules (interval every 60s, overlap ALLOW), each fire creating a PENDING
objective (no engine runs), on an embedded Postgres with durable commits. The clock is injected
(real speed, from an offset). "Burst": every schedule fires at :00; "spread": schedule i fires at
second i % 60. Delay = from the fire time to the commit of its objective. CPU per fire = the
Node process (schedulers, pg client) and Postgres, over the rounds. "2 schedulers" = two Sortie
instances (own pools) in one Node process on one database; fires counts claims, doubled counts
objectives beyond one per (schedule, fire time), skipped counts fires passed over.

A fire costs about 2 ms of CPU (Node and Postgres together), so one process fires about 350
schedules a second here: spread over the minute, 10,000 schedules fire with p99 under 1 s; a burst
of 10,000 at the same second takes about 30 s to drain, and a second scheduler process does not
make it faster on 2 cores (it shares them).

${table(
  [
    'scenario',
    'rounds',
    'fires / expected',
    'doubled',
    'skipped',
    'node CPU ms/fire',
    'pg CPU ms/fire',
    'delay p50 ms',
    'delay p99 ms',
    'delay max ms',
  ],
  rows,
)}
`,
  )
}
