/**
 * A kill -9 between `:setContent` and the loop continuing loses nothing (docs/api.md section
 * 5.13): the answer commits with its `toolResult` event and the objective runnable, so a worker
 * started later continues with it, once.
 */
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { bareAgent } from './support/bare-tools.ts'
import { startFakeProvider, type FakeProvider } from './support/fake-provider.ts'
import { MODEL_OF, allEvents, eventTypes, providerEnv, waitForState } from './support/objectives.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'
import { startWorkerProcess as startWorker } from './support/worker-process.ts'

const secretKey = randomBytes(32).toString('hex')
let t: TestSortie
let fake: FakeProvider
const children: ChildProcess[] = []

before(async () => {
  fake = await startFakeProvider('openai')
  // The API runs here without a worker; workers run as separate processes on the same database.
  t = await startTestSortie({ ...providerEnv([fake]), SORTIE_SECRET_KEY: secretKey })
})
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  await t?.sortie.stop()
  await fake?.close()
})

async function startWorkerProcess(): Promise<ChildProcess> {
  const child = await startWorker({
    DATABASE_URL: t.databaseUrl,
    SORTIE_SECRET_KEY: secretKey,
    SORTIE_POLL_MS: '200',
    ...providerEnv([fake]),
  })
  children.push(child)
  return child
}

describe('bare tools and crashes', () => {
  it('kill -9 of the worker, then setContent, then a new worker: the result reaches the model once and the turn ends', async () => {
    const ws = `/v1/workspaces/${t.workspaceId}`
    const { agentId } = await bareAgent(t, MODEL_OF.openai)
    fake.enqueue({ toolCalls: [{ name: 'snapshot', arguments: { room: 'hall' } }] })
    const first = await startWorkerProcess()
    const created = await t.api('POST', `${ws}/objectives`, {
      agentId,
      data: { initialMessage: 'what is in the hall?' },
    })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const id = created.body.metadata.id
    await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'])
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))

    const calls = await t.api('GET', `${ws}/objectives/${id}/tool_calls`)
    const callId = calls.body.items[0].metadata.id
    const res = await t.api('POST', `${ws}/objectives/${id}/tool_calls/${callId}:setContent`, {
      content: [{ type: 'text', text: { text: 'an umbrella' } }],
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    // Nothing runs it now: the answer and the runnable state are what was committed.
    const row = await t.sortie.deps.db
      .selectFrom('objectives')
      .select(['state', 'lease_owner'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    assert.deepEqual(row, { state: 'RUNNING', lease_owner: null })

    fake.enqueue({ text: 'there is an umbrella' })
    const before = fake.requests.length
    await startWorkerProcess()
    const done = await waitForState(t, id, ['STATE_WAITING', 'STATE_FAILED'], 30_000)
    assert.equal(done.status.state, 'STATE_WAITING', JSON.stringify(done.status))
    const events = await allEvents(t, id)
    assert.deepEqual(eventTypes(events), [
      'userMessage',
      'assistantMessage',
      'toolCalled',
      'toolResult',
      'assistantMessage',
    ])
    assert.equal(fake.requests.length, before + 1, 'one model call after the restart')
    const tool = fake.requests.at(-1)!.body.messages.find((m: any) => m.role === 'tool')
    assert.equal(tool.content, 'an umbrella')
  })
})
