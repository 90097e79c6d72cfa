/**
 * `constraints.inactivityTimeout` (the newest API's "7200s" form): an objective that stays
 * RUNNING or WAITING longer than that without progress ends TIMED_OUT with a `timedOut` event
 * last (STATE_TIMED_OUT on the workspace family, STATE_FAILED on the implicit one, decision 2),
 * and can no longer be continued; one that keeps making progress does not.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  eventTypes,
  startEngineTest,
  waitForState,
  type EngineTest,
} from './support/objectives.ts'

let e: EngineTest
before(async () => {
  e = await startEngineTest({ env: { SORTIE_POLL_MS: '100' } })
})
after(() => e?.close())

async function agentWithTimeout(timeout: string) {
  const { agentId, variationId } = await createAgent(e.t, {
    modelId: MODEL_OF.openai,
    toolBaseUrl: e.tools.baseUrl,
  })
  const res = await e.t.api('PATCH', `/v1/agents/${agentId}/variations/${variationId}`, {
    spec: { constraints: { inactivityTimeout: timeout } },
    updateMask: 'spec.constraints',
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  assert.equal(res.body.spec.constraints.inactivityTimeout, timeout)
  return agentId
}

describe('inactivity timeouts', () => {
  it('a WAITING objective idle past its inactivityTimeout ends TIMED_OUT with timedOut last, and cannot be continued', async () => {
    const agentId = await agentWithTimeout('1s')
    e.fake.enqueue({ text: 'done for now' })
    const created = await e.t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'hello' },
    })
    const id = created.body.metadata.id
    const ended = await waitForState(e.t, id, ['STATE_TIMED_OUT'])
    assert.match(ended.status.message, /no progress for 1s \(constraints.inactivityTimeout\)/)
    const implicit = await e.t.api('GET', `/v1/objectives/${id}`)
    assert.equal(implicit.body.status.state, 'STATE_FAILED')
    const events = await allEvents(e.t, id)
    assert.deepEqual(eventTypes(events), ['userMessage', 'assistantMessage', 'timedOut'])
    assert.match(events[2].data.timedOut.message, /inactivityTimeout/)
    const cont = await e.t.api('POST', `/v1/objectives/${id}/continue`, { message: 'again' })
    assert.equal(cont.status, 400)
    assert.equal(cont.body.code, 9)
  })

  it('a RUNNING objective stuck in a model call past its timeout ends TIMED_OUT and its run stops', async () => {
    const agentId = await agentWithTimeout('1s')
    e.fake.enqueue({ text: 'too late', delayMs: 4000 })
    const created = await e.t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'slow one' },
    })
    const id = created.body.metadata.id
    await waitForState(e.t, id, ['STATE_TIMED_OUT'])
    // The late answer never lands: the version bump refuses the worker's commit.
    await new Promise((r) => setTimeout(r, 4500))
    const events = await allEvents(e.t, id)
    assert.deepEqual(eventTypes(events), ['userMessage', 'timedOut'])
    const final = await e.t.api('GET', `/v1/workspaces/${e.t.workspaceId}/objectives/${id}`)
    assert.equal(final.body.status.state, 'STATE_TIMED_OUT')
  })

  it('an objective without an inactivityTimeout never times out; a bad one is 400 naming the field', async () => {
    const bad = await e.t.api('POST', '/v1/agents', {
      metadata: { name: 'bad-timeout' },
      defaultVariation: {
        metadata: { name: 'v' },
        spec: { constraints: { inactivityTimeout: '2 hours' } },
      },
    })
    assert.equal(bad.status, 400)
    assert.match(JSON.stringify(bad.body.details), /constraints.inactivityTimeout/)
    const { agentId } = await createAgent(e.t, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: e.tools.baseUrl,
    })
    e.fake.enqueue({ text: 'idle forever' })
    const created = await e.t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'hi' },
    })
    await waitForState(e.t, created.body.metadata.id, ['STATE_WAITING'])
    await new Promise((r) => setTimeout(r, 1500))
    const still = await waitForState(e.t, created.body.metadata.id, ['STATE_WAITING'])
    assert.equal(still.status.state, 'STATE_WAITING')
  })
})
