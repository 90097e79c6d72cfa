import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  eventTypes,
  startEngineTest,
  waitForState,
  type EngineTest,
  type ToolServer,
} from './support/objectives.ts'
import type { TestSortie } from './support/sortie.ts'
import { openStream } from './support/sse.ts'

let t: TestSortie
let fake: FakeProvider
let tools: ToolServer
let engine: EngineTest
before(async () => {
  engine = await startEngineTest({
    env: { SORTIE_ALLOW_PRIVATE_WEBHOOKS: '1', SORTIE_WEBHOOK_POLL_MS: '20' },
  })
  ;({ t, fake, tools } = engine)
})
after(() => engine?.close())

const violations = (res: { body: any }) =>
  (res.body.details?.[0]?.fieldViolations ?? []).map((v: any) => v.field)

let n = 0
async function layer(
  entries: Record<string, { title?: string; description?: string; content: string }>,
) {
  const res = await t.api('POST', '/v1/memory_layers', {
    metadata: { name: `layer-${++n}` },
    spec: { type: 'MEMORY_LAYER_TYPE_SKILLS' },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  const id: string = res.body.metadata.id
  const ids: Record<string, string> = {}
  for (const [key, e] of Object.entries(entries)) {
    const made = await t.api('POST', `/v1/memory_layers/${id}/entries`, {
      metadata: { name: key },
      spec: { key, ...e },
    })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    ids[key] = made.body.metadata.id
  }
  return { id, ids }
}

const agent = () => createAgent(t, { modelId: MODEL_OF.openai, toolBaseUrl: tools.baseUrl })
const assignPath = (a: { agentId: string; variationId: string }) =>
  `/v1/agents/${a.agentId}/variations/${a.variationId}/memory_layer_assignments`
const load = (key: string) => ({ name: 'memory_load_skill', arguments: { key } })

async function create(body: Record<string, unknown>) {
  const res = await t.api('POST', '/v1/objectives', body)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

describe('variation memory layer assignments', () => {
  it('layers are assigned at unique positions, shown bottom to top in the variation info', async () => {
    const a = await agent()
    const low = await layer({})
    const high = await layer({})
    const top = await t.api('POST', assignPath(a), { memoryLayerId: high.id, position: 5 })
    assert.equal(top.status, 200, JSON.stringify(top.body))
    assert.match(top.body.id, /^vmla_/)
    assert.deepEqual(top.body.memoryLayer, { id: high.id, name: `layer-${n}` })
    const ws = `/v1/workspaces/${t.workspaceId}`
    const bottom = await t.api('POST', `${ws}${assignPath(a).slice(3)}`, {
      memoryLayerId: low.id,
      position: 1,
    })
    assert.equal(bottom.status, 200, JSON.stringify(bottom.body))
    const v = await t.api('GET', `/v1/agents/${a.agentId}/variations/${a.variationId}`)
    assert.equal(v.body.info.memoryLayerCount, 2)
    assert.deepEqual(
      v.body.info.memoryLayerAssignments.map((m: any) => [m.memoryLayer.id, m.position]),
      [
        [low.id, 1],
        [high.id, 5],
      ],
    )
    const clash = await t.api('PATCH', `${assignPath(a)}/${bottom.body.id}`, { position: 5 })
    assert.equal(clash.status, 400)
    assert.equal(clash.body.code, 3)
    assert.deepEqual(violations(clash), ['position'])
    const moved = await t.api('PATCH', `${assignPath(a)}/${bottom.body.id}`, { position: 9 })
    assert.equal(moved.body.position, 9)
    const flat = await t.api(
      'DELETE',
      `/v1/agent_variations/${a.variationId}/memory_layer_assignments/${top.body.id}`,
    )
    assert.equal(flat.status, 200)
    const after = await t.api('GET', `/v1/agents/${a.agentId}/variations/${a.variationId}`)
    assert.equal(after.body.info.memoryLayerCount, 1)
  })

  it('a taken position, an 11th layer and an unknown layer are 400 naming the field', async () => {
    const a = await agent()
    const layers: { id: string }[] = []
    for (let i = 0; i < 11; i++) layers.push(await layer({}))
    for (let i = 0; i < 10; i++) {
      const res = await t.api('POST', assignPath(a), { memoryLayerId: layers[i]!.id })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.position, i)
    }
    const eleventh = await t.api('POST', assignPath(a), { memoryLayerId: layers[10]!.id })
    assert.equal(eleventh.status, 400)
    assert.equal(eleventh.body.code, 3)
    const b = await agent()
    await t.api('POST', assignPath(b), { memoryLayerId: layers[0]!.id, position: 3 })
    const taken = await t.api('POST', assignPath(b), { memoryLayerId: layers[1]!.id, position: 3 })
    assert.equal(taken.status, 400)
    assert.deepEqual(violations(taken), ['position'])
    const unknown = await t.api('POST', assignPath(b), { memoryLayerId: 'memlyr_nothing' })
    assert.equal(unknown.status, 400)
    assert.deepEqual(violations(unknown), ['memoryLayerId'])
    const v = await t.api('GET', `/v1/agents/${b.agentId}/variations/${b.variationId}`)
    assert.equal(v.body.info.memoryLayerCount, 1)
  })
})

describe('the memory stack at run time', () => {
  it('the model loads a skill (memory_load_skill or get_memory): memoryRead, and the body in the next request; a pinned entry is a one-entry layer on top', async () => {
    const a = await agent()
    const base = await layer({
      'skills/refunds': {
        title: 'Refunds',
        description: 'Use for refunds',
        content: 'BASE refunds',
      },
      'skills/tone': { title: 'Tone', description: 'How to write', content: 'Be brief.' },
      'skills/shadowed': { title: 'Shadowed', content: 'BASE shadowed' },
    })
    const top = await layer({
      'skills/shadowed': { title: 'Top', content: 'TOP shadowed' },
      'skills/unpinned': { title: 'Unpinned', content: 'never served' },
    })
    assert.equal((await t.api('POST', assignPath(a), { memoryLayerId: base.id })).status, 200)
    const pin = { memoryLayerId: top.id, memoryEntryId: top.ids['skills/shadowed'] }
    fake.enqueue(
      { toolCalls: [load('skills/refunds')] },
      { toolCalls: [load('skills/shadowed')] },
      { toolCalls: [load('skills/unpinned')] },
      { toolCalls: [{ name: 'get_memory', arguments: { key: 'skills/tone' } }] },
      { text: 'done' },
    )
    const first = fake.requests.length
    const created = await create({
      agentId: a.agentId,
      data: { initialMessage: 'refund order 7', memoryStack: [pin] },
    })
    assert.deepEqual(created.data.memoryStack, [pin])
    assert.deepEqual(created.info.effectiveMemoryStack, [{ memoryLayerId: base.id }, pin])
    const builtins = created.info.callableTools
      .filter((c: any) => c.cadenyaProvidedTool)
      .map((c: any) => c.cadenyaProvidedTool.name)
    assert.ok(builtins.includes('memory_load_skill'), JSON.stringify(builtins))
    assert.ok(!builtins.includes('memory_save'))
    const listed = await t.api('GET', `/v1/objectives/${created.metadata.id}/tools`)
    assert.ok(
      listed.body.items.some((x: any) => x.metadata.name === 'memory_load_skill'),
      JSON.stringify(listed.body),
    )
    await waitForState(t, created.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])

    const request = fake.requests[first]!.body
    const system = request.messages.find((m: any) => m.role === 'system').content
    assert.match(system, /You look records up\./)
    assert.match(system, /- skills\/refunds: Refunds — Use for refunds/)
    assert.match(system, /- skills\/shadowed: Top/)
    assert.doesNotMatch(system, /unpinned/)
    const offered = request.tools.map((x: any) => x.function.name)
    assert.ok(offered.includes('memory_load_skill'))
    assert.ok(offered.includes('get_memory'))
    assert.match(JSON.stringify(fake.requests[first + 1]!.body.messages), /BASE refunds/)

    const events = await allEvents(t, created.metadata.id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'memoryRead',
      'toolResult',
      'assistantMessage',
      'toolCalled',
      'memoryRead',
      'toolResult',
      'assistantMessage',
      'toolCalled',
      'toolError',
      'assistantMessage',
      'toolCalled',
      'memoryRead',
      'toolResult',
      'assistantMessage',
    ])
    assert.deepEqual(events[3].data.memoryRead, {
      memoryLayerId: base.id,
      memoryEntryId: base.ids['skills/refunds'],
      message: 'loaded "skills/refunds"',
    })
    assert.equal(events[4].data.toolResult.content, 'BASE refunds')
    assert.equal(events[7].data.memoryRead.memoryLayerId, top.id)
    assert.equal(events[8].data.toolResult.content, 'TOP shadowed')
    assert.match(events[11].data.toolError.message, /skills\/unpinned/)
    assert.equal(events[15].data.toolResult.content, 'Be brief.')
    const used = await t.api('GET', `/v1/memory_layers/${base.id}`)
    assert.ok(used.body.info.lastUsedAt)
  })

  it('a skill uploaded as a file loads like any other', async () => {
    const a = await agent()
    const text = '# Escalations\nPage the on-call.'
    const up = await t.api('POST', '/v1/uploads', {
      metadata: { name: 'escalations.md' },
      spec: {
        contentType: 'text/markdown',
        filename: 'escalations.md',
        sizeBytes: String(Buffer.byteLength(text)),
      },
    })
    assert.equal(up.status, 200, JSON.stringify(up.body))
    const url = new URL(up.body.info.uploadUrl)
    const put = await t.api('PUT', url.pathname + url.search, undefined, {
      token: null,
      rawBody: text,
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    const skills = await layer({})
    const made = await t.api('POST', `/v1/memory_layers/${skills.id}/entries`, {
      metadata: { name: 'escalations' },
      spec: { key: 'skills/escalate', title: 'Escalations', uploadId: up.body.metadata.id },
    })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    await t.api('POST', assignPath(a), { memoryLayerId: skills.id, position: 0 })
    fake.enqueue({ toolCalls: [load('skills/escalate')] }, { text: 'paged' })
    const created = await create({ agentId: a.agentId, data: { initialMessage: 'it is down' } })
    await waitForState(t, created.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
    const events = await allEvents(t, created.metadata.id)
    const read = events.find((e: any) => e.data.type === 'memoryRead')
    assert.equal(read?.data.memoryRead.memoryEntryId, made.body.metadata.id)
    const result = events.find((e: any) => e.data.type === 'toolResult')
    assert.equal(result.data.toolResult.content, text)
  })

  it('the stack is snapshotted at creation: later assignment changes leave the objective as it was', async () => {
    const a = await agent()
    const one = await layer({ k: { content: 'one' } })
    const assigned = await t.api('POST', assignPath(a), { memoryLayerId: one.id })
    fake.enqueue({ text: 'ok' })
    const created = await create({ agentId: a.agentId, data: { initialMessage: 'hi' } })
    await waitForState(t, created.metadata.id, ['STATE_WAITING'])
    await t.api('DELETE', `${assignPath(a)}/${assigned.body.id}`)
    const got = await t.api(
      'GET',
      `/v1/workspaces/${t.workspaceId}/objectives/${created.metadata.id}`,
    )
    assert.deepEqual(got.body.info.effectiveMemoryStack, [{ memoryLayerId: one.id }])
    assert.match(got.body.data.systemPrompt, /- k/)
    // A new objective's manifest reads the entries as they are now (no stale manifest).
    const edited = await t.api('PATCH', `/v1/memory_layers/${one.id}/entries/${one.ids.k}`, {
      spec: { title: 'Edited title' },
    })
    assert.equal(edited.status, 200, JSON.stringify(edited.body))
    fake.enqueue({ text: 'ok' })
    const next = await create({
      agentId: a.agentId,
      data: { initialMessage: 'hi', memoryStack: [{ memoryLayerId: one.id }] },
    })
    assert.match(next.data.systemPrompt, /- k: Edited title/)
    await t.api('DELETE', `/v1/memory_layers/${one.id}/entries/${one.ids.k}`)
    fake.enqueue({ text: 'ok' })
    const last = await create({
      agentId: a.agentId,
      data: { initialMessage: 'hi', memoryStack: [{ memoryLayerId: one.id }] },
    })
    assert.doesNotMatch(last.data.systemPrompt, /Skills/)
    await waitForState(t, next.metadata.id, ['STATE_WAITING'])
    await waitForState(t, last.metadata.id, ['STATE_WAITING'])
  })

  it('the manifest is bounded to 200 entries and says how many it left out', async () => {
    const a = await agent()
    const big = await layer({})
    for (let batch = 0; batch < 205; batch += 41) {
      await Promise.all(
        Array.from({ length: 41 }, (_, i) =>
          t.api('POST', `/v1/memory_layers/${big.id}/entries`, {
            metadata: { name: `e${batch + i}` },
            spec: { key: `k/${String(batch + i).padStart(3, '0')}`, content: 'x' },
          }),
        ),
      )
    }
    fake.enqueue({ text: 'ok' })
    const created = await create({
      agentId: a.agentId,
      data: { initialMessage: 'hi', memoryStack: [{ memoryLayerId: big.id }] },
    })
    const listed = created.data.systemPrompt.split('\n').filter((l: string) => l.startsWith('- k/'))
    assert.equal(listed.length, 200)
    assert.match(
      created.data.systemPrompt,
      /\(5 more skills are not listed; they load by key too\)/,
    )
    await waitForState(t, created.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
  })

  it('bad stacks are 400 naming the field and create nothing', async () => {
    const a = await agent()
    const other = await layer({ x: { content: 'x' } })
    const mine = await layer({})
    const before = await t.api('GET', `/v1/objectives?agentId=${a.agentId}`)
    const cases: [unknown[], number, string][] = [
      [[{ memoryLayerId: 'memlyr_missing' }], 3, 'data.memoryStack.0.memoryLayerId'],
      [
        [{ memoryLayerId: mine.id, memoryEntryId: other.ids.x }],
        3,
        'data.memoryStack.0.memoryEntryId',
      ],
      [Array.from({ length: 11 }, () => ({ memoryLayerId: mine.id })), 3, 'data.memoryStack'],
    ]
    for (const [memoryStack, code, field] of cases) {
      const res = await t.api('POST', '/v1/objectives', {
        agentId: a.agentId,
        data: { initialMessage: 'hi', memoryStack },
      })
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.code, code)
      assert.deepEqual(violations(res), [field])
    }
    // 10 from the variation and 1 more is 11 in all.
    for (let i = 0; i < 10; i++) {
      const l = await layer({})
      assert.equal((await t.api('POST', assignPath(a), { memoryLayerId: l.id })).status, 200)
    }
    const over = await t.api('POST', '/v1/objectives', {
      agentId: a.agentId,
      data: { initialMessage: 'hi', memoryStack: [{ memoryLayerId: mine.id }] },
    })
    assert.equal(over.status, 400)
    assert.equal(over.body.code, 3)
    assert.deepEqual(violations(over), ['data.memoryStack'])
    const after = await t.api('GET', `/v1/objectives?agentId=${a.agentId}`)
    assert.equal(after.body.pagination.total, before.body.pagination.total)
  })
})

describe('memoryRead beyond the event list', () => {
  it('is streamed, sent as the webhook objective_event.memory_read and listed by its delivery event type', async () => {
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
      const a = await agent()
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`
      const set = await t.api('PATCH', `/v1/agents/${a.agentId}`, {
        spec: { webhookEventsUrl: url },
        updateMask: 'spec.webhookEventsUrl',
      })
      assert.equal(set.status, 200, JSON.stringify(set.body))
      const skills = await layer({ hooked: { content: 'hook body' } })
      await t.api('POST', assignPath(a), { memoryLayerId: skills.id })
      fake.enqueue({ toolCalls: [load('hooked')] }, { text: 'done' })
      const created = await create({ agentId: a.agentId, data: { initialMessage: 'go' } })
      await waitForState(t, created.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
      const deadline = Date.now() + 10_000
      while (!bodies.some((b) => b.type === 'objective_event.memory_read')) {
        assert.ok(Date.now() < deadline, JSON.stringify(bodies.map((b) => b.type)))
        await new Promise((r) => setTimeout(r, 20))
      }
      const stream = await openStream(
        t.sortie,
        t.token,
        `/v1/workspaces/${t.workspaceId}/objectives/${created.metadata.id}/events:stream`,
      )
      const frames = (await stream.collect()).map((f) => JSON.parse(f.data))
      const streamed = frames.find((f) => f.data.type === 'memoryRead')
      assert.equal(streamed?.data.memoryRead.memoryLayerId, skills.id, JSON.stringify(frames))
      const hook = bodies.find((b) => b.type === 'objective_event.memory_read')
      assert.equal(hook.data.objectiveEvent.data.memoryRead.memoryLayerId, skills.id)
      const deliveries = await t.api(
        'GET',
        `/v1/agents/${a.agentId}/webhook_deliveries?eventType=OBJECTIVE_EVENT_TYPE_MEMORY_READ`,
      )
      assert.equal(deliveries.status, 200, JSON.stringify(deliveries.body))
      assert.equal(deliveries.body.items.length, 1)
    } finally {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  })
})

describe('episodic memory', () => {
  it('objectives of one agent and key share one episodic layer: the second loads what the first saved', async () => {
    const a = await agent()
    await t.api('PATCH', `/v1/agents/${a.agentId}/variations/${a.variationId}`, {
      spec: { episodicMemoryTtl: 3600 },
      updateMask: 'spec.episodicMemoryTtl',
    })
    fake.enqueue(
      {
        toolCalls: [
          {
            name: 'memory_save',
            arguments: { key: 'customer/prefs', title: 'Prefs', content: 'Likes tea.' },
          },
        ],
      },
      { text: 'saved' },
    )
    const first = await create({
      agentId: a.agentId,
      data: { initialMessage: 'remember' },
      episodicMemory: { key: 'cust-42' },
    })
    assert.equal(first.episodicMemory.key, 'cust-42')
    const layerId = first.episodicMemory.memoryLayerId
    assert.match(layerId, /^memlyr_/)
    assert.deepEqual(first.info.effectiveMemoryStack, [{ memoryLayerId: layerId }])
    await waitForState(t, first.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
    const firstEvents = await allEvents(t, first.metadata.id)
    assert.ok(
      eventTypes(firstEvents).includes('toolResult'),
      JSON.stringify(eventTypes(firstEvents)),
    )

    const episodic = await t.api('GET', `/v1/memory_layers/${layerId}?includeInfo=true`)
    assert.equal(episodic.body.spec.type, 'MEMORY_LAYER_TYPE_EPISODIC')
    assert.equal(episodic.body.spec.systemManaged, true)
    assert.equal(episodic.body.info.entryCount, 1)
    assert.ok(episodic.body.spec.expiresAt)

    fake.enqueue({ toolCalls: [load('customer/prefs')] }, { text: 'tea it is' })
    const at = fake.requests.length
    const second = await create({
      agentId: a.agentId,
      data: { initialMessage: 'what do they like?' },
      episodicMemory: { key: 'cust-42' },
    })
    assert.equal(second.episodicMemory.memoryLayerId, layerId)
    await waitForState(t, second.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
    const system = fake.requests[at]!.body.messages[0].content
    assert.match(system, /- customer\/prefs: Prefs/)
    const events = await allEvents(t, second.metadata.id)
    const read = events.find((e: any) => e.data.type === 'memoryRead')
    assert.equal(read.data.memoryRead.memoryLayerId, layerId)
    const result = events.find((e: any) => e.data.type === 'toolResult')
    assert.equal(result.data.toolResult.content, 'Likes tea.')

    fake.enqueue({ text: 'ok' })
    const other = await create({
      agentId: a.agentId,
      data: { initialMessage: 'x' },
      episodicMemory: { key: 'cust-43' },
    })
    assert.notEqual(other.episodicMemory.memoryLayerId, layerId)
    // Each test lets its objectives finish: they share the fake provider's queue of turns.
    await waitForState(t, other.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
  })

  it('seed era: a variation with enableEpisodicMemory keys the episode by the external id', async () => {
    const a = await agent()
    await t.api('PATCH', `/v1/agents/${a.agentId}/variations/${a.variationId}`, {
      spec: { enableEpisodicMemory: true },
      updateMask: 'spec.enableEpisodicMemory',
    })
    fake.enqueue({ text: 'ok' }, { text: 'ok' })
    const keyed = await create({
      agentId: a.agentId,
      data: { initialMessage: 'x' },
      metadata: { externalId: 'episode-7' },
    })
    assert.equal(keyed.episodicMemory.key, 'episode-7')
    const offered = keyed.info.callableTools.map((c: any) => c.cadenyaProvidedTool?.name)
    assert.ok(offered.includes('memory_save'), JSON.stringify(offered))
    const unkeyed = await create({ agentId: a.agentId, data: { initialMessage: 'x' } })
    assert.equal(unkeyed.episodicMemory, undefined)
    assert.deepEqual(unkeyed.info.effectiveMemoryStack, [])
    await waitForState(t, keyed.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
    await waitForState(t, unkeyed.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
  })

  it('the API reads episodic layers but refuses to change them or reference them (400 code 9)', async () => {
    const a = await agent()
    fake.enqueue({ text: 'ok' })
    const made = await create({
      agentId: a.agentId,
      data: { initialMessage: 'x' },
      episodicMemory: { key: 'k-ro' },
    })
    const id = made.episodicMemory.memoryLayerId
    await waitForState(t, made.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
    const attempts = [
      await t.api('PATCH', `/v1/memory_layers/${id}`, { spec: { description: 'mine' } }),
      await t.api('DELETE', `/v1/memory_layers/${id}`),
      await t.api('POST', `/v1/memory_layers/${id}/entries`, {
        metadata: { name: 'e' },
        spec: { key: 'e', content: 'x' },
      }),
      await t.api('POST', assignPath(a), { memoryLayerId: id }),
      await t.api('POST', '/v1/objectives', {
        agentId: a.agentId,
        data: { initialMessage: 'x', memoryStack: [{ memoryLayerId: id }] },
      }),
    ]
    for (const res of attempts) {
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.code, 9)
    }
    assert.equal((await t.api('GET', `/v1/memory_layers/${id}`)).status, 200)
    const list = await t.api('GET', '/v1/memory_layers?type=MEMORY_LAYER_TYPE_EPISODIC')
    assert.ok(list.body.items.some((l: any) => l.metadata.id === id))
  })

  it('two saves of one key at once leave one entry; an expired entry is never served', async () => {
    const a = await agent()
    const save = (content: string) => ({
      toolCalls: [{ name: 'memory_save', arguments: { key: 'shared', content } }],
    })
    // Two objectives run at once; whichever takes which turn, two saves of one key are made.
    fake.enqueue(save('write 0'), save('write 1'), { text: 'a' }, { text: 'b' })
    const made = await Promise.all(
      ['one', 'two'].map(() =>
        create({
          agentId: a.agentId,
          data: { initialMessage: 'x' },
          episodicMemory: { key: 'race' },
        }),
      ),
    )
    assert.equal(made[0].episodicMemory.memoryLayerId, made[1].episodicMemory.memoryLayerId)
    const layerId = made[0].episodicMemory.memoryLayerId
    for (const m of made) await waitForState(t, m.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
    const list = await t.api('GET', `/v1/memory_layers/${layerId}/entries`)
    assert.equal(list.body.pagination.total, 1)
    const entry = await t.api(
      'GET',
      `/v1/memory_layers/${layerId}/entries/${list.body.items[0].metadata.id}`,
    )
    assert.match(entry.body.content, /^write [01]$/)
    // Expiry is ttl after the write; the clock cannot be moved through the API.
    await t.sortie.deps.db
      .updateTable('memory_entries')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('layer_id', '=', layerId)
      .execute()
    const gone = await t.api('GET', `/v1/memory_layers/${layerId}/entries`)
    assert.equal(gone.body.pagination.total, 0)
    fake.enqueue({ toolCalls: [load('shared')] }, { text: 'nothing' })
    const third = await create({
      agentId: a.agentId,
      data: { initialMessage: 'x' },
      episodicMemory: { key: 'race' },
    })
    await waitForState(t, third.metadata.id, ['STATE_WAITING', 'STATE_FAILED'])
    assert.doesNotMatch(third.data.systemPrompt, /shared/)
    const types = eventTypes(await allEvents(t, third.metadata.id))
    assert.ok(types.includes('toolError') && !types.includes('memoryRead'), JSON.stringify(types))
  })
})
