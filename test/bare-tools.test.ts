/**
 * Bare tool sets (docs/api.md section 5.13, docs/decisions.md decision 22): a tool set without an
 * executor. A call of its tool parks the objective until `tool_calls/{id}:setContent` supplies
 * the result; the loop then goes on with it.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFakeProvider, type FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  eventTypes,
  providerEnv,
  startEngineTest,
  until,
  waitForState,
  type EngineTest,
} from './support/objectives.ts'
import type { TestSortie } from './support/sortie.ts'
import { bareAgent as makeBareAgent, PNG } from './support/bare-tools.ts'

let e: EngineTest
let t: TestSortie
let openai: FakeProvider
let anthropic: FakeProvider
before(async () => {
  anthropic = await startFakeProvider('anthropic')
  e = await startEngineTest({ env: { SORTIE_POLL_MS: '100', ...providerEnv([anthropic]) } })
  ;({ t, fake: openai } = e)
})
after(async () => {
  await e?.close()
  await anthropic?.close()
})

const ws = () => `/v1/workspaces/${t.workspaceId}`
const bareAgent = (modelId: string, opts: { setTimeout?: string; toolTimeout?: string } = {}) =>
  makeBareAgent(t, modelId, opts)

/** Starts an objective whose model calls `snapshot`; returns it parked, with the call's id. */
async function parked(fake: FakeProvider, agentId: string, sortie: TestSortie = t) {
  fake.enqueue({ toolCalls: [{ name: 'snapshot', arguments: { room: 'kitchen' } }] })
  const created = await sortie.api('POST', `${ws()}/objectives`, {
    agentId,
    data: { initialMessage: 'what is in the kitchen?' },
  })
  assert.equal(created.status, 200, JSON.stringify(created.body))
  const id = created.body.metadata.id
  const obj = await waitForState(sortie, id, ['STATE_WAITING', 'STATE_FAILED'])
  assert.equal(obj.status.state, 'STATE_WAITING', JSON.stringify(obj.status))
  const calls = await sortie.api('GET', `${ws()}/objectives/${id}/tool_calls`)
  assert.equal(calls.body.items.length, 1)
  return { id, callId: calls.body.items[0].metadata.id as string }
}

const setContent = (id: string, callId: string, content: unknown, sortie: TestSortie = t) =>
  sortie.api('POST', `${ws()}/objectives/${id}/tool_calls/${callId}:setContent`, { content })

