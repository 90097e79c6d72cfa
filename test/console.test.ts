/**
 * The web console (issue 16) in a real browser: Debian's Chromium driven by playwright-core,
 * against a real Sortie (its own Postgres, its worker, a fake OpenAI provider). The browser goes
 * through a small HTTP proxy the test can cut, to drop the event stream as a network would.
 * Each test saves a screenshot under test/screenshots/ (git-ignored) for a person to look at.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { CONSOLE_DIR } from '../src/http/console.ts'
import type { FakeRequest, FakeTurn } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  startEngineTest,
  waitForState,
  type EngineTest,
} from './support/objectives.ts'
import type { TestSortie } from './support/sortie.ts'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = new URL('./screenshots/', import.meta.url)

interface DropProxy {
  url: string
  /** Requests for event streams, with the Last-Event-ID they carried. */
  streams: { url: string; lastEventId?: string }[]
  /** Cuts every open connection, as a network drop would. */
  dropAll(): void
  close(): Promise<void>
}

/** An HTTP proxy to `port` that forwards everything as it comes, streams included. */
async function startDropProxy(port: number): Promise<DropProxy> {
  const sockets = new Set<Socket>()
  const streams: DropProxy['streams'] = []
  const server: Server = createServer((req, res) => {
    if (req.url?.includes('/events/stream')) {
      const h = req.headers['last-event-id']
      streams.push({ url: req.url, lastEventId: typeof h === 'string' ? h : undefined })
    }
    const upstream = httpRequest(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    res.on('close', () => upstream.destroy())
    req.pipe(upstream)
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port: own } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${own}`,
    streams,
    dropAll: () => sockets.forEach((s) => s.destroy()),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * The fake model: "look ... up" calls the lookup tool once and then answers in Markdown; "slow"
 * holds its answer for two minutes (the wait ends when Sortie aborts the request); anything else
 * answers at once.
 */
function respond(req: FakeRequest): FakeTurn {
  const messages: any[] = req.body.messages ?? []
  const last = messages[messages.length - 1]
  const firstUser = String(messages.find((m) => m.role === 'user')?.content ?? '')
  if (/xss/.test(firstUser)) {
    return {
      text:
        'Look: <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>' +
        '[click](javascript:window.__pwned=3) and [a link](https://example.com)',
    }
  }
  if (last?.role === 'tool') return { text: '**Found** record `42`.\n\n- one\n- two' }
  if (/slow/.test(firstUser)) return { delayMs: 120_000, text: 'late' }
  if (/look/.test(firstUser)) return { toolCalls: [{ name: 'lookup', arguments: { id: '42' } }] }
  return { text: 'done' }
}

/** Answers every webhook 204. */
async function startHookReceiver(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(204).end())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

let hooks: Awaited<ReturnType<typeof startHookReceiver>>
let engine: EngineTest
let t: TestSortie
let proxy: DropProxy
let browser: Browser
let agentId: string

before(async () => {
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} is missing: apt-get install -y chromium (never npx playwright install)`,
  )
  if (!existsSync(new URL('index.html', `file://${CONSOLE_DIR}`))) {
    // A checkout where `npm install` did not build the console (scripts disabled).
    execFileSync('npm', ['run', 'build:console'], { stdio: 'ignore' })
  }
  mkdirSync(SHOTS, { recursive: true })
  hooks = await startHookReceiver()
  // The webhook receiver is on 127.0.0.1, which Sortie refuses unless told otherwise.
  engine = await startEngineTest({ env: { SORTIE_ALLOW_PRIVATE_WEBHOOKS: 'true' } })
  t = engine.t
  engine.fake.setResponder(respond)
  const { port } = await t.sortie.listen('127.0.0.1', 0)
  proxy = await startDropProxy(port)

  const created = await createAgent(t, {
    modelId: MODEL_OF.openai,
    toolBaseUrl: engine.tools.baseUrl,
    prompt: 'You look records up for {{ customer }}.',
  })
  agentId = created.agentId
  const tool = await t.api('GET', `/v1/tool_sets/${created.toolSetId}/tools/${created.toolId}`)
  const approval = await t.api(
    'PUT',
    `/v1/tool_sets/${created.toolSetId}/tools/${created.toolId}`,
    { spec: { ...tool.body.spec, requiresApproval: true }, updateMask: 'spec.requiresApproval' },
  )
  assert.equal(approval.status, 200, JSON.stringify(approval.body))
  const schema = await t.api('PATCH', `/v1/agents/${agentId}`, {
    metadata: { name: 'record-finder', exact: true },
    spec: {
      description: 'Finds customer records',
      webhookEventsUrl: hooks.url,
      inputDataSchema: {
        type: 'object',
        properties: {
          customer: { type: 'string', description: 'Who asks' },
          priority: { type: 'integer' },
          urgent: { type: 'boolean' },
        },
        required: ['customer'],
      },
    },
    updateMask: 'metadata.name,spec.description,spec.webhookEventsUrl,spec.inputDataSchema',
  })
  assert.equal(schema.status, 200, JSON.stringify(schema.body))
  const second = await t.api('POST', `/v1/agents/${agentId}/variations`, {
    metadata: { name: 'terse' },
    spec: { prompt: 'Be terse, {{ customer }}.', modelConfig: { modelId: MODEL_OF.openai } },
  })
  assert.equal(second.status, 200, JSON.stringify(second.body))
  // Both variations may run (Thompson sampling): both get the tool.
  const assigned = await t.api(
    'POST',
    `/v1/agent_variations/${second.body.metadata.id}/assignments`,
    { toolId: created.toolId },
  )
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body))

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
})

