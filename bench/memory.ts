/**
 * Memory benchmark (`npm run bench -- memory`): an objective whose memory stack holds 10 SKILLS
 * layers × 1,000 entries. Measures building its skills manifest and loading a skill (the stack
 * walk of memory_load_skill), and the engine's steps/s for objectives with and without that
 * stack (same agent, same fake provider and HTTP tool as the engine benchmark), alternated.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { createSortie, type Sortie } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'
import { createLogger } from '../src/lib/logger.ts'
import { buildManifest, lookupSkill, type MemoryReference } from '../src/modules/memory/index.ts'
import { freePort } from '../test/support/database.ts'
import { machine, percentile, table, writeSection } from './report.ts'

const LAYERS = 10
const ENTRIES = 1000
const OBJECTIVES = 100
const TOOL_TURNS = 5
const CONCURRENCY = 50
/** Runs per variant, alternated (plain, stacked, plain, stacked...), median reported. */
const ROUNDS = 5

async function startFakes() {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fakes.ts')],
    {
      env: { ...process.env, BENCH_TOOL_TURNS: String(TOOL_TURNS) },
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
  return {
    ...(JSON.parse(line) as { providerUrl: string; toolUrl: string }),
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

const ms = (f: () => Promise<unknown>) => async () => {
  const t0 = performance.now()
  await f()
  return performance.now() - t0
}

async function timings(n: number, f: () => Promise<number>): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push(await f())
  return out.sort((a, b) => a - b)
}

/** Runs OBJECTIVES objectives of TOOL_TURNS tool turns each; steps per second, wall clock. */
async function engineRun(
  sortie: Sortie,
  token: string,
  agentId: string,
  memoryStack: MemoryReference[],
  round: string,
): Promise<number> {
  const t0 = performance.now()
  const creates: Promise<{ metadata: { id: string } }>[] = []
  const ids: string[] = []
  for (let i = 0; i < OBJECTIVES; i++) {
    creates.push(
      api(sortie, token, 'POST', '/v1/objectives', {
        agentId,
        data: { initialMessage: `bench objective #${round}-${i}`, memoryStack },
      }),
    )
    if (creates.length >= 25)
      ids.push(...(await Promise.all(creates.splice(0))).map((o) => o.metadata.id))
  }
  ids.push(...(await Promise.all(creates)).map((o) => o.metadata.id))
  for (;;) {
    const { rows } = await sql<{ n: number; failed: number }>`
      SELECT count(*) FILTER (WHERE state NOT IN ('PENDING', 'RUNNING'))::int AS n,
             count(*) FILTER (WHERE state NOT IN ('PENDING', 'RUNNING', 'WAITING'))::int AS failed
      FROM objectives WHERE id = ANY(${ids})`.execute(sortie.deps.db)
    if (rows[0]!.failed) throw new Error(`${rows[0]!.failed} objectives failed`)
    if (rows[0]!.n >= ids.length) break
    await new Promise((r) => setTimeout(r, 25))
  }
  const seconds = (performance.now() - t0) / 1000
  return (OBJECTIVES * (2 * TOOL_TURNS + 1)) / seconds
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sortie-bench-pg-'))
  const pg = await startEmbeddedPostgres({ dir, port: await freePort(), persistent: false })
  const fakes = await startFakes()
  const token = `sk_bench_${randomBytes(12).toString('hex')}`
  const config = loadConfig({
    DATABASE_URL: pg.url,
    SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-bench-')),
    SORTIE_BOOTSTRAP_TOKEN: token,
    SORTIE_RATE_LIMIT_RPS: '0',
    SORTIE_SECRET_KEY: randomBytes(32).toString('hex'),
    SORTIE_WORKER_CONCURRENCY: String(CONCURRENCY),
    SORTIE_DB_POOL_SIZE: '40',
    LOG_LEVEL: 'warn',
  })
  const env = { OPENAI_BASE_URL: fakes.providerUrl, OPENAI_API_KEY: 'fake' }
  const sortie = await createSortie(config, {
    logger: createLogger('warn', false),
    env,
    worker: true,
  })
  try {
    const agent = await api(sortie, token, 'POST', '/v1/agents', {
      metadata: { name: 'bench' },
      spec: { status: 'AGENT_STATUS_PUBLISHED' },
      defaultVariation: {
        metadata: { name: 'v' },
        spec: {
          prompt: 'Call lookup when asked.',
          modelConfig: { modelId: 'openai/gpt-4.1-mini' },
        },
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

    // 10 layers through the API; their 10,000 entries in one statement each (the API would take
    // 10,000 requests to say the same).
    const stack: MemoryReference[] = []
    for (let l = 0; l < LAYERS; l++) {
      const layer = await api(sortie, token, 'POST', '/v1/memory_layers', {
        metadata: { name: `bench-layer-${l}` },
        spec: { type: 'MEMORY_LAYER_TYPE_SKILLS' },
      })
      stack.push({ memoryLayerId: layer.metadata.id })
      await sql`
        INSERT INTO memory_entries (id, account_id, workspace_id, layer_id, profile_id, name, spec,
          key, content)
        SELECT ${`mement_bench${l}_`} || i, account_id, workspace_id, id, profile_id, 'skill ' || i,
          jsonb_build_object('title', 'Skill ' || i || ' of layer ${sql.raw(String(l))}',
            'description', 'Use when the task is about topic ' || i || '; it explains the steps.'),
          'skills/topic-' || i, repeat('Step by step instructions. ', 40)
        FROM memory_layers, generate_series(1, ${ENTRIES}) AS i
        WHERE memory_layers.id = ${layer.metadata.id}`.execute(sortie.deps.db)
    }
    const db = sortie.deps.db
    // Cold: a write to a layer (its version bumped, outside the timing) invalidates the cache.
    const bump = sql`UPDATE memory_layers SET version = version + 1 WHERE id = ${stack[0]!.memoryLayerId}`
    const manifest = await timings(30, async () => {
      await bump.execute(db)
      return ms(() => buildManifest(db, stack))()
    })
    const cachedManifest = await timings(
      100,
      ms(() => buildManifest(db, stack)),
    )
    const sample = await buildManifest(db, stack)
    const load = await timings(
      500,
      ms(() => lookupSkill(db, stack, `skills/topic-${1 + Math.floor(Math.random() * ENTRIES)}`)),
    )
    const miss = await timings(
      100,
      ms(() => lookupSkill(db, stack, 'skills/nothing')),
    )

    const plain: number[] = []
    const stacked: number[] = []
    await engineRun(sortie, token, agent.metadata.id, [], 'warmup')
    await engineRun(sortie, token, agent.metadata.id, stack, 'warmup-stack')
    for (let r = 0; r < ROUNDS; r++) {
      plain.push(await engineRun(sortie, token, agent.metadata.id, [], `p${r}`))
      stacked.push(await engineRun(sortie, token, agent.metadata.id, stack, `s${r}`))
      console.log(JSON.stringify({ round: r, plain: plain[r], stacked: stacked[r] }))
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    const slower = (1 - median(stacked) / median(plain)) * 100
    const result = {
      manifestP50: percentile(manifest, 50),
      manifestP99: percentile(manifest, 99),
      manifestChars: sample.length,
      loadP50: percentile(load, 50),
      loadP99: percentile(load, 99),
      missP50: percentile(miss, 50),
      plain: median(plain),
      stacked: median(stacked),
      slowerPercent: slower,
    }
    console.log(JSON.stringify(result))
    await writeSection(
      'Memory stack',
      [
        `Command: \`npm run bench -- memory\` · machine: ${machine()} · ${new Date().toISOString().slice(0, 10)}`,
        '',
        `A stack of ${LAYERS} SKILLS layers × ${ENTRIES} entries (every key in every layer, so each`,
        'lookup walks shadowed copies). Manifest = the SKILLS section an objective gets at creation',
        `(bounded to 200 entries / 32,000 characters; this one is ${sample.length} characters).`,
        'A manifest is cached by its stack and the versions of its layers; "build" is a cold build',
        '(a layer written just before). Load = the stack walk of memory_load_skill (one indexed query over the 10 layers, then the',
        'walk from the top). Engine = steps/s of',
        `${OBJECTIVES} objectives × ${TOOL_TURNS} tool turns at concurrency ${CONCURRENCY}, without and`,
        `with the 10-layer stack in the create body, alternated ${ROUNDS} times (median; every`,
        'round is printed as it runs). The stacked objectives send a system prompt longer by the',
        'manifest on every model call, which the fake provider (on the same cores) parses too. On a',
        'shared VM rounds vary by tens of percent: compare the rounds, not one figure.',
        '',
        table(
          ['measure', 'p50 ms', 'p99 ms'],
          [
            ['build manifest', result.manifestP50.toFixed(2), result.manifestP99.toFixed(2)],
            [
              'manifest, cached (unchanged layers)',
              percentile(cachedManifest, 50).toFixed(2),
              percentile(cachedManifest, 99).toFixed(2),
            ],
            ['load a skill (hit)', result.loadP50.toFixed(2), result.loadP99.toFixed(2)],
            ['load a skill (miss)', result.missP50.toFixed(2), percentile(miss, 99).toFixed(2)],
          ],
        ),
        '',
        table(
          ['engine', 'steps/s'],
          [
            ['no memory stack', result.plain.toFixed(0)],
            [`${LAYERS}-layer stack`, result.stacked.toFixed(0)],
            ['slower by', `${result.slowerPercent.toFixed(1)} %`],
          ],
        ),
        '',
        `Rounds (steps/s, no stack / stack): ${plain
          .map((p, i) => `${p.toFixed(0)} / ${stacked[i]!.toFixed(0)}`)
          .join(', ')}.`,
      ].join('\n'),
    )
  } finally {
    await sortie.stop()
    await fakes.stop()
    await pg.stop()
    await rm(dir, { recursive: true, force: true })
    await rm(config.dataDir, { recursive: true, force: true })
  }
}
