/**
 * Cost and budgets (docs/api.md section 5.11): every model call is charged at its model's
 * catalogue prices, caps end an objective (and its tree) at the cap, never more than one call
 * past it, and SORTIE_WORKSPACE_MAX_RUNNING keeps one workspace from holding back another.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, beforeEach, describe, it } from 'node:test'
import type { FakeProvider, FakeRequest, FakeTurn } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  eventTypes,
  until,
  waitForState,
  type ToolServer,
  startEngineTest,
  type EngineTest,
} from './support/objectives.ts'
import type { TestSortie } from './support/sortie.ts'
import { openStream } from './support/sse.ts'

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let engine: EngineTest
before(async () => {
  engine = await startEngineTest({
    env: {
      SORTIE_WORKSPACE_MAX_RUNNING: '1',
      SORTIE_ALLOW_PRIVATE_WEBHOOKS: '1',
      SORTIE_WEBHOOK_POLL_MS: '20',
    },
  })
  ;({ t, fake, tools } = engine)
})
after(() => engine?.close())
beforeEach(() => fake.setResponder(() => ({ text: 'done' })))

const ws = () => `/v1/workspaces/${t.workspaceId}`
const ENDED = ['STATE_WAITING', 'STATE_FAILED', 'STATE_TIMED_OUT', 'STATE_CANCELLED']
const lookup = (usage: FakeTurn['usage']): FakeTurn => ({
  toolCalls: [{ name: 'lookup', arguments: { id: 'x' } }],
  usage,
})

/** 1e-11 USD units of a decimal dollar string, to compare amounts exactly. */
const units = (usd: string) => {
  const [whole = '0', frac = ''] = usd.split('.')
  return BigInt(whole) * 10n ** 11n + BigInt((frac + '0'.repeat(11)).slice(0, 11))
}

/** A call's cost at a served model's prices (cents per million tokens), in 1e-11 USD. */
function catalogueCost(spec: any, u: { input: number; output: number; cached?: number }): bigint {
  const milli = (cents: string) => BigInt(Math.round(Number(cents) * 1000))
  const cached = u.cached ?? 0
  return (
    BigInt(u.input - cached) * milli(spec.inputPricePerMillionTokens) +
    BigInt(cached) * milli(spec.cachedInputPricePerMillionTokens) +
    BigInt(u.output) * milli(spec.outputPricePerMillionTokens)
  )
}

async function start(agentId: string, budget?: Record<string, unknown>) {
  const res = await t.api('POST', '/v1/objectives', {
    agentId,
    data: { initialMessage: 'go' },
    ...(budget ? { budget } : {}),
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.metadata.id as string
}

const agentWith = async (constraints?: Record<string, number | string>) =>
  (
    await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
      ...(constraints ? { constraints } : {}),
    })
  ).agentId

