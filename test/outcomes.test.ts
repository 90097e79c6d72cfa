import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startFakeProvider, type FakeKind, type FakeProvider } from './support/fake-provider.ts'
import { MODEL_OF, allEvents, eventTypes, providerEnv, waitForState } from './support/objectives.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
let fakes: Record<FakeKind, FakeProvider>
before(async () => {
  fakes = {
    openai: await startFakeProvider('openai'),
    anthropic: await startFakeProvider('anthropic'),
  }
  t = await startTestSortie(providerEnv([fakes.openai, fakes.anthropic]), { worker: true })
})
after(async () => {
  await t?.sortie.stop()
  await fakes?.openai.close()
  await fakes?.anthropic.close()
})

const PERSON = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    age: { type: 'integer', minimum: 0 },
  },
  required: ['name', 'age'],
  additionalProperties: false,
}

let counter = 0

/** An agent with an output definition and one variation on `modelId`. */
async function outputAgent(modelId: string, outputDefinition: object = PERSON): Promise<string> {
  const res = await t.api('POST', '/v1/agents', {
    metadata: { name: `extractor-${++counter}` },
    spec: { status: 'AGENT_STATUS_PUBLISHED', outputDefinition },
    defaultVariation: {
      metadata: { name: 'v1' },
      spec: { prompt: 'You find out who the user is.', modelConfig: { modelId } },
    },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.metadata.id
}

async function start(agentId: string): Promise<string> {
  const res = await t.api('POST', '/v1/objectives', {
    agentId,
    data: { initialMessage: 'I am Ada, 36.' },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.metadata.id
}

const submit = (args: Record<string, unknown>) => ({
  toolCalls: [{ name: 'submit_output', arguments: args }],
})

/** The tool names offered in a captured provider request, in either wire format. */
function offered(body: any): string[] {
  return (body.tools ?? []).map((tool: any) => tool.function?.name ?? tool.name)
}

for (const kind of ['openai', 'anthropic'] as const) {
  describe(`output extraction against the ${kind} fake`, () => {
    it('an agent with an outputDefinition ends FINALIZED with the submitted output and a finalized event last', async () => {
      const fake = fakes[kind]
      const agentId = await outputAgent(MODEL_OF[kind])
      fake.enqueue({ text: 'Nice to meet you, Ada.' }, submit({ name: 'Ada', age: 36 }))
      const before = fake.requests.length
      const id = await start(agentId)
      const done = await waitForState(t, id, ['STATE_FINALIZED', 'STATE_FAILED', 'STATE_WAITING'])
      assert.equal(done.status.state, 'STATE_FINALIZED', JSON.stringify(done.status))
      assert.deepEqual(done.data.output, { name: 'Ada', age: 36 })
      assert.deepEqual(done.data.outputDefinition, PERSON)
      const implicit = await t.api('GET', `/v1/objectives/${id}`)
      assert.equal(implicit.body.status.state, 'STATE_COMPLETED')
      assert.deepEqual(implicit.body.data.output, { name: 'Ada', age: 36 })
      const names = implicit.body.info.callableTools.map((c: any) => c.cadenyaProvidedTool?.name)
      assert.ok(names.includes('submit_output'))

      const events = await allEvents(t, id)
      assert.deepEqual(eventTypes(events), [
        'userMessage',
        'assistantMessage',
        'assistantMessage',
        'toolCalled',
        'toolResult',
        'finalized',
      ])
      assert.deepEqual(events.at(-1).data.finalized.output, { name: 'Ada', age: 36 })
      assert.equal(events[2].data.assistantMessage.toolCalls[0].functionName, 'submit_output')
      assert.equal(events[2].data.assistantMessage.x, undefined, 'engine-only fields stay hidden')
      const calls = await t.api('GET', `/v1/objectives/${id}/tool_calls`)
      assert.equal(calls.body.items.length, 1)
      assert.equal(calls.body.items[0].data.callable.cadenyaProvidedTool.name, 'submit_output')
      assert.equal(calls.body.items[0].executionStatus, 'TOOL_CALL_EXECUTION_STATUS_COMPLETED')

      // The extraction request offers only submit_output, forces it, and says why.
      const [turn, extraction] = fake.requests.slice(before)
      assert.ok(offered(turn!.body).includes('sortie_tasks'))
      assert.deepEqual(offered(extraction!.body), ['submit_output'])
      const choice = extraction!.body.tool_choice
      assert.equal(choice.function?.name ?? choice.name, 'submit_output')
      assert.match(JSON.stringify(extraction!.body.messages.at(-1)), /Call the submit_output tool/)
    })
  })
}

describe('output extraction rules', () => {
  const fake = () => fakes.openai
  const model = MODEL_OF.openai

  it('a FINALIZED objective cannot be continued or cancelled (400, code 9)', async () => {
    const agentId = await outputAgent(model)
    fake().enqueue({ text: 'Hello Ada.' }, submit({ name: 'Ada', age: 36 }))
    const id = await start(agentId)
    await waitForState(t, id, ['STATE_FINALIZED'])
    for (const body of [{ message: 'more' }, { message: 'more', enqueue: true }]) {
      const res = await t.api('POST', `/v1/objectives/${id}:continue`, body)
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.code, 9)
    }
    const cancel = await t.api('POST', `/v1/objectives/${id}:cancel`, {})
    assert.equal(cancel.status, 400)
    assert.equal(cancel.body.code, 9)
  })

  it('output that fails the schema is fed back once and a valid retry finalizes', async () => {
    const agentId = await outputAgent(model)
    fake().enqueue(
      { text: 'Hello Ada.' },
      submit({ name: 'Ada' }),
      submit({ name: 'Ada', age: 36 }),
    )
    const before = fake().requests.length
    const id = await start(agentId)
    const done = await waitForState(t, id, ['STATE_FINALIZED', 'STATE_FAILED'])
    assert.equal(done.status.state, 'STATE_FINALIZED', JSON.stringify(done.status))
    assert.deepEqual(done.data.output, { name: 'Ada', age: 36 })
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'assistantMessage',
      'toolError',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'finalized',
    ])
    assert.match(events[3].data.toolError.message, /must have required property 'age'/)
    // The retry sees the rejected call and its validation error as the tool result.
    const retry = fake().requests[before + 2]!.body.messages
    assert.equal(retry.at(-1).role, 'tool')
    assert.match(retry.at(-1).content, /output does not match the output definition/)
  })

  it('output that fails the schema twice FAILS the objective with the validation errors', async () => {
    const agentId = await outputAgent(model)
    fake().enqueue({ text: 'Hello.' }, submit({ name: '' }), submit({ name: 'Ada', age: -1 }))
    const id = await start(agentId)
    const done = await waitForState(t, id, ['STATE_FINALIZED', 'STATE_FAILED'])
    assert.equal(done.status.state, 'STATE_FAILED')
    assert.match(done.status.message, /^output does not match the output definition: /)
    assert.match(done.status.message, /\/age must be >= 0/)
    assert.equal(done.data.output, undefined)
    const events = await allEvents(t, id)
    assert.equal(events.at(-1).data.type, 'error')
    assert.equal(events.at(-1).data.error.type, 'output_validation')
    assert.equal(events.at(-1).data.error.message, done.status.message)
    assert.ok(!eventTypes(events).includes('finalized'))
  })

  it('a model that answers without calling submit_output is reminded once, then the objective fails', async () => {
    const agentId = await outputAgent(model)
    fake().enqueue({ text: 'Hello.' }, { text: 'Ada, 36.' }, { text: 'Still Ada.' })
    const before = fake().requests.length
    const id = await start(agentId)
    const done = await waitForState(t, id, ['STATE_FINALIZED', 'STATE_FAILED'])
    assert.equal(done.status.state, 'STATE_FAILED')
    assert.equal(done.status.message, 'the model did not call submit_output')
    const reminder = fake().requests[before + 2]!.body.messages.at(-1)
    assert.equal(reminder.role, 'user')
    assert.match(JSON.stringify(reminder.content), /You did not call submit_output/)
  })

  it('a failed extraction can be continued, and the next turn gets two fresh attempts', async () => {
    const agentId = await outputAgent(model)
    fake().enqueue({ text: 'Hello.' }, submit({}), submit({}))
    const id = await start(agentId)
    await waitForState(t, id, ['STATE_FAILED'])
    fake().enqueue({ text: 'Thanks, Ada.' }, submit({ name: 'Ada', age: 7 }))
    const res = await t.api('POST', `/v1/objectives/${id}:continue`, { message: 'I am 7 actually' })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const done = await waitForState(t, id, ['STATE_FINALIZED', 'STATE_FAILED'])
    assert.equal(done.status.state, 'STATE_FINALIZED', JSON.stringify(done.status))
    assert.deepEqual(done.data.output, { name: 'Ada', age: 7 })
  })

  it('an agent without an outputDefinition still ends its turn WAITING with no output', async () => {
    const res = await t.api('POST', '/v1/agents', {
      metadata: { name: 'plain' },
      spec: { status: 'AGENT_STATUS_PUBLISHED' },
      defaultVariation: {
        metadata: { name: 'v1' },
        spec: { prompt: 'Hi', modelConfig: { modelId: model } },
      },
    })
    fake().enqueue({ text: 'Hello.' })
    const id = await start(res.body.metadata.id)
    const done = await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED', 'STATE_FINALIZED'])
    assert.equal(done.status.state, 'STATE_WAITING')
    assert.equal(done.data.outputDefinition, undefined)
    assert.equal(done.data.output, undefined)
  })
})