after(async () => {
  await browser?.close()
  await proxy?.close()
  await engine?.close()
  await hooks?.close()
})

interface Session {
  context: BrowserContext
  page: Page
  /** Uncaught errors and console errors the page logged. */
  errors: string[]
}

async function open(viewport = { width: 1280, height: 900 }): Promise<Session> {
  const context = await browser.newContext({ viewport })
  const page = await context.newPage()
  page.setDefaultTimeout(20_000)
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text())
  })
  return { context, page, errors }
}

async function signIn(page: Page, key = t.token): Promise<void> {
  await page.goto(`${proxy.url}/console/`)
  await page.getByLabel('API key').fill(key)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true })
}

/** Errors other than the failed loads a test caused on purpose (a 401, a cut connection). */
function unexpected(errors: string[], allowed: RegExp[] = []): string[] {
  return errors.filter((e) => !allowed.some((re) => re.test(e)))
}

async function objectiveIdFromUrl(page: Page): Promise<string> {
  await page.waitForURL(/\/console\/objectives\/obj_/)
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!)
}

/** The ids of the events the timeline rendered, in order. */
function renderedEventIds(page: Page): Promise<string[]> {
  return page.$$eval('[data-event-id]', (els) => els.map((e) => e.getAttribute('data-event-id')!))
}

async function waitForEventCount(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (n) => Number(document.querySelector('.timeline')?.getAttribute('data-event-count')) === n,
    count,
  )
}