describe('cost', () => {
  it('a scripted run costs exactly what the catalogue prices say (cached input included), per window and objective', async () => {
    const model = await t.api('GET', `${ws()}/models/${MODEL_OF.openai}`)
    assert.equal(model.status, 200, JSON.stringify(model.body))
    // Inputs stay under the compaction threshold of the model's context: two calls, no summary.
    const calls = [
      { input: 500_000, output: 200_000, cached: 200_000 },
      { input: 600_000, output: 50_000 },
    ]
    fake.enqueue(lookup(calls[0]), { text: 'found', usage: calls[1] })
    const agentId = await agentWith()
    const id = await start(agentId)
    await waitForState(t, id, ['STATE_WAITING'])
    const got = await t.api('GET', `${ws()}/objectives/${id}`)
    const expected = calls.reduce((sum, c) => sum + catalogueCost(model.body.spec, c), 0n)
    // openai/gpt-4.1-mini ($0.40 / $0.10 cached / $1.60 per M): 0.12 + 0.02 + 0.32, then 0.24 + 0.08.
    assert.equal(expected, units('0.78'))
    assert.equal(got.body.info.totalCostUsd, '0.78')
    assert.equal(got.body.info.totalCostUsdWithSubObjectives, '0.78')
    assert.equal(got.body.info.totalModelCalls, 2)
    assert.equal(got.body.lastFiveWindows[0].data.costUsd, '0.78')
    const agent = await t.api('GET', `${ws()}/agents/${agentId}?includeInfo=true`)
    assert.equal(agent.status, 200, JSON.stringify(agent.body))
    assert.deepEqual(agent.body.info.variationCosts, [
      { variationId: got.body.info.agentVariation.id, objectiveCount: 1, totalCostUsd: '0.78' },
    ])
  })

  it('a model with unknown prices shows no cost field (not 0)', async () => {
    const key = await t.api('POST', '/v1/ai_provider_keys', {
      metadata: { name: 'unpriced' },
      spec: {
        provider: 'AI_PROVIDER_OPENAI_COMPATIBLE',
        baseUrl: fake.baseUrl,
        apiKey: 'fake-key',
        models: [{ id: 'local/unpriced', name: 'fake-local' }],
      },
    })
    assert.equal(key.status, 200, JSON.stringify(key.body))
    const { agentId } = await createAgent(t, {
      modelId: 'local/unpriced',
      toolBaseUrl: tools.baseUrl,
    })
    fake.enqueue({ text: 'hi', usage: { input: 1000, output: 10 } })
    const id = await start(agentId)
    await waitForState(t, id, ['STATE_WAITING'])
    const got = await t.api('GET', `${ws()}/objectives/${id}`)
    assert.equal(got.body.info.totalInputTokens, 1000)
    assert.equal('totalCostUsd' in got.body.info, false, JSON.stringify(got.body.info))
    assert.equal('totalCostUsdWithSubObjectives' in got.body.info, false)
    assert.equal('costUsd' in got.body.lastFiveWindows[0].data, false)
  })
})

