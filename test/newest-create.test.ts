import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFakeProvider, type FakeProvider } from './support/fake-provider.ts'
import {
  MODEL_OF,
  allEvents,
  createAgent,
  providerEnv,
  startEngineTest,
  waitForState,
  type EngineTest,
} from './support/objectives.ts'
import type { TestSortie } from './support/sortie.ts'

let t: TestSortie
let fake: FakeProvider
let anthropic: FakeProvider
let engine: EngineTest
let agent: { agentId: string; variationId: string; toolId: string }
let templated: { agentId: string; variationId: string }
before(async () => {
  anthropic = await startFakeProvider('anthropic')
  engine = await startEngineTest({ env: providerEnv([anthropic]) })
  ;({ t, fake } = engine)
  agent = await createAgent(t, { modelId: MODEL_OF.openai, toolBaseUrl: engine.tools.baseUrl })
  const res = await t.api('POST', '/v1/agents', {
    metadata: { name: 'templated' },
    spec: { status: 'AGENT_STATUS_PUBLISHED' },
    defaultVariation: {
      metadata: { name: 'v1' },
      spec: {
        systemPromptTemplate: 'You help {{ customer }}.',
        firstUserMessageTemplate: 'Order {{ order }} is late.',
        modelConfig: { modelId: MODEL_OF.openai },
      },
    },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  const vars = await t.api('GET', `/v1/agents/${res.body.metadata.id}/variations`)
  templated = { agentId: res.body.metadata.id, variationId: vars.body.items[0].metadata.id }
})
after(async () => {
  await engine?.close()
  await anthropic?.close()
})

const fields = (body: any): string[] =>
  body.details?.[0]?.fieldViolations?.map((v: any) => v.field) ?? []

describe('the newest create body', () => {
  it('is told apart by its fields: firstUserMessage, systemPromptData and secrets create an objective', async () => {
    const res = await t.api('POST', `/v1/workspaces/${t.workspaceId}/objectives`, {
      agentId: templated.agentId,
      systemPromptData: { customer: 'Ada' },
      firstUserMessage: 'Where is my parcel?',
      secrets: [{ name: 'TOKEN', value: 'hunter2' }],
      metadata: { externalId: 'newest-1', labels: { era: 'head' } },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const o = res.body
    assert.equal(o.metadata.externalId, 'newest-1')
    assert.deepEqual(o.metadata.labels, { era: 'head' })
    assert.equal(o.systemPrompt, 'You help Ada.')
    assert.equal(o.firstUserMessage, 'Where is my parcel?')
    assert.deepEqual(o.systemPromptData, { customer: 'Ada' })
    assert.deepEqual(o.secrets, [{ name: 'TOKEN' }])
    assert.ok(!JSON.stringify(o).includes('hunter2'), 'a secret value is never served')
    // The seed-era fields read the same objective.
    assert.equal(o.data.initialMessage, 'Where is my parcel?')
    assert.equal(o.data.systemPrompt, 'You help Ada.')
    assert.deepEqual(o.data.data, { customer: 'Ada' })
    const done = await waitForState(t, o.metadata.id, ['STATE_WAITING'])
    assert.equal(done.state, 'STATE_WAITING')
    assert.equal(fake.requests.at(-1)!.body.messages[0].content, 'You help Ada.')
  })

  it('renders firstUserMessageTemplate with firstUserMessageData when no firstUserMessage is given', async () => {
    const res = await t.api('POST', `/v1/workspaces/${t.workspaceId}/objectives`, {
      agentId: templated.agentId,
      systemPromptData: { customer: 'Bob' },
      firstUserMessageData: { order: 'A-17' },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.firstUserMessage, 'Order A-17 is late.')
    assert.deepEqual(res.body.firstUserMessageData, { order: 'A-17' })
    const events = await allEvents(t, res.body.metadata.id)
    assert.equal(events[0].data.userMessage.content, 'Order A-17 is late.')
    await waitForState(t, res.body.metadata.id, ['STATE_WAITING'])
  })

  it('an explicit firstUserMessage overrides the template', async () => {
    const res = await t.api('POST', '/v1/objectives', {
      agentId: templated.agentId,
      systemPromptData: { customer: 'Cy' },
      firstUserMessage: 'hello',
      firstUserMessageData: { order: 'B-1' },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.firstUserMessage, 'hello')
    await waitForState(t, res.body.metadata.id, ['STATE_WAITING'])
  })

  it('a template variable the data lacks is a 400 naming the newest field', async () => {
    const prompt = await t.api('POST', '/v1/objectives', {
      agentId: templated.agentId,
      systemPromptData: {},
      firstUserMessage: 'x',
    })
    assert.equal(prompt.status, 400, JSON.stringify(prompt.body))
    assert.deepEqual(fields(prompt.body), ['systemPromptData'])
    const first = await t.api('POST', '/v1/objectives', {
      agentId: templated.agentId,
      systemPromptData: { customer: 'Dee' },
      firstUserMessageData: {},
    })
    assert.equal(first.status, 400, JSON.stringify(first.body))
    assert.deepEqual(fields(first.body), ['firstUserMessageData'])
  })

  it('a body mixing seed and newest fields is a 400 naming the seed ones, and creates nothing', async () => {
    const before = await t.api('GET', '/v1/objectives?limit=500')
    const res = await t.api('POST', '/v1/objectives', {
      agentId: agent.agentId,
      data: { initialMessage: 'seed' },
      initialMessage: 'flat',
      firstUserMessage: 'newest',
    })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.code, 3)
    assert.deepEqual(fields(res.body), ['data', 'initialMessage'])
    assert.match(res.body.message, /firstUserMessage/)
    const after = await t.api('GET', '/v1/objectives?limit=500')
    assert.equal(after.body.items.length, before.body.items.length)
  })

  it('a newest body with neither a first message nor a template that renders one is a 400 on firstUserMessage', async () => {
    const res = await t.api('POST', '/v1/objectives', {
      agentId: agent.agentId,
      systemPromptData: {},
      variationId: agent.variationId,
    })
    // The variation has a prompt, so the objective starts with no user message at all.
    assert.equal(res.status, 200, JSON.stringify(res.body))
    await waitForState(t, res.body.metadata.id, ['STATE_WAITING'])
    const bare = await t.api('POST', '/v1/agents', {
      metadata: { name: 'no-prompt' },
      defaultVariation: {
        metadata: { name: 'v' },
        spec: { modelConfig: { modelId: MODEL_OF.openai } },
      },
    })
    const missing = await t.api('POST', '/v1/objectives', {
      agentId: bare.body.metadata.id,
      systemPromptData: {},
    })
    assert.equal(missing.status, 400, JSON.stringify(missing.body))
    assert.deepEqual(fields(missing.body), ['firstUserMessage'])
  })

  it('memoryCascade is the memory stack read from the top', async () => {
    const layers = []
    for (const name of ['general', 'specific']) {
      const res = await t.api('POST', '/v1/memory_layers', {
        metadata: { name: `cascade-${name}` },
        spec: { type: 'MEMORY_LAYER_TYPE_SKILLS' },
      })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      layers.push(res.body.metadata.id)
    }
    const [general, specific] = layers
    const res = await t.api('POST', '/v1/objectives', {
      agentId: agent.agentId,
      firstUserMessage: 'hi',
      memoryCascade: [{ memoryLayerId: specific }, { memoryLayerId: general }],
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(
      res.body.data.memoryStack.map((m: any) => m.memoryLayerId),
      [general, specific],
      'the seed-era stack lists bottom first',
    )
    assert.deepEqual(
      res.body.memoryCascade.map((m: any) => m.memoryLayerId),
      [specific, general],
    )
    await waitForState(t, res.body.metadata.id, ['STATE_WAITING'])
    const bad = await t.api('POST', '/v1/objectives', {
      agentId: agent.agentId,
      firstUserMessage: 'hi',
      memoryCascade: [{ memoryLayerId: 'memlyr_nope' }, { memoryLayerId: general }],
    })
    assert.equal(bad.status, 400, JSON.stringify(bad.body))
    assert.deepEqual(fields(bad.body), ['memoryCascade.0.memoryLayerId'])
  })
})

describe('the newest objective fields', () => {
  it('every objective shows configSnapshot, state, stateMessage and info.totalIterations/currentContextWindowId', async () => {
    const res = await t.api('POST', '/v1/objectives', {
      agentId: agent.agentId,
      data: { initialMessage: 'seed body', data: { customer: 9 } },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    await waitForState(t, res.body.metadata.id, ['STATE_WAITING'])
    for (const prefix of ['/v1', `/v1/workspaces/${t.workspaceId}`]) {
      const got = await t.api('GET', `${prefix}/objectives/${res.body.metadata.id}`)
      const o = got.body
      assert.equal(o.configSnapshot.agent.metadata.id, agent.agentId)
      assert.equal(o.configSnapshot.agentVariation.metadata.id, agent.variationId)
      assert.equal(o.configSnapshot.agentSchedule, undefined, 'no schedule fired it')
      assert.equal(o.state, o.status.state, 'state reads as the family presents status.state')
      assert.equal(o.stateMessage, o.status.message)
      assert.equal(o.firstUserMessage, 'seed body')
      assert.deepEqual(o.systemPromptData, { customer: 9 })
      assert.equal(o.info.totalIterations, 1)
      assert.equal(o.info.currentContextWindowId, o.lastFiveWindows[0].metadata.id)
    }
    const listed = await t.api('GET', `/v1/objectives?includeInfo=true&limit=500`)
    const item = listed.body.items.find((i: any) => i.metadata.id === res.body.metadata.id)
    assert.equal(item.info.totalIterations, 1)
  })

  it('a seed-era read is unchanged: data, status and info keep their fields and values', async () => {
    const res = await t.api('POST', '/v1/objectives', {
      agentId: agent.agentId,
      data: { initialMessage: 'seed read', data: { customer: 1 } },
      metadata: { externalId: 'seed-read' },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    await waitForState(t, res.body.metadata.id, ['STATE_WAITING'])
    const o = (await t.api('GET', '/v1/objectives/external_id:seed-read')).body
    assert.equal(o.status.state, 'STATE_COMPLETED')
    assert.deepEqual(Object.keys(o.data).sort(), [
      'agent',
      'data',
      'initialMessage',
      'memoryStack',
      'parentObjectiveId',
      'secrets',
      'sourceScheduleId',
      'systemPrompt',
      'variation',
    ])
    assert.equal(o.data.initialMessage, 'seed read')
    assert.equal(o.data.systemPrompt, 'You look records up.')
    assert.equal(o.info.callableTools[0].tool.id, agent.toolId)
    assert.equal(o.info.totalEvents, 2)
  })
})

describe('variation templates', () => {
  it('systemPromptTemplate and prompt are one field: either name writes it, both read it', async () => {
    const v = (
      await t.api('GET', `/v1/agents/${templated.agentId}/variations/${templated.variationId}`)
    ).body
    assert.equal(v.spec.prompt, 'You help {{ customer }}.')
    assert.equal(v.spec.systemPromptTemplate, 'You help {{ customer }}.')
    assert.equal(v.spec.firstUserMessageTemplate, 'Order {{ order }} is late.')
    const seed = await t.api(
      'PATCH',
      `/v1/agents/${templated.agentId}/variations/${templated.variationId}`,
      {
        spec: { prompt: 'Seed {{ customer }}.' },
        updateMask: 'spec.prompt',
      },
    )
    assert.equal(seed.status, 200, JSON.stringify(seed.body))
    assert.equal(seed.body.spec.systemPromptTemplate, 'Seed {{ customer }}.')
    const newest = await t.api(
      'PATCH',
      `/v1/agents/${templated.agentId}/variations/${templated.variationId}`,
      {
        spec: { systemPromptTemplate: 'You help {{ customer }}.' },
        updateMask: 'spec.system_prompt_template',
      },
    )
    assert.equal(newest.status, 200, JSON.stringify(newest.body))
    assert.equal(newest.body.spec.prompt, 'You help {{ customer }}.')
    const conflict = await t.api(
      'PATCH',
      `/v1/agents/${templated.agentId}/variations/${templated.variationId}`,
      {
        spec: { prompt: 'a', systemPromptTemplate: 'b' },
      },
    )
    assert.equal(conflict.status, 400, JSON.stringify(conflict.body))
    assert.deepEqual(fields(conflict.body), ['spec.systemPromptTemplate'])
    const unchanged = await t.api(
      'GET',
      `/v1/agents/${templated.agentId}/variations/${templated.variationId}`,
    )
    assert.equal(unchanged.body.spec.prompt, 'You help {{ customer }}.')
  })
})

describe('variation templates written by a bulk apply', () => {
  it('a bundled variation that names only systemPromptTemplate prompts its objectives with it', async () => {
    const applied = await t.api('POST', '/v1/bulk_workspace_applies', {
      data: {
        bundleKey: 'newest-templates',
        agents: {
          'bundled-agent': {
            name: 'bundled',
            spec: { status: 'AGENT_STATUS_PUBLISHED' },
            variations: {
              'bundled-v1': {
                name: 'v1',
                spec: {
                  systemPromptTemplate: 'Bundled for {{ customer }}.',
                  modelConfig: { modelId: MODEL_OF.openai },
                },
              },
            },
          },
        },
      },
    })
    assert.equal(applied.status, 200, JSON.stringify(applied.body))
    const v = await t.api('GET', '/v1/agents/external_id:bundled-agent/variations')
    assert.equal(v.body.items[0].spec.prompt, 'Bundled for {{ customer }}.')
    const res = await t.api('POST', '/v1/objectives', {
      agentId: 'external_id:bundled-agent',
      systemPromptData: { customer: 'Eve' },
      firstUserMessage: 'hi',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.systemPrompt, 'Bundled for Eve.')
    await waitForState(t, res.body.metadata.id, ['STATE_WAITING'])
  })
})

describe('modelConfig call settings', () => {
  async function runWith(modelId: string, modelConfig: Record<string, unknown>) {
    const created = await t.api('POST', '/v1/agents', {
      metadata: { name: `settings-${modelId.replace(/\W/g, '-')}-${Date.now()}` },
      defaultVariation: {
        metadata: { name: 'v' },
        spec: { systemPromptTemplate: 'Be brief.', modelConfig: { modelId, ...modelConfig } },
      },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const v = (await t.api('GET', `/v1/agents/${created.body.metadata.id}/variations`)).body
      .items[0]
    assert.deepEqual(v.spec.modelConfig, { modelId, ...modelConfig })
    const res = await t.api('POST', '/v1/objectives', {
      agentId: created.body.metadata.id,
      firstUserMessage: 'hi',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    await waitForState(t, res.body.metadata.id, ['STATE_WAITING'])
  }

  it('topP, stopSequences, maxOutputTokens and reasoningEffort reach the OpenAI wire body', async () => {
    await runWith(MODEL_OF.openai, {
      topP: 0.5,
      stopSequences: ['END'],
      maxOutputTokens: 321,
      reasoningEffort: 'REASONING_EFFORT_LOW',
    })
    const body = fake.requests.at(-1)!.body
    assert.equal(body.top_p, 0.5)
    assert.deepEqual(body.stop, ['END'])
    assert.equal(body.max_tokens, 321)
    assert.equal(body.reasoning_effort, 'low')
  })

  it('topP, topK, stopSequences, maxOutputTokens and cachingEnabled reach the Anthropic wire body', async () => {
    await runWith(MODEL_OF.anthropic, {
      topP: 0.25,
      topK: 40,
      stopSequences: ['STOP', 'HALT'],
      maxOutputTokens: 555,
      cachingEnabled: true,
    })
    const body = anthropic.requests.at(-1)!.body
    assert.equal(body.top_p, 0.25)
    assert.equal(body.top_k, 40)
    assert.deepEqual(body.stop_sequences, ['STOP', 'HALT'])
    assert.equal(body.max_tokens, 555)
    assert.deepEqual(body.system, [
      { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } },
    ])
  })

  it('a variation without them sends none (a seed-era variation calls as before)', async () => {
    await runWith(MODEL_OF.openai, { temperature: 0.3 })
    const body = fake.requests.at(-1)!.body
    assert.equal(body.temperature, 0.3)
    for (const key of ['top_p', 'stop', 'max_tokens', 'reasoning_effort']) {
      assert.equal(body[key], undefined, key)
    }
  })

  it('an out-of-range setting is a 400 naming it', async () => {
    const res = await t.api('POST', '/v1/agents', {
      metadata: { name: 'bad-settings' },
      defaultVariation: {
        metadata: { name: 'v' },
        spec: { modelConfig: { modelId: MODEL_OF.openai, topP: 2, reasoningEffort: 'extreme' } },
      },
    })
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.deepEqual(fields(res.body).sort(), [
      'defaultVariation.spec.modelConfig.reasoningEffort',
      'defaultVariation.spec.modelConfig.topP',
    ])
  })
})
