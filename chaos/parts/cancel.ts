/**
 * cancel: objectives are cancelled while their model call (a slow fake provider) or their tool
 * call (a slow tool backend) is in flight, through `sortie serve --no-worker` while a `sortie
 * worker` process runs them (the cancel reaches the worker by NOTIFY). Measured: the cancel
 * call's latency, the time until the objective reads CANCELLED, and until the in-flight request
 * is abandoned. Rule: no model or tool request of a cancelled objective starts after its cancel
 * returned (the fakes record when each request arrives).
 */
import { startFakeProvider } from '../../test/support/fake-provider.ts'
import { MODEL_OF, createAgent, providerEnv } from '../../test/support/objectives.ts'
import type { TestSortie } from '../../test/support/sortie.ts'
import type { ChaosPart } from '../part.ts'
import { startCluster } from '../lib/procs.ts'
import { latencyFigures, sleep } from '../lib/seeded.ts'
import { startToolBackend } from '../lib/tool-backend.ts'

/** How long the slow model and tool calls take when nobody cancels them. */
const SLOW_MS = 3000

type Mode = 'model' | 'tool'

export const part: ChaosPart = async ({ short, log }) => {
  const perMode = short ? 3 : 25
  const failures: string[] = []
  // Every model request, by the marker of its objective (`cancel-<n>-<mode>`), with its arrival.
  const modelRequests: { marker: string; at: number }[] = []
  const fake = await startFakeProvider('openai')
  fake.setResponder((req) => {
    const marker = /cancel-\d+-(model|tool)/.exec(JSON.stringify(req.body.messages))?.[0] ?? ''
    modelRequests.push({ marker, at: Date.now() })
    const results = (req.body.messages as { role: string }[]).filter((m) => m.role === 'tool')
    if (marker.endsWith('-tool') && results.length === 0) {
      return { toolCalls: [{ name: 'lookup', arguments: { id: marker } }], delayMs: 10 }
    }
    return { text: 'finally done', delayMs: marker.endsWith('-model') ? SLOW_MS : 10 }
  })
  const tools = await startToolBackend((id) => (id.startsWith('cancel-') ? SLOW_MS : 10))
  const cluster = await startCluster(
    { ...providerEnv([fake]), SORTIE_POLL_MS: '200' },
    { serveWorker: false },
  )
  try {
    await cluster.start('serve')
    await cluster.start('worker')
    const client = { api: cluster.api } as unknown as TestSortie
    const { agentId } = await createAgent(client, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })
    const results: {
      mode: Mode
      marker: string
      returnedAt: number
      callMs: number
      stateMs: number
      stopMs: number | undefined
    }[] = []

    for (let n = 0; n < perMode * 2; n++) {
      const mode: Mode = n % 2 === 0 ? 'model' : 'tool'
      const marker = `cancel-${n}-${mode}`
      const created = await cluster.api('POST', '/v1/objectives', {
        agentId,
        data: { initialMessage: `please ${marker}` },
      })
      if (created.status !== 200) throw new Error(`create: ${JSON.stringify(created.body)}`)
      const id = created.body.metadata.id as string
      // Wait for the slow call to be in flight.
      const inFlight = () =>
        mode === 'model'
          ? modelRequests.some((r) => r.marker === marker)
          : tools.requests.find((r) => r.id === marker)
      const deadline = Date.now() + 30_000
      while (!inFlight()) {
        if (Date.now() > deadline) throw new Error(`${marker}: the ${mode} call never started`)
        await sleep(5)
      }
      // When the worker lets go of the in-flight request (its fake sees the client go away).
      const startedAt = Date.now()
      let abandonedAt = 0
      if (mode === 'model') {
        void fake.waitForDisconnects(fake.disconnects() + 1).then(() => (abandonedAt = Date.now()))
      }
      const started = performance.now()
      const res = await cluster.api('POST', `/v1/objectives/${id}/cancel`, { reason: 'chaos' })
      const callMs = performance.now() - started
      const returnedAt = Date.now()
      if (res.status !== 200) {
        failures.push(`${marker}: cancel answered ${res.status} ${JSON.stringify(res.body)}`)
        continue
      }
      let state = res.body.status?.state as string
      while (state !== 'STATE_CANCELLED' && performance.now() - started < 30_000) {
        state = (await cluster.api('GET', `/v1/objectives/${id}`)).body.status?.state
      }
      const stateMs = performance.now() - started
      if (state !== 'STATE_CANCELLED') failures.push(`${marker}: state ${state} after the cancel`)
      const toolRequest = tools.requests.find((r) => r.id === marker)
      while (Date.now() - startedAt < SLOW_MS) {
        if (mode === 'tool' && toolRequest?.aborted) abandonedAt = toolRequest.endedAt
        if (abandonedAt) break
        await sleep(2)
      }
      const stopMs = abandonedAt ? abandonedAt - startedAt : undefined
      results.push({ mode, marker, returnedAt, callMs, stateMs, stopMs })
    }
    log(`${results.length} cancels; waiting ${SLOW_MS} ms for any late request`)
    // A call that was not abandoned would end now, and a worker that went on would ask again.
    await sleep(SLOW_MS + 500)

    let late = 0
    for (const r of results) {
      const after = [
        ...modelRequests.filter((m) => m.marker === r.marker && m.at > r.returnedAt),
        ...tools.requests.filter((t) => t.id === r.marker && t.at > r.returnedAt),
      ]
      late += after.length
      if (after.length)
        failures.push(`${r.marker}: ${after.length} requests after the cancel returned`)
    }
    const of = (mode: Mode) => results.filter((r) => r.mode === mode)
    const stopped = (mode: Mode) => of(mode).filter((r) => r.stopMs !== undefined)
    return {
      name: 'cancel',
      ok: failures.length === 0,
      figures: {
        setup: `serve --no-worker + 1 worker process; slow calls ${SLOW_MS} ms`,
        'cancels during a model call': of('model').length,
        'cancels during a tool call': of('tool').length,
        ...latencyFigures(
          'cancel call',
          results.map((r) => r.callMs),
        ),
        ...latencyFigures(
          'state CANCELLED readable (from the call start)',
          results.map((r) => r.stateMs),
        ),
        ...latencyFigures(
          'model call abandoned (from the call start)',
          stopped('model').map((r) => r.stopMs!),
        ),
        ...latencyFigures(
          'tool call abandoned (from the call start)',
          stopped('tool').map((r) => r.stopMs!),
        ),
        'in-flight calls abandoned': `${stopped('model').length + stopped('tool').length} of ${results.length}`,
        'model or tool requests after the cancel returned': late,
      },
      failures,
    }
  } finally {
    await cluster.close()
    await tools.close()
    await fake.close()
  }
}