describe('web console in Chromium', () => {
  it('a wrong API key is refused with a clear message and nothing is kept', async () => {
    const { context, page, errors } = await open()
    await signIn(page, 'sk_not_a_real_key')
    const alert = page.getByRole('alert')
    await alert.waitFor()
    assert.match(await alert.innerText(), /API key was not accepted/)
    assert.equal(await page.evaluate(() => sessionStorage.length), 0)
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0)
    await shot(page, '01-wrong-key')
    assert.deepEqual(unexpected(errors, [/status of 401/]), [])
    await context.close()
  })

  it('launches an objective from the input form, streams its events live, and an approval from the UI lets it finish', async () => {
    const { context, page, errors } = await open()
    await signIn(page)
    await page.getByRole('navigation', { name: 'Main' }).waitFor()
    await page.getByRole('link', { name: 'Agents', exact: true }).click()
    await page.getByRole('link', { name: 'record-finder', exact: true }).click()
    await page.getByRole('button', { name: 'Launch objective', exact: true }).click()
    // The form is generated from the agent's inputDataSchema.
    await page.getByLabel('Initial message').fill('Please look record 42 up')
    await page.getByLabel('customer').fill('ACME')
    await page.getByLabel('priority').fill('2')
    await page.getByLabel('urgent').check()
    await shot(page, '02a-launch-form')
    await page.getByRole('button', { name: 'Launch', exact: true }).click()
    const id = await objectiveIdFromUrl(page)

    const created = await t.api('GET', `/v1/workspaces/${t.workspaceId}/objectives/${id}`)
    assert.deepEqual(created.body.data.data, { customer: 'ACME', priority: 2, urgent: true })

    // The model's tool call waits for a decision; the page shows it without a reload.
    const approval = page.locator('.approvals [data-tool-call-id]')
    await approval.waitFor()
    assert.match(await approval.innerText(), /lookup/)
    assert.match(await approval.innerText(), /"id": "42"/)
    await page.locator('[data-type="toolApprovalRequested"]').waitFor()
    await shot(page, '02-waiting-for-approval')

    await approval.getByRole('button', { name: 'Approve', exact: true }).click()
    // Approved: the tool runs and the model answers, streamed into the timeline.
    const answer = page.locator('[data-type="assistantMessage"] .md strong', { hasText: 'Found' })
    await answer.waitFor()
    await page.locator('[data-state="STATE_WAITING"]').first().waitFor()
    const events = await allEvents(t, id)
    await waitForEventCount(page, events.length)
    assert.deepEqual(
      await renderedEventIds(page),
      events.map((e) => e.metadata.id),
    )
    // Markdown is rendered (bold, code, list), not shown as source.
    assert.equal(await page.locator('.md code', { hasText: '42' }).count(), 1)
    assert.equal(await page.locator('.md li').count(), 2)
    const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls`)
    assert.equal(calls.body.items[0].status, 'TOOL_CALL_STATUS_APPROVED')
    assert.equal(calls.body.items[0].data.statusChangedBy?.spec?.type, 'PROFILE_TYPE_API_KEY')
    await shot(page, '03-approved-and-answered')

    // The list shows it with its agent, and live state.
    await page.getByRole('link', { name: 'Objectives', exact: true }).click()
    await page.locator(`tr[data-objective-id="${id}"] [data-state="STATE_WAITING"]`).waitFor()
    await shot(page, '04-objectives-list')
    assert.deepEqual(unexpected(errors), [])
    await context.close()
  })

  it('feedback posted from the objective page moves its variation score on the agent page', async () => {
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'hello', data: { customer: 'Bob' } },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const id = created.body.metadata.id
    const done = await waitForState(t, id, ['STATE_WAITING'])
    const variationId: string = done.info.agentVariation.id
    const before = await t.api('GET', `/v1/agents/${agentId}/variations/${variationId}`)
    const scoreBefore: number = before.body.info.score

    const { context, page, errors } = await open()
    await signIn(page)
    await page.getByRole('navigation', { name: 'Main' }).waitFor()
    await page.goto(`${proxy.url}/console/objectives/${id}`)
    await page.getByRole('button', { name: 'Send feedback' }).click()
    await page.getByRole('status').filter({ hasText: 'Feedback recorded' }).waitFor()

    await page.goto(`${proxy.url}/console/agents/${agentId}`)
    const score = page.locator(`[data-variation-id="${variationId}"] .score`)
    await score.waitFor()
    const after = await t.api('GET', `/v1/agents/${agentId}/variations/${variationId}`)
    assert.ok(after.body.info.score > scoreBefore, 'a score of 1 raises the posterior mean')
    assert.equal(await score.innerText(), after.body.info.score.toFixed(3))
    assert.equal(
      await page.locator('figure.chart svg[aria-label="Thompson posteriors"]').count(),
      1,
    )
    // The agent's webhook deliveries, with status, attempts and latency.
    const deliveries = await t.api(
      'GET',
      `/v1/agents/${agentId}/webhook_deliveries?objectiveId=${id}&limit=500`,
    )
    assert.ok(deliveries.body.items.length > 0, 'the objective made webhook deliveries')
    const shown = page.locator(`tr:has(a[href$="/objectives/${id}"])`)
    await shown.first().waitFor()
    assert.match(await shown.first().innerText(), /completed|pending/)
    await shot(page, '05-agent-variations')
    assert.deepEqual(unexpected(errors), [])
    await context.close()
  })

  it('deny with a reason, continue and compact from the objective page reach the objective', async () => {
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'look it up, then stop', data: { customer: 'Frank' } },
    })
    const id = created.body.metadata.id
    await waitForState(t, id, ['STATE_WAITING'])
    const { context, page, errors } = await open()
    await signIn(page)
    await page.getByRole('navigation', { name: 'Main' }).waitFor()
    await page.goto(`${proxy.url}/console/objectives/${id}`)
    const approval = page.locator('.approvals [data-tool-call-id]')
    await approval.getByLabel('Reason for denying').fill('not this record')
    await approval.getByRole('button', { name: 'Deny', exact: true }).click()
    await page.locator('[data-type="toolDenied"]', { hasText: 'not this record' }).waitFor()
    // The memo goes to the model as the call's result; it answers and the turn ends.
    await page.locator('[data-type="assistantMessage"] .md strong', { hasText: 'Found' }).waitFor()
    await page.locator('.objective-head [data-state="STATE_WAITING"]').waitFor()

    await page.getByLabel('Message', { exact: true }).fill('and one more thing')
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    await page.locator('[data-type="userMessage"]', { hasText: 'and one more thing' }).waitFor()
    await page.locator('[data-type="assistantMessage"]').nth(2).waitFor()

    await page.locator('.objective-head [data-state="STATE_WAITING"]').waitFor()
    await page.getByRole('button', { name: 'Compact', exact: true }).click()
    await page.getByRole('status').filter({ hasText: 'Compaction requested' }).waitFor()
    await page.locator('[data-type="contextWindowCompacted"]').waitFor()
    const windows = await t.api('GET', `/v1/objectives/${id}/context_windows`)
    assert.equal(windows.body.items.length, 2)
    const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls`)
    assert.equal(calls.body.items[0].status, 'TOOL_CALL_STATUS_DENIED')
    assert.equal(calls.body.items[0].data.memo, 'not this record')
    await shot(page, '12-denied-continued-compacted')
    assert.deepEqual(unexpected(errors), [])
    await context.close()
  })

  it('cancelling a running objective from the UI ends it CANCELLED with the reason', async () => {
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'a slow one', data: { customer: 'Carol' } },
    })
    const id = created.body.metadata.id
    await waitForState(t, id, ['STATE_RUNNING'])
    const { context, page, errors } = await open()
    await signIn(page)
    await page.getByRole('navigation', { name: 'Main' }).waitFor()
    await page.goto(`${proxy.url}/console/objectives/${id}`)
    await page.locator('.objective-head [data-state="STATE_RUNNING"]').waitFor()
    await page.getByLabel('Cancel reason').fill('operator changed their mind')
    await page.getByRole('button', { name: 'Cancel objective' }).click()
    await page.locator('[data-type="cancelled"]', { hasText: 'operator changed' }).waitFor()
    await page.locator('.objective-head [data-state="STATE_CANCELLED"]').waitFor()
    const obj = await waitForState(t, id, ['STATE_CANCELLED'])
    assert.equal(obj.status.state, 'STATE_CANCELLED')
    await shot(page, '06-cancelled')
    assert.deepEqual(unexpected(errors), [])
    await context.close()
  })

  it('a dropped event stream resumes with Last-Event-ID and shows every event once', async () => {
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'slow again', data: { customer: 'Dan' } },
    })
    const id = created.body.metadata.id
    await waitForState(t, id, ['STATE_RUNNING'])
    const { context, page, errors } = await open()
    await signIn(page)
    await page.getByRole('navigation', { name: 'Main' }).waitFor()
    await page.goto(`${proxy.url}/console/objectives/${id}`)
    const before = await allEvents(t, id)
    await waitForEventCount(page, before.length)
    await page.locator('[data-conn="live"]').waitFor()
    const opened = proxy.streams.length

    proxy.dropAll()
    // The page notices, and reconnects from the last event it showed.
    const mine = `/objectives/${id}/events/stream`
    const deadline = Date.now() + 20_000
    while (
      !proxy.streams.slice(opened).some((s) => s.url.includes(mine) && s.lastEventId) &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 50))
    }
    const resumed = proxy.streams.slice(opened).find((s) => s.url.includes(mine) && s.lastEventId)
    assert.ok(resumed, 'the page re-opened the stream with Last-Event-ID')
    assert.equal(resumed.lastEventId, before[before.length - 1].metadata.id)
    await page.locator('[data-conn="live"]').waitFor()

    // New activity after the drop reaches the page once.
    const cancel = await t.api('POST', `/v1/objectives/${id}/cancel`, { reason: 'after the drop' })
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body))
    await page.locator('[data-type="cancelled"]').waitFor()
    await page.locator('.objective-head [data-state="STATE_CANCELLED"]').waitFor()
    const events = await allEvents(t, id)
    await waitForEventCount(page, events.length)
    const shown = await renderedEventIds(page)
    assert.deepEqual(
      shown,
      events.map((e) => e.metadata.id),
    )
    assert.equal(new Set(shown).size, shown.length)
    await shot(page, '07-resumed-after-drop')
    assert.deepEqual(unexpected(errors, [/ERR_|Failed to load resource|network/i]), [])
    await context.close()
  })

  it('the objectives list updates live: an objective launched elsewhere appears and changes state without a reload', async () => {
    const { context, page, errors } = await open()
    await signIn(page)
    await page.locator('tr[data-objective-id]').first().waitFor()
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'launched by a script', data: { customer: 'Eve' } },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const row = page.locator(`tr[data-objective-id="${created.body.metadata.id}"]`)
    await row.locator('[data-state="STATE_WAITING"]').waitFor()
    assert.match(await row.innerText(), /launched by a script/)
    assert.deepEqual(unexpected(errors), [])
    await context.close()
  })

  it('assistant Markdown is sanitised: no script, event handler or javascript: link survives', async () => {
    const created = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'xss please', data: { customer: 'Mallory' } },
    })
    const id = created.body.metadata.id
    await waitForState(t, id, ['STATE_WAITING'])
    const { context, page, errors } = await open()
    await signIn(page)
    await page.getByRole('navigation', { name: 'Main' }).waitFor()
    await page.goto(`${proxy.url}/console/objectives/${id}`)
    const md = page.locator('[data-type="assistantMessage"] .md')
    await md.waitFor()
    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined)
    assert.equal(await md.locator('script, img, [onerror]').count(), 0)
    assert.equal(await md.locator('a[href^="javascript"]').count(), 0)
    const link = md.locator('a[href="https://example.com"]')
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer')
    // Raw HTML from the model reads as text.
    assert.match(await md.innerText(), /<img src=x onerror=/)
    await shot(page, '10-sanitised-markdown')
    assert.deepEqual(unexpected(errors), [])
    await context.close()
  })

  it('a goal page charts its metric history', async () => {
    const goal = await t.api('POST', '/v1/goals', {
      metadata: { name: 'Qualified leads' },
      spec: { description: 'Collect qualified leads', metrics: [{ key: 'leads', value: 1 }] },
    })
    assert.equal(goal.status, 200, JSON.stringify(goal.body))
    const gid = goal.body.metadata.id
    for (const v of [3, 4, 8]) {
      const res = await t.api('PATCH', `/v1/goals/${gid}`, {
        spec: {
          metrics: [
            { key: 'leads', value: v },
            { key: 'open', value: v % 2 === 0 },
          ],
        },
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
    }
    const { context, page, errors } = await open()
    await signIn(page)
    await page.getByRole('link', { name: 'Goals', exact: true }).click()
    await page.getByRole('link', { name: 'Qualified leads', exact: true }).click()
    const chart = page.locator('svg[aria-label="Metrics history"]')
    await chart.waitFor()
    // One line per numeric (or boolean) metric.
    assert.equal(await chart.locator('path').count(), 2)
    const history = await t.api('GET', `/v1/goals/${gid}/metrics`)
    assert.equal(
      await page.locator('.goal table.list').last().locator('tbody tr').count(),
      history.body.items.length,
    )
    await shot(page, '11-goal-metrics')
    assert.deepEqual(unexpected(errors), [])
    await context.close()
  })

  it('schedules show their cadence and next fire time, on their page and on the agent page', async () => {
    const created = await t.api('POST', `/v1/agents/${agentId}/schedules`, {
      metadata: { name: 'hourly check' },
      spec: {
        initialMessage: 'check the records',
        data: { customer: 'Cron' },
        schedule: { intervals: [{ every: '3600s' }], timezone: 'Europe/Paris' },
      },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const sid = created.body.metadata.id
    const next = created.body.info?.nextFireAt
    assert.ok(next, 'an active interval schedule has a next fire time')
    const { context, page, errors } = await open()
    await signIn(page)
    await page.getByRole('link', { name: 'Schedules', exact: true }).click()
    const row = page.locator(`tr[data-schedule-id="${sid}"]`)
    await row.waitFor()
    const text = await row.innerText()
    assert.match(text, /hourly check/)
    assert.match(text, /every 3600s · Europe\/Paris/)
    assert.match(text, /record-finder/)
    assert.match(await row.locator('.next-fire').innerText(), /in \d+[smh]|due/)
    await shot(page, '13-schedules')
    await page.goto(`${proxy.url}/console/agents/${agentId}`)
    await page.locator(`tr[data-schedule-id="${sid}"]`).waitFor()
    assert.deepEqual(unexpected(errors), [])
    await context.close()
  })

  it('memory layers list their entries, and an entry opens to its body', async () => {
    const layer = await t.api('POST', '/v1/memory_layers', {
      metadata: { name: 'support playbooks' },
      spec: { type: 'MEMORY_LAYER_TYPE_SKILLS', description: 'How we answer' },
    })
    assert.equal(layer.status, 200, JSON.stringify(layer.body))
    const lid = layer.body.metadata.id
    const entry = await t.api('POST', `/v1/memory_layers/${lid}/entries`, {
      metadata: { name: 'refunds' },
      spec: { key: 'refunds/policy', title: 'Refund policy', content: 'Refund within 30 days.' },
    })
    assert.equal(entry.status, 200, JSON.stringify(entry.body))
    const { context, page, errors } = await open()
    await signIn(page)
    await page.getByRole('link', { name: 'Memory', exact: true }).click()
    const row = page.locator(`tr[data-layer-id="${lid}"]`)
    await row.waitFor()
    const text = await row.innerText()
    assert.match(text, /support playbooks/)
    assert.match(text, /skills/i)
    await row.getByRole('button', { name: 'support playbooks' }).click()
    const item = page.locator('li[data-entry-key="refunds/policy"]')
    await item.waitFor()
    assert.match(await item.innerText(), /Refund policy/)
    await item.getByRole('button', { name: 'refunds/policy' }).click()
    await item.locator('pre.entry-content').waitFor()
    assert.equal(await item.locator('pre.entry-content').innerText(), 'Refund within 30 days.')
    await shot(page, '14-memory')
    assert.deepEqual(unexpected(errors), [])
    await context.close()
  })

  it('fits a 390 px phone: no sideways scrolling on the list and the objective page', async () => {
    const { context, page, errors } = await open({ width: 390, height: 844 })
    await signIn(page)
    await page.getByRole('navigation', { name: 'Main' }).waitFor()
    await page.locator('tr[data-objective-id]').first().waitFor()
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok((await overflow()) <= 0, `list overflows by ${await overflow()} px`)
    await shot(page, '08-phone-list')
    await page.locator('tr[data-objective-id] a').first().click()
    await page.locator('.timeline').waitFor()
    assert.ok((await overflow()) <= 0, `objective page overflows by ${await overflow()} px`)
    await shot(page, '09-phone-objective')
    // Keyboard: the timeline and the actions are reachable with Tab.
    await page.keyboard.press('Tab')
    assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), 'BODY')
    assert.deepEqual(unexpected(errors), [])
    await context.close()
  })
})
