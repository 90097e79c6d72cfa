import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { createSortie } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createLogger } from '../src/lib/logger.ts'
import type { FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  providerEnv,
  waitForState,
  type ToolServer,
  startEngineTest,
  type EngineTest,
} from './support/objectives.ts'
import { freshDatabase } from './support/database.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

const WEBHOOK_ENV = {
  SORTIE_ALLOW_PRIVATE_WEBHOOKS: '1',
  SORTIE_WEBHOOK_RETRY_SCHEDULE: '20ms',
  SORTIE_WEBHOOK_POLL_MS: '20',
  SORTIE_WEBHOOK_TIMEOUT_MS: '2000',
}

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let engine: EngineTest
before(async () => {
  engine = await startEngineTest({ env: { ...WEBHOOK_ENV } })
  ;({ t, fake, tools } = engine)
})
after(() => engine?.close())

interface Received {
  headers: IncomingHttpHeaders
  body: string
  status: number
}

/** A webhook receiver on 127.0.0.1; `respond(n)` picks the status of the n-th request (0-based). */
async function startReceiver(respond: (n: number) => number = () => 200, port = 0) {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const status = respond(received.length)
      received.push({ headers: req.headers, body, status })
      res.writeHead(status, { 'content-type': 'text/plain', 'x-receiver': 'test' })
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const bound = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${bound}/hooks`,
    port: bound,
    received,
    /** Bodies acknowledged with a 2xx, parsed. */
    delivered: () => received.filter((r) => r.status < 300).map((r) => JSON.parse(r.body)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function agentWithWebhook(url: string, sortie: TestSortie = t) {
  const { agentId } = await createAgent(sortie, {
    modelId: MODEL_OF.openai,
    toolBaseUrl: tools.baseUrl,
  })
  return agentWithWebhookUrl(agentId, url, sortie)
}

async function agentWithWebhookUrl(agentId: string, url: string, sortie: TestSortie = t) {
  const res = await sortie.api('PATCH', `/v1/agents/${agentId}`, {
    spec: { webhookEventsUrl: url },
    updateMask: 'spec.webhookEventsUrl',
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return agentId
}

async function runObjective(agentId: string, sortie: TestSortie = t) {
  fake.enqueue({ toolCalls: [{ name: 'lookup', arguments: { id: 'x' } }] }, { text: 'found' })
  const created = await sortie.api('POST', '/v1/objectives', {
    agentId,
    data: { initialMessage: 'Find x' },
  })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const id = created.body.metadata.id as string
  await waitForState(sortie, id, ['STATE_WAITING'])
  return id
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string) {
  const deadline = Date.now() + 15_000
  let last: T
  do {
    last = await read()
    if (ok(last)) return last
    await new Promise((r) => setTimeout(r, 25))
  } while (Date.now() < deadline)
  assert.fail(`timed out waiting for ${what}: ${JSON.stringify(last)}`)
}

const deliveries = (agentId: string, query = '', sortie: TestSortie = t) =>
  sortie
    .api('GET', `/v1/agents/${agentId}/webhook_deliveries?limit=500${query}`)
    .then((r) => r.body.items as any[])

const allSettled = (items: any[], n: number) =>
  items.length === n && items.every((d) => d.data.status !== 'WEBHOOK_DELIVERY_STATUS_PENDING')

describe('webhooks', () => {
  it('POSTs every event as a Standard Webhooks signed envelope, in order', async () => {
    const receiver = await startReceiver()
    try {
      const agentId = await agentWithWebhook(receiver.url)
      const id = await runObjective(agentId)
      const events = await allEvents(t, id)
      await until(
        () => deliveries(agentId),
        (d) => allSettled(d, events.length),
        'deliveries',
      )
      const secret = (await t.api('GET', '/v1/account')).body.info.webhookEventsHmacSecret
      const verifier = new Webhook(secret)
      for (const r of receiver.received) {
        verifier.verify(r.body, r.headers as Record<string, string>)
        assert.match(String(r.headers['webhook-signature']), /^v1,/)
      }
      const bodies = receiver.delivered()
      assert.deepEqual(
        bodies.map((b) => b.data.objectiveEvent),
        events,
        'objectiveEvent is the event as listed, in sequence order',
      )
      assert.deepEqual(
        bodies.map((b) => b.type),
        events.map(
          (e) =>
            `objective_event.${e.data.type.replace(/[A-Z]/g, (c: string) => `_${c.toLowerCase()}`)}`,
        ),
      )
      assert.equal(bodies[0].data.agent.id, agentId)
      assert.match(bodies[0].data.agentVariation.id, /^agentvar_/)
      assert.equal(bodies[0].data.objective.id, id)
      assert.equal(bodies[0].timestamp, events[0].metadata.createdAt)
    } finally {
      await receiver.close()
    }
  })

  it('a receiver failing the first attempts gets every event exactly once as a success, in order', async () => {
    const receiver = await startReceiver((n) => (n < 3 ? 500 : 200))
    try {
      const agentId = await agentWithWebhook(receiver.url)
      const id = await runObjective(agentId)
      const events = await allEvents(t, id)
      const log = await until(
        () => deliveries(agentId),
        (d) => allSettled(d, events.length),
        'deliveries',
      )
      assert.deepEqual(
        receiver.delivered().map((b) => b.data.objectiveEvent.metadata.id),
        events.map((e) => e.metadata.id),
      )
      const first = log.find((d) => d.data.objectiveEventId === events[0].metadata.id)
      assert.equal(first.data.status, 'WEBHOOK_DELIVERY_STATUS_COMPLETED')
      assert.equal(first.data.attemptCount, 4)
      assert.equal(first.data.httpStatusCode, 200)
      assert.equal(first.data.responseHeaders['x-receiver'], 'test')
      assert.equal(first.data.responseContentLength, '2')
      assert.equal(first.data.eventType, 'OBJECTIVE_EVENT_TYPE_USER_MESSAGE')
      assert.equal(first.data.webhookUrl, receiver.url)
      const ids = receiver.received
        .filter((r) => r.status === 500)
        .map((r) => r.headers['webhook-id'])
      assert.deepEqual(ids, [first.data.webhookId, first.data.webhookId, first.data.webhookId])
    } finally {
      await receiver.close()
    }
  })

  it('the delivery log filters by objective, event type and status', async () => {
    const receiver = await startReceiver()
    try {
      const agentId = await agentWithWebhook(receiver.url)
      const a = await runObjective(agentId)
      const b = await runObjective(agentId)
      await until(
        () => deliveries(agentId),
        (d) => allSettled(d, 10),
        'deliveries',
      )
      const ofA = await deliveries(agentId, `&objectiveId=${a}`)
      assert.equal(ofA.length, 5)
      assert.ok(ofA.every((d) => d.data.objectiveId === a))
      const results = await deliveries(agentId, '&eventType=OBJECTIVE_EVENT_TYPE_TOOL_RESULT')
      assert.deepEqual(results.map((d) => d.data.objectiveId).sort(), [a, b].sort())
      const failed = await deliveries(agentId, '&status=WEBHOOK_DELIVERY_STATUS_FAILED')
      assert.equal(failed.length, 0)
      const bad = await t.api('GET', `/v1/agents/${agentId}/webhook_deliveries?eventType=NOPE`)
      assert.equal(bad.status, 400)
      assert.equal(bad.body.details[0].fieldViolations[0].field, 'eventType')
      const missing = await t.api('GET', '/v1/agents/agent_missing/webhook_deliveries')
      assert.equal(missing.status, 404)
    } finally {
      await receiver.close()
    }
  })

  it('after the signing key is rotated, new deliveries verify with the new key only', async () => {
    const receiver = await startReceiver()
    try {
      const agentId = await agentWithWebhook(receiver.url)
      const old = (await t.api('GET', '/v1/account')).body.info.webhookEventsHmacSecret
      const rotated = await t.api('POST', '/v1/account/rotate_webhook_signing_key')
      assert.equal(rotated.status, 200)
      const key = rotated.body.webhookEventsHmacSecret
      await runObjective(agentId)
      await until(
        () => deliveries(agentId),
        (d) => allSettled(d, 5),
        'deliveries',
      )
      for (const r of receiver.received) {
        const headers = r.headers as Record<string, string>
        new Webhook(key).verify(r.body, headers)
        assert.throws(() => new Webhook(old).verify(r.body, headers))
      }
    } finally {
      await receiver.close()
    }
  })

  it('redeliver re-sends one delivery with the same webhook-id and records the attempt', async () => {
    const receiver = await startReceiver()
    try {
      const agentId = await agentWithWebhook(receiver.url)
      await runObjective(agentId)
      const log = await until(
        () => deliveries(agentId),
        (d) => allSettled(d, 5),
        'deliveries',
      )
      const one = log[2]
      const res = await t.api(
        'POST',
        `/v1/workspaces/${t.workspaceId}/agents/${agentId}/webhook_deliveries/${one.metadata.id}:redeliver`,
      )
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.data.attemptCount, 2)
      assert.equal(res.body.data.status, 'WEBHOOK_DELIVERY_STATUS_COMPLETED')
      assert.equal(receiver.received.length, 6)
      assert.equal(receiver.received[5]!.headers['webhook-id'], one.data.webhookId)
      const missing = await t.api('POST', '/v1/webhook_deliveries/whd_missing:redeliver')
      assert.equal(missing.status, 404)
    } finally {
      await receiver.close()
    }
  })

  it("410 Gone disables the agent's webhook: its later events make no deliveries", async () => {
    const receiver = await startReceiver(() => 410)
    try {
      const agentId = await agentWithWebhook(receiver.url)
      await runObjective(agentId)
      const log = await until(
        () => deliveries(agentId),
        (d) => d.length > 0 && allSettled(d, d.length),
        'deliveries',
      )
      assert.ok(log.every((d) => d.data.status === 'WEBHOOK_DELIVERY_STATUS_DISABLED'))
      assert.equal(receiver.received.length, 1, 'nothing is sent after the 410')
      assert.equal(log.find((d) => d.data.attemptCount === 1).data.httpStatusCode, 410)
      await runObjective(agentId)
      assert.equal((await deliveries(agentId)).length, log.length, 'no new deliveries')
      // A new URL re-enables the webhook.
      const next = await startReceiver()
      await agentWithWebhookUrl(agentId, next.url)
      await runObjective(agentId)
      await until(
        () => deliveries(agentId),
        (d) => allSettled(d, log.length + 5),
        'deliveries',
      )
      assert.equal(next.delivered().length, 5)
      await next.close()
    } finally {
      await receiver.close()
    }
  })
})

describe('webhook target safety', () => {
  it('targets on loopback addresses are refused unless SORTIE_ALLOW_PRIVATE_WEBHOOKS=1', async () => {
    const strict = await startTestSortie(
      { ...providerEnv([fake]), ...WEBHOOK_ENV, SORTIE_ALLOW_PRIVATE_WEBHOOKS: '0' },
      { worker: true },
    )
    const receiver = await startReceiver()
    try {
      for (const url of [receiver.url, `http://localhost:${receiver.port}/x`, 'http://[::1]:9/x']) {
        const agentId = await agentWithWebhook(url, strict)
        await runObjective(agentId, strict)
        const log = await until(
          () => deliveries(agentId, '', strict),
          (d) => allSettled(d, 5),
          'deliveries',
        )
        assert.ok(
          log.every((d) => d.data.status === 'WEBHOOK_DELIVERY_STATUS_FAILED'),
          url,
        )
        assert.match(log[0].data.errorMessage, /private address/, url)
        assert.equal(log[0].data.attemptCount, 1, 'a refused target is not retried')
      }
      assert.equal(receiver.received.length, 0)
    } finally {
      await receiver.close()
      await strict.sortie.stop()
    }
  })
})