describe('bare tool sets', () => {
  it('a tool set created without spec.adapter is accepted as bare, and its tools need no config (issue 18)', async () => {
    const set = await t.api('POST', `${ws()}/tool_sets`, {
      metadata: { name: 'no-adapter' },
      spec: {},
    })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    assert.deepEqual(set.body.spec.adapter, { type: 'bare', bare: {} })
    const explicit = await t.api('POST', `${ws()}/tool_sets`, {
      metadata: { name: 'explicit-bare' },
      spec: { adapter: { bare: {} } },
    })
    assert.equal(explicit.status, 200, JSON.stringify(explicit.body))
    const tool = await t.api('POST', `${ws()}/tool_sets/${set.body.metadata.id}/tools`, {
      metadata: { name: 'ask' },
      spec: { description: 'asks a human' },
    })
    assert.equal(tool.status, 200, JSON.stringify(tool.body))
    const wrong = await t.api('POST', `${ws()}/tool_sets/${set.body.metadata.id}/tools`, {
      metadata: { name: 'http-in-bare' },
      spec: { config: { http: { requestMethod: 'GET', path: '/x' } } },
    })
    assert.equal(wrong.status, 400)
    assert.match(wrong.body.message, /spec.config.http.*bare/)
    const two = await t.api('POST', `${ws()}/tool_sets`, {
      metadata: { name: 'two-adapters' },
      spec: { adapter: { bare: {}, http: { baseUrl: 'http://127.0.0.1:1' } } },
    })
    assert.equal(two.status, 400)
    const badTimeout = await t.api('POST', `${ws()}/tool_sets`, {
      metadata: { name: 'bad-timeout' },
      spec: { contentTimeout: '5 minutes' },
    })
    assert.equal(badTimeout.status, 400)
    assert.match(JSON.stringify(badTimeout.body.details), /spec.contentTimeout/)
  })

  it('a call of a bare tool parks the objective WAITING with the call WAITING_FOR_CONTENT; setContent resumes the loop with the text', async () => {
    const { agentId } = await bareAgent(MODEL_OF.openai)
    const { id, callId } = await parked(openai, agentId)
    const call = await t.api('GET', `${ws()}/objectives/${id}/tool_calls/${callId}`)
    assert.equal(call.body.executionStatus, 'TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT')
    assert.equal(call.body.result, undefined)
    assert.deepEqual(eventTypes(await allEvents(t, id)), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
    ])
    const continued = await t.api('POST', `${ws()}/objectives/${id}:continue`, {
      message: 'hello?',
    })
    assert.equal(continued.status, 400, 'a parked turn takes no message without enqueue')
    assert.match(continued.body.message, /waiting for tool call content/)

    openai.enqueue({ text: 'a cat is in the kitchen' })
    const before = openai.requests.length
    const res = await setContent(id, callId, [{ type: 'text', text: { text: 'one cat, asleep' } }])
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.executionStatus, 'TOOL_CALL_EXECUTION_STATUS_COMPLETED')
    assert.deepEqual(res.body.result.content, [{ type: 'text', text: { text: 'one cat, asleep' } }])
    const done = await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    await until(() => openai.requests.length > before, 'the model to be called again')
    const sent = openai.requests.at(-1)!.body.messages
    const toolMessage = sent.find((m: any) => m.role === 'tool')
    assert.equal(toolMessage.content, 'one cat, asleep')
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'assistantMessage',
    ])
    assert.equal(events[3].data.toolResult.content, 'one cat, asleep')
    assert.deepEqual(events[3].data.toolResult.result.content, res.body.result.content)
    assert.equal(done.status.state, 'STATE_WAITING')
    const got = await t.api('GET', `${ws()}/objectives/${id}/tool_calls/${callId}`)
    assert.deepEqual(got.body.result, res.body.result)
    assert.equal(got.body.data.result, 'one cat, asleep')
  })

  it('of two concurrent setContent calls exactly one wins (200) and the other is 409; a second answer later is 409 too', async () => {
    const { agentId } = await bareAgent(MODEL_OF.openai)
    const { id, callId } = await parked(openai, agentId)
    openai.enqueue({ text: 'ok' })
    const answers = await Promise.all(
      ['first', 'second'].map((text) => setContent(id, callId, [{ type: 'text', text: { text } }])),
    )
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 409])
    const loser = answers.find((a) => a.status === 409)!
    assert.equal(loser.body.code, 10)
    assert.match(loser.body.message, /not waiting for content/)
    await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    const events = await allEvents(t, id)
    assert.equal(eventTypes(events).filter((x) => x === 'toolResult').length, 1)
    const late = await setContent(id, callId, [{ type: 'text', text: { text: 'late' } }])
    assert.equal(late.status, 409)
  })

  it('bad content is a 400 naming the field and changes nothing: empty, unknown part, bad base64, over the size cap', async () => {
    const { agentId } = await bareAgent(MODEL_OF.openai)
    const { id, callId } = await parked(openai, agentId)
    const big = Buffer.alloc(600 * 1024).toString('base64')
    const cases: [unknown, RegExp][] = [
      [[], /content/],
      [[{ type: 'audio', audio: {} }], /content/],
      [[{ type: 'image', image: { data: 'not base64!', mimeType: 'image/png' } }], /base64/],
      [[{ type: 'image', image: { data: PNG, mimeType: 'text/html' } }], /mimeType/],
      [[{ type: 'image', image: { data: big, mimeType: 'image/png' } }], /content/],
      [
        [
          { type: 'text', text: { text: 'x'.repeat(300 * 1024) } },
          { type: 'text', text: { text: 'y'.repeat(300 * 1024) } },
        ],
        /more than the 524288 allowed/,
      ],
    ]
    for (const [content, pattern] of cases) {
      const res = await setContent(id, callId, content)
      assert.equal(res.status, 400, JSON.stringify(content).slice(0, 80))
      assert.match(JSON.stringify(res.body), pattern)
    }
    const call = await t.api('GET', `${ws()}/objectives/${id}/tool_calls/${callId}`)
    assert.equal(call.body.executionStatus, 'TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT')
    assert.equal((await allEvents(t, id)).length, 3)
  })

  it('setContent on a call of an HTTP tool is 409 (only bare tools wait for content), on an unknown call 404', async () => {
    const { agentId } = await createAgent(t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: e.tools.baseUrl,
    })
    openai.enqueue({ toolCalls: [{ name: 'lookup', arguments: { id: 'r-1' } }] }, { text: 'ok' })
    const created = await t.api('POST', `${ws()}/objectives`, {
      agentId,
      data: { initialMessage: 'look r-1 up' },
    })
    const id = created.body.metadata.id
    await waitForState(t, id, ['STATE_WAITING'])
    const calls = await t.api('GET', `${ws()}/objectives/${id}/tool_calls`)
    const callId = calls.body.items[0].metadata.id
    const http = await setContent(id, callId, [{ type: 'text', text: { text: 'x' } }])
    assert.equal(http.status, 409)
    assert.match(http.body.message, /TOOL_CALL_EXECUTION_STATUS_COMPLETED, not waiting for content/)
    const unknown = await setContent(id, 'tc_nope', [{ type: 'text', text: { text: 'x' } }])
    assert.equal(unknown.status, 404)
  })

  it('cancelling a parked objective ends its call waiting for content (ERRORED); setContent is then refused', async () => {
    const { agentId } = await bareAgent(MODEL_OF.openai)
    const { id, callId } = await parked(openai, agentId)
    const cancelled = await t.api('POST', `${ws()}/objectives/${id}:cancel`, { reason: 'stop' })
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body))
    const call = await t.api('GET', `${ws()}/objectives/${id}/tool_calls/${callId}`)
    assert.equal(call.body.executionStatus, 'TOOL_CALL_EXECUTION_STATUS_ERRORED')
    const late = await setContent(id, callId, [{ type: 'text', text: { text: 'late' } }])
    assert.equal(late.status, 400)
    assert.match(late.body.message, /CANCELLED/)
  })

  it('an image goes to a provider that takes images in tool results (Anthropic) as an image, to one that does not (OpenAI) as a text placeholder', async () => {
    const image = [
      { type: 'text', text: { text: 'the kitchen:' } },
      { type: 'image', image: { data: PNG, mimeType: 'image/png' } },
    ]
    const claude = await bareAgent(MODEL_OF.anthropic)
    const a = await parked(anthropic, claude.agentId)
    anthropic.enqueue({ text: 'I see it' })
    const before = anthropic.requests.length
    assert.equal((await setContent(a.id, a.callId, image)).status, 200)
    await until(() => anthropic.requests.length > before, 'the Anthropic model to be called')
    const sent = JSON.stringify(anthropic.requests.at(-1)!.body.messages)
    assert.match(sent, /"type":"tool_result"/)
    assert.ok(sent.includes(`"data":"${PNG}"`), sent.slice(0, 600))
    assert.match(sent, /"media_type":"image\/png"/)

    const gpt = await bareAgent(MODEL_OF.openai)
    const o = await parked(openai, gpt.agentId)
    openai.enqueue({ text: 'I cannot see it' })
    const sentBefore = openai.requests.length
    assert.equal((await setContent(o.id, o.callId, image)).status, 200)
    await until(() => openai.requests.length > sentBefore, 'the OpenAI model to be called')
    const tool = openai.requests.at(-1)!.body.messages.find((m: any) => m.role === 'tool')
    assert.match(tool.content, /^the kitchen:\n\[image image\/png not shown/)
    assert.ok(!JSON.stringify(tool).includes(PNG), 'no base64 sent as text')
    const events = await allEvents(t, o.id)
    const result = events.find((x) => x.data.type === 'toolResult').data.toolResult
    assert.match(result.content, /\[image: image\/png, 16 bytes\]/)
    assert.deepEqual(result.result.content, image)
  })

  it('contentTimeout turns a missing answer into a toolError and the loop goes on; the tool overrides its set', async () => {
    const { agentId } = await bareAgent(MODEL_OF.openai, {
      setTimeout: '3600s',
      toolTimeout: '0.2s',
    })
    const { id, callId } = await parked(openai, agentId)
    openai.enqueue({ text: 'no picture came' })
    await until(async () => {
      const call = await t.api('GET', `${ws()}/objectives/${id}/tool_calls/${callId}`)
      return call.body.executionStatus === 'TOOL_CALL_EXECUTION_STATUS_ERRORED'
    }, 'the call to time out')
    await waitForState(t, id, ['STATE_WAITING'])
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events).slice(2), ['toolCalled', 'toolError', 'assistantMessage'])
    assert.match(events[3].data.toolError.message, /contentTimeout/)
    const late = await setContent(id, callId, [{ type: 'text', text: { text: 'late' } }])
    assert.equal(late.status, 409)
  })
})
