import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { objectiveFiguresForGoal } from '../src/modules/objectives/index.ts'
import { startFakeProvider, type FakeProvider } from './support/fake-provider.ts'
import { MODEL_OF, allEvents, eventTypes, providerEnv, waitForState } from './support/objectives.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
let fake: FakeProvider
before(async () => {
  fake = await startFakeProvider('openai')
  t = await startTestSortie(providerEnv([fake]), { worker: true })
})
after(async () => {
  await t?.sortie.stop()
  await fake?.close()
})

const FIELDS = [
  { key: 'email', label: 'Email', type: 'email', required: true, description: 'work address' },
  { key: 'budget', type: 'number' },
  { key: 'plan', type: 'enum', options: ['basic', 'pro'], required: true },
  { key: 'callback', type: 'boolean' },
]

let counter = 0

async function agentWithGoal(outputDefinition?: object) {
  const n = ++counter
  const agent = await t.api('POST', '/v1/agents', {
    metadata: { name: `sales-${n}` },
    spec: { status: 'AGENT_STATUS_PUBLISHED', ...(outputDefinition ? { outputDefinition } : {}) },
    defaultVariation: {
      metadata: { name: 'v1' },
      spec: {
        prompt: 'You are a friendly sales assistant.',
        modelConfig: { modelId: MODEL_OF.openai },
      },
    },
  })
  assert.equal(agent.status, 200, JSON.stringify(agent.body))
  const goal = await t.api('POST', '/v1/goals', {
    metadata: { name: `Qualify leads ${n}` },
    spec: { description: 'Find out what the visitor needs.', fields: FIELDS },
  })
  assert.equal(goal.status, 200, JSON.stringify(goal.body))
  const attach = await t.api('POST', `/v1/goals/${goal.body.metadata.id}:attach`, {
    agentId: agent.body.metadata.id,
  })
  assert.equal(attach.status, 200, JSON.stringify(attach.body))
  return {
    agentId: agent.body.metadata.id,
    goalId: goal.body.metadata.id,
    goalName: `Qualify leads ${n}`,
  }
}

