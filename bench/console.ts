/**
 * Console benchmark (issue 16 item 6): (1) the compressed JavaScript a first load of /console
 * downloads, as the server sends it; (2) an objective page holding 5,000 events in Chromium:
 * time until every event is in the timeline, how many rows the DOM holds (the list is
 * virtualised), the longest main-thread task, and frame gaps while scrolling through it. The
 * events are made by the real engine (a fake provider asking for 50 tool calls per turn), not
 * inserted by hand.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { createSortie, type Sortie } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'
import { createLogger } from '../src/lib/logger.ts'
import { freePort } from '../test/support/database.ts'
import { startFakeProvider } from '../test/support/fake-provider.ts'
import { machine, table, writeSection } from './report.ts'

const TURNS = 50
const CALLS_PER_TURN = 50
const TARGET_EVENTS = 5000

async function call(sortie: Sortie, token: string, method: string, path: string, body?: unknown) {
  const res = await sortie.http.app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json: any = await res.json()
  if (res.status !== 200)
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

/** Bytes of JavaScript (compressed as served) that /console/ loads before it can render. */
async function firstLoad(base: string) {
  const html = await (await fetch(`${base}/console/`)).text()
  const refs = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!)
  const files: { path: string; encoded: number; raw: number; gzip: boolean }[] = []
  for (const path of refs) {
    const res = await fetch(`${base}${path}`, { headers: { 'accept-encoding': 'gzip' } })
    const raw = (await res.arrayBuffer()).byteLength // fetch decodes: this is the raw size
    const encoded = Number(res.headers.get('content-length') ?? raw)
    files.push({ path, encoded, raw, gzip: res.headers.get('content-encoding') === 'gzip' })
  }
  return files
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sortie-bench-console-'))
  const pg = await startEmbeddedPostgres({ dir, port: await freePort(), persistent: false })
  const fake = await startFakeProvider('openai')
  const tools = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ id: req.url?.split('/').pop(), found: true }))
  })
  await new Promise<void>((r) => tools.listen(0, '127.0.0.1', r))
  const toolUrl = `http://127.0.0.1:${(tools.address() as AddressInfo).port}`
  let turn = 0
  fake.setResponder((req) => {
    const assistant = (req.body.messages ?? []).filter((m: any) => m.role === 'assistant').length
    if (assistant >= TURNS) {
      return { text: `**Done** after ${assistant} turns.\n\n| a | b |\n|---|---|\n| 1 | 2 |` }
    }
    turn++
    return {
      text: `Turn ${turn}: looking up *${CALLS_PER_TURN}* records with \`lookup\`.`,
      toolCalls: Array.from({ length: CALLS_PER_TURN }, (_, i) => ({
        name: 'lookup',
        arguments: { id: `${turn}-${i}` },
      })),
    }
  })
  const token = `sk_bench_${randomBytes(16).toString('hex')}`
  const sortie = await createSortie(
    loadConfig({
      DATABASE_URL: pg.url,
      SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-bench-')),
      SORTIE_BOOTSTRAP_TOKEN: token,
      SORTIE_RATE_LIMIT_RPS: '0',
      SORTIE_SECRET_KEY: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn',
    }),
    {
      logger: createLogger('warn', false),
      env: { OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: 'fake' },
      worker: true,
    },
  )
  const port = await freePort()
  await sortie.listen('127.0.0.1', port)
  const base = `http://127.0.0.1:${port}`
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
  try {
    const js = (await firstLoad(base)).filter((f) => f.path.endsWith('.js'))
    const jsEncoded = js.reduce((s, f) => s + f.encoded, 0)
    const jsRaw = js.reduce((s, f) => s + f.raw, 0)

    const set = await call(sortie, token, 'POST', '/v1/tool_sets', {
      metadata: { name: 'records' },
      spec: { adapter: { http: { baseUrl: toolUrl } } },
    })
    const tool = await call(sortie, token, 'POST', `/v1/tool_sets/${set.metadata.id}/tools`, {
      metadata: { name: 'lookup' },
      spec: {
        description: 'Looks a record up',
        parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        config: { http: { requestMethod: 'GET', path: '/lookup/{{ id }}' } },
      },
    })
    const agent = await call(sortie, token, 'POST', '/v1/agents', {
      metadata: { name: 'many-events' },
      spec: { status: 'AGENT_STATUS_PUBLISHED' },
      defaultVariation: {
        metadata: { name: 'v1' },
        spec: { prompt: 'Look records up.', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
      },
    })
    const vars = await call(sortie, token, 'GET', `/v1/agents/${agent.metadata.id}/variations`)
    await call(
      sortie,
      token,
      'POST',
      `/v1/agent_variations/${vars.items[0].metadata.id}/assignments`,
      {
        toolId: tool.metadata.id,
      },
    )
    const obj = await call(sortie, token, 'POST', '/v1/objectives', {
      agentId: agent.metadata.id,
      data: { initialMessage: 'Look up every record.' },
    })
    const id = obj.metadata.id
    const began = Date.now()
    let state = ''
    let events = 0
    // Bounded: the engine makes ~5,000 events in well under this on the benchmark machine.
    while (Date.now() - began < 600_000) {
      const o = await call(
        sortie,
        token,
        'GET',
        `/v1/workspaces/${obj.metadata.workspaceId}/objectives/${id}`,
      )
      state = o.status.state
      events = o.info.totalEvents
      if (state !== 'STATE_PENDING' && state !== 'STATE_RUNNING') break
      await new Promise((r) => setTimeout(r, 500))
    }
    if (events < TARGET_EVENTS) throw new Error(`objective ended ${state} with ${events} events`)
    console.log(`${events} events made in ${((Date.now() - began) / 1000).toFixed(1)} s`)

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.addInitScript((key) => {
      sessionStorage.setItem('sortie.apiKey', key)
      const w = window as any
      w.__longTasks = []
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longTasks.push(e.duration)
      }).observe({ type: 'longtask', buffered: true })
    }, token)
    const t0 = Date.now()
    await page.goto(`${base}/console/objectives/${id}`)
    await page.waitForFunction(
      (n) => Number(document.querySelector('.timeline')?.getAttribute('data-event-count')) >= n,
      events,
      { timeout: 120_000 },
    )
    const loadedMs = Date.now() - t0
    const rows = await page.locator('[data-event-id]').count()
    const loadTasks: number[] = await page.evaluate(() => (window as any).__longTasks.splice(0))
    // Scroll from the bottom to the top in 40 jumps, one per frame, and time the frames.
    const frames: number[] = await page.evaluate(async () => {
      const el = document.querySelector('.vlist') as HTMLElement
      const gaps: number[] = []
      let last = performance.now()
      for (let i = 40; i >= 0; i--) {
        el.scrollTop = (el.scrollHeight * i) / 40
        await new Promise((r) => requestAnimationFrame(r))
        const now = performance.now()
        gaps.push(now - last)
        last = now
      }
      return gaps
    })
    const heap = await page.evaluate(() => (performance as any).memory?.usedJSHeapSize ?? 0)
    const rowsAfterScroll = await page.locator('[data-event-id]').count()
    const scrollTasks: number[] = await page.evaluate(() => (window as any).__longTasks.splice(0))
    const sorted = [...frames].sort((a, b) => a - b)
    const result = {
      events,
      loadedMs,
      rows,
      rowsAfterScroll,
      longestLoadTaskMs: Math.max(0, ...loadTasks),
      longTasksDuringLoad: loadTasks.length,
      frameP50: sorted[Math.floor(sorted.length / 2)]!,
      frameMax: sorted[sorted.length - 1]!,
      longestScrollTaskMs: Math.max(0, ...scrollTasks),
      heapMiB: heap / 2 ** 20,
    }
    console.log(JSON.stringify({ jsEncoded, jsRaw, ...result }))
    await writeSection(
      'console',
      [
        '`npm run bench -- console` (bench/console.ts). Sortie (API + worker) on an embedded',
        "Postgres, Debian's Chromium (headless, through playwright-core) on the same machine.",
        `Machine: ${machine()}.`,
        '',
        'First load of `/console/`: the JavaScript files `index.html` references, fetched from the',
        'server with `accept-encoding: gzip` (it serves them gzip-compressed); budget 300 KB.',
        '',
        table(
          ['JS files', 'compressed KB (as served)', 'uncompressed KB'],
          [[js.length, (jsEncoded / 1024).toFixed(1), (jsRaw / 1024).toFixed(1)]],
        ),
        '',
        `An objective with ${events} events made by the engine (${TURNS} turns of`,
        `${CALLS_PER_TURN} tool calls against a fake provider), opened in the console at 1280 × 900:`,
        '"loaded" is navigation until every event is in the timeline (one SSE stream replays them);',
        'rows = event rows in the DOM (the list is virtualised); long tasks are the main-thread',
        'tasks over 50 ms the browser reported (PerformanceObserver `longtask`); frames are the',
        'gaps between animation frames while the list jumps from bottom to top in 40 steps.',
        'An assistant row shows the arguments of its 50 tool calls, so one row can be taller',
        'than the window: the DOM holds only the rows within 600 px of the visible part.',
        '',
        table(
          [
            'events',
            'loaded ms',
            'DOM rows',
            'DOM rows after scroll',
            'long tasks while loading',
            'longest task ms',
            'frame p50 ms',
            'frame max ms',
            'longest task while scrolling ms',
            'JS heap MiB',
          ],
          [
            [
              events,
              loadedMs,
              rows,
              rowsAfterScroll,
              result.longTasksDuringLoad,
              result.longestLoadTaskMs.toFixed(0),
              result.frameP50.toFixed(1),
              result.frameMax.toFixed(1),
              result.longestScrollTaskMs.toFixed(0),
              result.heapMiB.toFixed(1),
            ],
          ],
        ),
      ].join('\n'),
    )
  } finally {
    await browser.close()
    await sortie.stop()
    await fake.close()
    await new Promise<void>((r) => tools.close(() => r()))
    await pg.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
