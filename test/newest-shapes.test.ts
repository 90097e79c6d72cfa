import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  startEngineTest,
  startToolServer,
  waitForState,
  type EngineTest,
  type ToolServer,
} from './support/objectives.ts'
import type { TestSortie } from './support/sortie.ts'
import { fillChallengeTokens } from '../src/modules/accounts/index.ts'

let t: TestSortie
let fake: FakeProvider
let engine: EngineTest
let slowTools: ToolServer
let agent: { agentId: string; variationId: string; toolId: string; toolSetId: string }
before(async () => {
  engine = await startEngineTest()
  ;({ t, fake } = engine)
  // The tool answers after 300 ms, so its result event has a duration to show.
  slowTools = await startToolServer(300)
  agent = await createAgent(t, { modelId: MODEL_OF.openai, toolBaseUrl: slowTools.baseUrl })
})
after(async () => {
  await engine?.close()
  await slowTools?.close()
})

const fields = (body: any): string[] =>
  body.details?.[0]?.fieldViolations?.map((v: any) => v.field) ?? []

/** Runs one objective that calls `lookup` once (the model answering after 200 ms), then ends its turn. */
async function runOneToolCall(): Promise<{ objective: any; events: any[] }> {
  fake.enqueue(
    { toolCalls: [{ name: 'lookup', arguments: { id: '7' } }], delayMs: 200 },
    { text: 'found it' },
  )
  const res = await t.api('POST', '/v1/objectives', {
    agentId: agent.agentId,
    data: { initialMessage: 'look 7 up' },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  await waitForState(t, res.body.metadata.id, ['STATE_WAITING'])
  const objective = (await t.api('GET', `/v1/objectives/${res.body.metadata.id}`)).body
  return { objective, events: await allEvents(t, res.body.metadata.id) }
}

describe('union shapes of the newest API, beside the seed-era ones', () => {
  it('tool-set adapters carry type on the workspace family; a type-tagged adapter is accepted and a wrong tag is a 400', async () => {
    const ws = `/v1/workspaces/${t.workspaceId}`
    const newest = await t.api('GET', `${ws}/tool_sets/${agent.toolSetId}`)
    assert.equal(newest.body.spec.adapter.type, 'http')
    assert.equal(newest.body.spec.adapter.http.baseUrl, slowTools.baseUrl)
    const seed = await t.api('GET', `/v1/tool_sets/${agent.toolSetId}`)
    assert.deepEqual(
      Object.keys(seed.body.spec.adapter),
      ['http'],
      'the implicit family serves the adapter as written',
    )
    const tagged = await t.api('POST', `${ws}/tool_sets`, {
      metadata: { name: 'tagged' },
      spec: { adapter: { type: 'http', http: { baseUrl: 'http://127.0.0.1:9/api' } } },
    })
    assert.equal(tagged.status, 200, JSON.stringify(tagged.body))
    assert.deepEqual(tagged.body.spec.adapter, {
      type: 'http',
      http: { baseUrl: 'http://127.0.0.1:9/api', headers: {} },
    })
    const listed = await t.api('GET', `/v1/tool_sets?prefix=tagged`)
    assert.deepEqual(listed.body.items[0].spec.adapter, {
      http: { baseUrl: 'http://127.0.0.1:9/api', headers: {} },
    })
    const moved = await t.api('PATCH', `${ws}/tool_sets/${tagged.body.metadata.id}`, {
      spec: { adapter: { http: { baseUrl: 'http://127.0.0.1:9/v2' } } },
      updateMask: 'spec.adapter.http.baseUrl',
    })
    assert.equal(moved.status, 200, JSON.stringify(moved.body))
    assert.equal(moved.body.spec.adapter.type, 'http')
    assert.equal(moved.body.spec.adapter.http.baseUrl, 'http://127.0.0.1:9/v2')
    const wrong = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'mistagged' },
      spec: { adapter: { type: 'mcp', http: { baseUrl: 'http://127.0.0.1:9/api' } } },
    })
    assert.equal(wrong.status, 400, JSON.stringify(wrong.body))
    assert.deepEqual(fields(wrong.body), ['spec.adapter.type'])
    const list = await t.api('GET', '/v1/tool_sets?prefix=mistagged')
    assert.equal(list.body.items.length, 0)
  })

  it('variation assignments carry type, and the union form {type, toolSet: {id}} assigns', async () => {
    const set = await t.api('POST', '/v1/tool_sets', {
      metadata: { name: 'assign-me' },
      spec: { adapter: { http: { baseUrl: 'http://127.0.0.1:9/api' } } },
    })
    const union = await t.api(
      'POST',
      `/v1/workspaces/${t.workspaceId}/agents/${agent.agentId}/variations/${agent.variationId}/assignments`,
      { type: 'toolSet', toolSet: { id: set.body.metadata.id } },
    )
    assert.equal(union.status, 200, JSON.stringify(union.body))
    assert.equal(union.body.type, 'toolSet')
    assert.equal(union.body.toolSet.id, set.body.metadata.id)
    const v = await t.api('GET', `/v1/agents/${agent.agentId}/variations/${agent.variationId}`)
    const byType = Object.fromEntries(v.body.info.assignments.map((a: any) => [a.type, a]))
    assert.equal(byType.tool.tool.id, agent.toolId, 'the seed-form assignment reads as before')
    assert.equal(byType.toolSet.toolSet.id, set.body.metadata.id)
    const both = await t.api('POST', `/v1/agent_variations/${agent.variationId}/assignments`, {
      toolSet: { id: set.body.metadata.id },
      toolSetId: set.body.metadata.id,
    })
    assert.equal(both.status, 400, JSON.stringify(both.body))
    assert.deepEqual(fields(both.body), ['toolSet'])
    await t.api('DELETE', `/v1/agent_variations/${agent.variationId}/assignments/${union.body.id}`)
  })

  it('callable tools carry type on info.callableTools, tool calls and assistant messages', async () => {
    const { objective, events } = await runOneToolCall()
    const callables = objective.info.callableTools
    assert.equal(callables[0].type, 'tool')
    assert.equal(callables[0].tool.id, agent.toolId)
    assert.ok(callables.some((c: any) => c.type === 'cadenyaProvidedTool' && c.cadenyaProvidedTool))
    const assistant = events.find((e) => e.data.type === 'assistantMessage')
    assert.equal(assistant.data.assistantMessage.toolCalls[0].tool.type, 'tool')
    assert.equal(assistant.data.assistantMessage.toolCalls[0].functionName, 'lookup')
    const calls = await t.api('GET', `/v1/objectives/${objective.metadata.id}/tool_calls`)
    assert.equal(calls.body.items[0].data.callable.type, 'tool')
    assert.equal(calls.body.items[0].data.callable.tool.id, agent.toolId)
  })

  it('toolResult carries result.content[] with the text of its content string', async () => {
    const { events } = await runOneToolCall()
    const result = events.find((e) => e.data.type === 'toolResult').data.toolResult
    assert.equal(typeof result.content, 'string')
    assert.match(result.content, /"found":true/)
    assert.deepEqual(result.result, { content: [{ type: 'text', text: { text: result.content } }] })
  })

  it('events carry startedAt and duration: the model call and the tool run are timed, others take 0s', async () => {
    const { events } = await runOneToolCall()
    const seconds = (d: string) => {
      assert.match(d, /^\d+(\.\d+)?s$/)
      return parseFloat(d)
    }
    for (const e of events) {
      assert.ok(Date.parse(e.startedAt) <= Date.parse(e.metadata.createdAt), e.data.type)
    }
    const user = events.find((e) => e.data.type === 'userMessage')
    assert.equal(user.duration, '0s')
    assert.equal(user.startedAt, user.metadata.createdAt)
    const assistant = events.find((e) => e.data.type === 'assistantMessage')
    assert.ok(seconds(assistant.duration) >= 0.2, assistant.duration)
    const result = events.find((e) => e.data.type === 'toolResult')
    assert.ok(seconds(result.duration) >= 0.3, result.duration)
    const called = events.find((e) => e.data.type === 'toolCalled')
    assert.ok(Date.parse(result.startedAt) >= Date.parse(called.metadata.createdAt))
  })

  it('createdBy profiles always carry spec.email (empty for an API key)', async () => {
    const { objective } = await runOneToolCall()
    assert.equal(objective.info.createdBy.spec.type, 'PROFILE_TYPE_API_KEY')
    assert.equal(objective.info.createdBy.spec.email, '')
  })
})