async function start(agentId: string): Promise<any> {
  const res = await t.api('POST', '/v1/objectives', { agentId, data: { initialMessage: 'Hi' } })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

const submit = (args: Record<string, unknown>) => ({
  toolCalls: [{ name: 'submit_output', arguments: args }],
})

describe('goals at run time', () => {
  it('an attached goal is rendered into the system prompt and its fields become the output definition', async () => {
    const { agentId, goalName } = await agentWithGoal()
    fake.enqueue({ text: 'Hello!' }, submit({ email: 'a@b.co', plan: 'pro' }))
    const created = await start(agentId)
    const prompt: string = created.data.systemPrompt
    assert.ok(prompt.startsWith('You are a friendly sales assistant.'), prompt)
    assert.match(prompt, new RegExp(`working toward the goal "${goalName}"`))
    assert.match(prompt, /Find out what the visitor needs\./)
    assert.match(prompt, /- email \(Email\): email, required — work address/)
    assert.match(prompt, /- plan: one of basic, pro, required/)
    assert.match(prompt, /- budget: number, optional/)
    assert.deepEqual(created.data.outputDefinition, {
      type: 'object',
      properties: {
        email: { type: 'string', format: 'email', description: 'Email: work address' },
        budget: { type: 'number' },
        plan: { type: 'string', enum: ['basic', 'pro'] },
        callback: { type: 'boolean' },
      },
      required: ['email', 'plan'],
      additionalProperties: false,
    })
    await waitForState(t, created.metadata.id, ['STATE_FINALIZED', 'STATE_FAILED'])
    // The provider was sent the rendered prompt.
    const system = fake.requests.at(-1)!.body.messages[0]
    assert.equal(system.role, 'system')
    assert.match(system.content, /Collect the following information/)
  })

  it('an objective of an agent with a goal ends FINALIZED with the goal fields extracted', async () => {
    const { agentId } = await agentWithGoal()
    fake.enqueue(
      { text: 'Got it.' },
      submit({ email: 'lead@example.com', plan: 'basic', budget: 500 }),
    )
    const created = await start(agentId)
    const done = await waitForState(t, created.metadata.id, ['STATE_FINALIZED', 'STATE_FAILED'])
    assert.equal(done.status.state, 'STATE_FINALIZED', JSON.stringify(done.status))
    assert.deepEqual(done.data.output, { email: 'lead@example.com', plan: 'basic', budget: 500 })
    const events = await allEvents(t, created.metadata.id)
    assert.equal(eventTypes(events).at(-1), 'finalized')
  })

  it("a required goal field left out is fed back to the model (the goal's `required` is honoured)", async () => {
    const { agentId } = await agentWithGoal()
    fake.enqueue(
      { text: 'Ok.' },
      submit({ email: 'x@y.z' }),
      submit({ email: 'x@y.z', plan: 'pro' }),
    )
    const created = await start(agentId)
    const done = await waitForState(t, created.metadata.id, ['STATE_FINALIZED', 'STATE_FAILED'])
    assert.equal(done.status.state, 'STATE_FINALIZED')
    const events = await allEvents(t, created.metadata.id)
    const error = events.find((e) => e.data.type === 'toolError')
    assert.match(error.data.toolError.message, /must have required property 'plan'/)
  })

  it("the agent's own outputDefinition wins over the goal's fields; the goal stays in the prompt", async () => {
    const own = {
      type: 'object',
      properties: { summary: { type: 'string' } },
      required: ['summary'],
    }
    const { agentId, goalName } = await agentWithGoal(own)
    fake.enqueue({ text: 'Ok.' }, submit({ summary: 'wants pro' }))
    const created = await start(agentId)
    assert.deepEqual(created.data.outputDefinition, own)
    assert.match(created.data.systemPrompt, new RegExp(goalName))
    const done = await waitForState(t, created.metadata.id, ['STATE_FINALIZED', 'STATE_FAILED'])
    assert.deepEqual(done.data.output, { summary: 'wants pro' })
  })

  it('a goal without fields adds no output definition: the objective waits after its turn', async () => {
    const agent = await t.api('POST', '/v1/agents', {
      metadata: { name: 'no-fields' },
      spec: { status: 'AGENT_STATUS_PUBLISHED' },
      defaultVariation: {
        metadata: { name: 'v1' },
        spec: { prompt: 'Help.', modelConfig: { modelId: MODEL_OF.openai } },
      },
    })
    const goal = await t.api('POST', '/v1/goals', { metadata: { name: 'Be kind' } })
    await t.api('POST', `/v1/goals/${goal.body.metadata.id}:attach`, {
      agentId: agent.body.metadata.id,
    })
    fake.enqueue({ text: 'Hello.' })
    const created = await start(agent.body.metadata.id)
    assert.equal(created.data.outputDefinition, undefined)
    assert.match(created.data.systemPrompt, /working toward the goal "Be kind"/)
    const done = await waitForState(t, created.metadata.id, ['STATE_WAITING', 'STATE_FINALIZED'])
    assert.equal(done.status.state, 'STATE_WAITING')
  })

  it("the goal's figures count its objectives, collected fields and feedback as objectives finish", async () => {
    const { agentId, goalId } = await agentWithGoal()
    const zero = await objectiveFiguresForGoal(t.sortie.deps.db, goalId)
    assert.equal(zero.objectivesTotal, 0)

    fake.enqueue({ text: 'Ok.' }, submit({ email: 'a@b.co', plan: 'pro', budget: 10 }))
    const one = await start(agentId)
    await waitForState(t, one.metadata.id, ['STATE_FINALIZED'])
    fake.enqueue({ text: 'Ok.' }, submit({ email: 'c@d.co', plan: 'basic', budget: null as any }))
    // budget null fails the schema (number), so the retry leaves it out.
    fake.enqueue(submit({ email: 'c@d.co', plan: 'basic' }))
    const two = await start(agentId)
    await waitForState(t, two.metadata.id, ['STATE_FINALIZED'])
    fake.enqueue({ text: 'Ok.' }, submit({}), submit({}))
    const three = await start(agentId)
    await waitForState(t, three.metadata.id, ['STATE_FAILED'])
    const fb = await t.api('POST', `/v1/objectives/${one.metadata.id}/feedback`, {
      data: { score: 1 },
    })
    assert.equal(fb.status, 200, JSON.stringify(fb.body))
    await t.api('POST', `/v1/objectives/${two.metadata.id}/feedback`, { data: { score: -0.5 } })

    const figures = await objectiveFiguresForGoal(t.sortie.deps.db, goalId)
    assert.deepEqual(figures, {
      objectivesTotal: 3,
      objectivesFinalized: 2,
      objectivesFailed: 1,
      fieldsExpected: 8,
      fieldsCollected: 5,
      feedbackCount: 2,
      feedbackScoreSum: 0.5,
    })
  })

  it("GET /v1/goals/{id} shows the computed metrics of the goal's objectives", async () => {
    const { agentId, goalId } = await agentWithGoal()
    fake.enqueue({ text: 'Ok.' }, submit({ email: 'a@b.co', plan: 'pro' }))
    const one = await start(agentId)
    await waitForState(t, one.metadata.id, ['STATE_FINALIZED'])
    await t.api('POST', `/v1/objectives/${one.metadata.id}/feedback`, { data: { score: 0.5 } })
    const res = await t.api('GET', `/v1/goals/${goalId}`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.info.metrics, {
      objectivesTotal: 1,
      objectivesFinalized: 1,
      objectivesFailed: 0,
      fieldsCollectedRate: 0.5,
      meanFeedbackScore: 0.5,
    })
  })
})