describe('budgets', () => {
  it('maxModelCalls: a budget.near notice at 80 %, then the objective FAILS at the cap with budget.exceeded and no further call', async () => {
    fake.setResponder(() => lookup({ input: 10, output: 1 }))
    const before = fake.requests.length
    const id = await start(await agentWith({ maxModelCalls: 5 }))
    const done = await waitForState(t, id, ENDED)
    assert.equal(done.status.state, 'STATE_FAILED', JSON.stringify(done.status))
    assert.match(
      done.status.message,
      /model call budget exhausted: 5 calls used, maxModelCalls is 5/,
    )
    assert.equal(fake.requests.length - before, 5, 'exactly the cap: no call past it')
    const events = await allEvents(t, id)
    const notices = events.filter((e) => e.data.type === 'notice').map((e) => e.data.notice)
    assert.deepEqual(
      notices.map((n) => [n.level, n.key]),
      [
        ['LEVEL_WARN', 'budget.near'],
        ['LEVEL_WARN', 'budget.exceeded'],
      ],
    )
    assert.match(notices[0].message, /4 of 5 calls/)
    assert.deepEqual(eventTypes(events).slice(-2), ['notice', 'error'])
    assert.equal(events.at(-1).data.error.type, 'constraint')
  })

  it('maxCostUsd lowered by the objective budget: it ends within one call of the cap, with the figures', async () => {
    // 500k input tokens of openai/gpt-4.1-mini cost $0.20 a call.
    fake.setResponder(() => lookup({ input: 500_000, output: 0 }))
    const before = fake.requests.length
    const id = await start(await agentWith({ maxCostUsd: '1' }), { maxCostUsd: '0.5' })
    const done = await waitForState(t, id, ENDED)
    assert.equal(done.status.state, 'STATE_FAILED', JSON.stringify(done.status))
    assert.match(done.status.message, /cost budget exhausted: 0\.6 USD spent, maxCostUsd is 0\.5/)
    assert.equal(fake.requests.length - before, 3)
    const got = await t.api('GET', `${ws()}/objectives/${id}`)
    const over = units(got.body.info.totalCostUsd) - units('0.5')
    assert.ok(over >= 0n && over < units('0.2'), 'past the cap by less than one call')
  })

  it('an objective budget above the variation constraint is refused and creates nothing', async () => {
    const agentId = await agentWith({ maxCostUsd: '1', maxModelCalls: 3 })
    const res = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'go' },
      budget: { maxCostUsd: '2', maxModelCalls: 2 },
    })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    const fields = res.body.details[0].fieldViolations.map((v: any) => v.field)
    assert.deepEqual(fields, ['budget.maxCostUsd'])
    const list = await t.api('GET', `${ws()}/objectives?agentId=${agentId}`)
    assert.equal(list.body.items.length, 0)
    const bad = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'go' },
      budget: { maxCostUsd: 'lots', maxDuration: '10 minutes' },
    })
    assert.equal(bad.status, 400)
    assert.deepEqual(bad.body.details[0].fieldViolations.map((v: any) => v.field).sort(), [
      'budget.maxCostUsd',
      'budget.maxDuration',
    ])
  })

  it('maxDuration ("1s") ends the objective TIMED_OUT before the next call', async () => {
    fake.enqueue({ ...lookup({ input: 5, output: 5 }), delayMs: 1100 })
    const before = fake.requests.length
    const id = await start(await agentWith({ maxDuration: '1s' }))
    const done = await waitForState(t, id, ENDED)
    assert.equal(done.status.state, 'STATE_TIMED_OUT', JSON.stringify(done.status))
    assert.match(
      done.status.message,
      /time budget exhausted: \d+ s since the objective was created, maxDuration is 1s/,
    )
    assert.equal(fake.requests.length - before, 1)
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events).slice(-2), ['notice', 'timedOut'])
    assert.equal(events.at(-2).data.notice.key, 'budget.exceeded')
  })

  it("a sub-objective's spend counts against its parent's cap: the parent FAILS at the cap and its child is cancelled", async () => {
    const parent = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
      prompt: 'You are the PARENT.',
      constraints: { maxModelCalls: 4 },
    })
    const child = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
      prompt: 'You are the CHILD.',
    })
    const assigned = await t.api('POST', `/v1/agent_variations/${parent.variationId}/assignments`, {
      subAgentId: child.agentId,
    })
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body))
    const childName = (await t.api('GET', `/v1/agents/${child.agentId}`)).body.metadata.name
    const isChild = (req: FakeRequest) =>
      String(req.body.messages.find((m: any) => m.role === 'system')?.content).includes('CHILD')
    // The parent delegates once; the child then looks things up forever.
    fake.setResponder((req) =>
      isChild(req)
        ? lookup({ input: 100, output: 10 })
        : {
            toolCalls: [{ name: childName, arguments: { prompt: 'dig' } }],
            usage: { input: 100, output: 10 },
          },
    )
    const before = fake.requests.length
    const id = await start(parent.agentId)
    const done = await waitForState(t, id, ['STATE_FAILED', 'STATE_CANCELLED', 'STATE_TIMED_OUT'])
    assert.equal(done.status.state, 'STATE_FAILED', JSON.stringify(done.status))
    assert.match(
      done.status.message,
      /model call budget exhausted: 4 calls used \(sub-objectives included\), maxModelCalls is 4/,
    )
    assert.equal(
      fake.requests.length - before,
      4,
      'one parent call and three of the child, no more',
    )
    const kids = await t.api('GET', `${ws()}/objectives?parentObjectiveId=${id}`)
    assert.equal(kids.body.items.length, 1)
    const kid = await waitForState(t, kids.body.items[0].metadata.id, ENDED)
    assert.equal(kid.status.state, 'STATE_CANCELLED')
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events).slice(-2), ['notice', 'error'])
    const got = await t.api('GET', `${ws()}/objectives/${id}`)
    const own = units(got.body.info.totalCostUsd)
    const tree = units(got.body.info.totalCostUsdWithSubObjectives)
    const childCost = units(kid.info.totalCostUsd)
    assert.equal(tree, own + childCost, 'the tree cost is the parent plus its child, exactly')
    assert.ok(childCost > 0n)
  })
})