describe('AccountInfo.challengeToken', () => {
  it('an account admin sees a stable challengeToken beside the webhook secret; :rotateChallengeToken replaces it', async () => {
    const first = await t.api('GET', '/v1/account')
    assert.equal(first.status, 200, JSON.stringify(first.body))
    const token = first.body.info.challengeToken
    assert.match(token, /^[A-Za-z0-9_-]{43}$/)
    assert.match(first.body.info.webhookEventsHmacSecret, /^whsec_/, 'the seed-era secret stays')
    assert.equal((await t.api('GET', '/v1/account')).body.info.challengeToken, token)
    const rotated = await t.api('POST', '/v1/account:rotateChallengeToken')
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body))
    assert.deepEqual(Object.keys(rotated.body), ['challengeToken'])
    assert.notEqual(rotated.body.challengeToken, token)
    const after = await t.api('GET', '/v1/account')
    assert.equal(after.body.info.challengeToken, rotated.body.challengeToken)
    assert.equal(
      after.body.info.webhookEventsHmacSecret,
      first.body.info.webhookEventsHmacSecret,
      'rotating the challenge token leaves the webhook secret alone',
    )
  })

  it('a workspace key neither sees nor rotates it', async () => {
    const key = await t.api('POST', '/v1/api_keys', { metadata: { name: 'no-admin' } })
    assert.equal(key.status, 200, JSON.stringify(key.body))
    const as = { token: key.body.spec.token }
    const seen = await t.api('GET', '/v1/account', undefined, as)
    assert.equal(seen.status, 200, JSON.stringify(seen.body))
    assert.deepEqual(seen.body.info, {})
    const before = (await t.api('GET', '/v1/account')).body.info.challengeToken
    const denied = await t.api('POST', '/v1/account:rotateChallengeToken', undefined, as)
    assert.equal(denied.status, 403, JSON.stringify(denied.body))
    assert.equal((await t.api('GET', '/v1/account')).body.info.challengeToken, before)
  })
})

describe('challenge tokens of accounts made before migration 021', () => {
  it('a read leaves a missing token missing; the start-up fill gives the account one', async () => {
    await t.sortie.deps.db
      .updateTable('accounts')
      .set({ challenge_token_sealed: null })
      .where('id', '=', t.accountId)
      .execute()
    const missing = await t.api('GET', '/v1/account')
    assert.equal(missing.status, 200, JSON.stringify(missing.body))
    assert.equal(missing.body.info.challengeToken, undefined)
    const row = await t.sortie.deps.db
      .selectFrom('accounts')
      .select('challenge_token_sealed')
      .where('id', '=', t.accountId)
      .executeTakeFirstOrThrow()
    assert.equal(row.challenge_token_sealed, null, 'a read writes nothing')
    await fillChallengeTokens(t.sortie.deps)
    const filled = (await t.api('GET', '/v1/account')).body.info.challengeToken
    assert.match(filled, /^[A-Za-z0-9_-]{43}$/)
    await fillChallengeTokens(t.sortie.deps)
    assert.equal((await t.api('GET', '/v1/account')).body.info.challengeToken, filled)
  })
})