/** Sortie on `databaseUrl` with a known secret key and token, so a restart can read its secrets. */
async function startOwnSortie(databaseUrl: string, secretKey: string, token: string) {
  const env = { ...providerEnv([fake]), ...WEBHOOK_ENV }
  const sortie = await createSortie(
    loadConfig({
      DATABASE_URL: databaseUrl,
      SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-data-')),
      SORTIE_SECRET_KEY: secretKey,
      SORTIE_BOOTSTRAP_TOKEN: token,
      LOG_LEVEL: 'silent',
      ...env,
    }),
    { logger: createLogger('silent', false), env, worker: true },
  )
  const api: TestSortie['api'] = async (method, path, body) => {
    const res = await sortie.http.app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: res.status, headers: res.headers, body: await res.json() }
  }
  const workspace = await api('GET', '/v1/workspaces/current')
  return {
    sortie,
    token,
    databaseUrl,
    workspaceId: workspace.body.metadata.id,
    accountId: workspace.body.metadata.accountId,
    api,
  } satisfies TestSortie
}

describe('webhooks across a server restart', () => {
  it('a receiver down while the server restarts still gets every event exactly once, in order', async () => {
    const databaseUrl = await freshDatabase()
    const secretKey = randomBytes(32).toString('hex')
    const token = `sk_test_${randomBytes(16).toString('hex')}`
    const probe = await startReceiver()
    const port = probe.port
    await probe.close() // the receiver is down: deliveries fail and back off
    const first = await startOwnSortie(databaseUrl, secretKey, token)
    const agentId = await agentWithWebhook(`http://127.0.0.1:${port}/hooks`, first)
    const id = await runObjective(agentId, first)
    const events = await allEvents(first, id)
    await until(
      () => deliveries(agentId, '', first),
      (d) => d.length === 5 && d[0].data.attemptCount >= 1,
      'a failed first attempt',
    )
    await first.sortie.stop()
    const receiver = await startReceiver(() => 200, port)
    const second = await startOwnSortie(databaseUrl, secretKey, token)
    try {
      await until(
        () => deliveries(agentId, '', second),
        (d) => allSettled(d, 5),
        'deliveries after the restart',
      )
      assert.deepEqual(
        receiver.delivered().map((b) => b.data.objectiveEvent.metadata.id),
        events.map((e) => e.metadata.id),
      )
      assert.equal(receiver.received.length, 5)
    } finally {
      await receiver.close()
      await second.sortie.stop()
    }
  })
})