describe('notice events beyond the event list', () => {
  it('a budget notice is streamed and sent as the webhook objective_event.notice', async () => {
    const bodies: any[] = []
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => {
        bodies.push(JSON.parse(body))
        res.end('ok')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const agentId = await agentWith({ maxModelCalls: 1 })
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
      const set = await t.api('PATCH', `/v1/agents/${agentId}`, {
        spec: { webhookEventsUrl: url },
        updateMask: 'spec.webhookEventsUrl',
      })
      assert.equal(set.status, 200, JSON.stringify(set.body))
      fake.setResponder(() => lookup({ input: 10, output: 1 }))
      const id = await start(agentId)
      await waitForState(t, id, ['STATE_FAILED'])
      await until(
        () => bodies.some((b) => b.type === 'objective_event.notice'),
        'the notice webhook',
      )
      const hook = bodies.find((b) => b.type === 'objective_event.notice')
      assert.equal(hook.data.objectiveEvent.data.notice.key, 'budget.exceeded')
      assert.equal(hook.data.objectiveEvent.data.notice.level, 'LEVEL_WARN')
      const stream = await openStream(t.sortie, t.token, `${ws()}/objectives/${id}/events:stream`)
      const frames = (await stream.collect()).map((f) => JSON.parse(f.data))
      const notice = frames.find((f) => f.data.type === 'notice')
      assert.match(notice?.data.notice.message, /maxModelCalls is 1/, JSON.stringify(frames))
    } finally {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  })
})

describe('SORTIE_WORKSPACE_MAX_RUNNING', () => {
  it("with a limit of 1, a second workspace's objective still runs while the first workspace's second waits PENDING", async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    fake.setResponder((req) =>
      JSON.stringify(req.body.messages).includes('hold')
        ? { text: 'held', gate }
        : { text: 'done' },
    )
    const agentId = await agentWith()
    const first = (
      await t.api('POST', '/v1/objectives', { agentId, data: { initialMessage: 'hold on' } })
    ).body.metadata.id
    await waitForState(t, first, ['STATE_RUNNING'])
    const second = await start(agentId)

    const other = await t.api('POST', '/v1/account/workspaces', {
      metadata: { name: 'tenant-b' },
      spec: {},
    })
    assert.equal(other.status, 200, JSON.stringify(other.body))
    const b = `/v1/workspaces/${other.body.metadata.id}`
    const agent = await t.api('POST', `${b}/agents`, {
      metadata: { name: 'b-agent' },
      spec: { status: 'AGENT_STATUS_PUBLISHED' },
      defaultVariation: {
        metadata: { name: 'v' },
        spec: { prompt: 'Answer.', modelConfig: { modelId: MODEL_OF.openai } },
      },
    })
    assert.equal(agent.status, 200, JSON.stringify(agent.body))
    const created = await t.api('POST', `${b}/objectives`, {
      agentId: agent.body.metadata.id,
      data: { initialMessage: 'go' },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const bId = created.body.metadata.id
    await until(async () => {
      const r = await t.api('GET', `${b}/objectives/${bId}`)
      return r.body.status.state === 'STATE_WAITING'
    }, 'the other workspace objective to run to the end of its turn')

    const waiting = await t.api('GET', `${ws()}/objectives/${second}`)
    assert.equal(waiting.body.status.state, 'STATE_PENDING', 'held back by the limit')
    release()
    await waitForState(t, first, ['STATE_WAITING'])
    await waitForState(t, second, ['STATE_WAITING'])
  })
})
