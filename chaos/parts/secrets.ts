/**
 * secrets: distinctive secret values in a workspace secret, a tool-set secret and objective
 * secrets (at create and at continue). HTTP tools send them in headers, path, query and body to
 * a local backend that echoes them all back, once in a 200 result and once in a 500 error body;
 * the fake provider drives the calls. Sortie runs as a `serve` child process at LOG_LEVEL=trace.
 * Every place a value could surface is captured and scanned: every readable route of both
 * families, SSE frames, webhook bodies, Sortie's stdout and stderr, the model requests and the
 * database rows. Rule: no secret value anywhere but in the requests the tool backend received
 * (which must hold each of them, or the part could not see a leak).
 */
import { randomBytes } from 'node:crypto'
import type { ChaosPart } from '../part.ts'
import { startFakeProvider } from '../../test/support/fake-provider.ts'
import { rawClient } from '../lib/http.ts'
import { collectionOf, fillPath, readApiDocument, surfaceOf } from '../lib/openapi.ts'
import { waitFor } from '../lib/populate.ts'
import { startReceiver, type Received } from '../lib/receiver.ts'
import { startServe } from '../lib/serve.ts'
import { snapshot } from '../lib/snapshot.ts'

/** What the tool backend got, as it echoes it back. */
const echo = (r: Received) => JSON.stringify({ url: r.url, headers: r.headers, body: r.body })

export const part: ChaosPart = async ({ short, log }) => {
  const mark = (kind: string) => `${kind}${randomBytes(9).toString('hex')}`
  const values = {
    workspace: mark('wsecret'),
    toolSet: mark('tssecret'),
    objective: mark('osecret'),
    continued: mark('csecret'),
  }
  const secretValues = Object.values(values)
  const fake = await startFakeProvider('openai')
  const tools = await startReceiver((r) =>
    r.url.startsWith('/fail')
      ? { status: 500, body: `upstream failed for ${echo(r)}` }
      : { status: 200, body: echo(r) },
  )
  const hooks = await startReceiver()
  const failures: string[] = []
  let sortie: Awaited<ReturnType<typeof startServe>> | undefined
  try {
    sortie = await startServe({
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_API_KEY: 'fake-key',
      LOG_LEVEL: 'trace',
      SORTIE_ALLOW_PRIVATE_WEBHOOKS: '1',
      SORTIE_POLL_MS: '50',
      SORTIE_WEBHOOK_POLL_MS: '50',
    })
    const { api } = sortie
    /** Every answer Sortie gave, by request, to scan. */
    const answers: { what: string; text: string }[] = []
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await api(method, path, body)
      answers.push({ what: `${method} ${path}`, text: JSON.stringify(res.body) })
      return res
    }
    const must = async (method: string, path: string, body?: unknown) => {
      const res = await call(method, path, body)
      if (res.status !== 200)
        throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`)
      return res.body
    }

    const workspaceSecret = await must('POST', '/v1/workspace_secrets', {
      metadata: { name: 'WS_SECRET' },
      spec: { value: values.workspace },
    })
    const set = await must('POST', '/v1/tool_sets', {
      metadata: { name: 'echo-backend' },
      spec: {
        adapter: {
          http: {
            baseUrl: tools.url,
            headers: { 'x-workspace-secret': '${WS_SECRET}', 'x-tool-set-secret': '${TS_SECRET}' },
          },
        },
      },
    })
    const setId = set.metadata.id
    const setSecret = await must('POST', `/v1/tool_sets/${setId}/secrets`, {
      metadata: { name: 'TS_SECRET' },
      spec: { value: values.toolSet },
    })
    const http = (prefix: string) => ({
      requestMethod: 'POST',
      path: `${prefix}/\${OBJ_SECRET}/{{ id }}`,
      query: { q: '${OBJ_SECRET}', w: '${WS_SECRET}' },
      headers: { 'x-objective-secret': '${OBJ_SECRET}' },
      requestBodyTemplate:
        '{"toolSet": "${TS_SECRET}", "objective": "${OBJ_SECRET}", "id": "{{ id }}"}',
      requestBodyContentType: 'application/json',
    })
    const parameters = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }
    const toolIds: string[] = []
    for (const [name, prefix] of [
      ['echo', '/echo'],
      ['explode', '/fail'],
    ] as const) {
      const tool = await must('POST', `/v1/tool_sets/${setId}/tools`, {
        metadata: { name },
        spec: { description: `${name} the request`, parameters, config: { http: http(prefix) } },
      })
      toolIds.push(tool.metadata.id)
    }
    const agent = await must('POST', '/v1/agents', {
      metadata: { name: 'secret-keeper' },
      spec: { status: 'AGENT_STATUS_PUBLISHED', webhookEventsUrl: `${hooks.url}/hooks` },
      defaultVariation: {
        metadata: { name: 'v1' },
        spec: { prompt: 'Call the tools.', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
      },
    })
    const agentId = agent.metadata.id
    const variationId = (await must('GET', `/v1/agents/${agentId}/variations`)).items[0].metadata.id
    await must('POST', `/v1/agent_variations/${variationId}/assignments`, { toolSetId: setId })

    // The workspace streams stay open while the objectives run.
    const liveClient = rawClient(sortie.baseUrl, { streamMs: short ? 4000 : 7000 })
    const streamHeaders = { authorization: `Bearer ${sortie.token}`, accept: 'text/event-stream' }
    const live = [
      '/v1/objectives/events/stream',
      `/v1/workspaces/${sortie.workspaceId}/objectives/events/stream?agentId=${agentId}`,
    ].map((path) => liveClient.send({ method: 'GET', path, headers: streamHeaders }))

    const objectives: string[] = []
    const runs = short ? 1 : 3
    for (let i = 0; i < runs; i++) {
      fake.enqueue(
        {
          toolCalls: [
            { name: 'echo', arguments: { id: `a${i}` } },
            { name: 'explode', arguments: { id: `b${i}` } },
          ],
        },
        { text: 'checked' },
        { toolCalls: [{ name: 'echo', arguments: { id: `c${i}` } }] },
        { text: 'checked again' },
      )
      const created = await must('POST', '/v1/objectives', {
        agentId,
        data: {
          initialMessage: 'Check the records.',
          secrets: [{ name: 'OBJ_SECRET', value: values.objective }],
        },
      })
      const id = created.metadata.id
      objectives.push(id)
      const path = `/v1/workspaces/${sortie.workspaceId}/objectives/${id}`
      await waitFor(api, path, ['STATE_WAITING', 'STATE_FAILED'])
      await must('POST', `/v1/objectives/${id}/continue`, {
        message: 'Once more.',
        secrets: [{ name: 'OBJ_SECRET', value: values.continued }],
      })
      await waitFor(api, path, ['STATE_WAITING', 'STATE_FAILED'])
    }
    // One more: the model fails with an error that repeats everything it was sent, so the
    // failure path (the objective's error event, Sortie's warn log) carries whatever reached it.
    fake.enqueue({ toolCalls: [{ name: 'explode', arguments: { id: 'z' } }] })
    fake.setResponder((req) => ({
      status: 400,
      errorMessage: `refused: ${JSON.stringify(req.body?.messages ?? []).slice(-4000)}`,
    }))
    const failing = await must('POST', '/v1/objectives', {
      agentId,
      data: {
        initialMessage: 'Check and fail.',
        secrets: [{ name: 'OBJ_SECRET', value: values.objective }],
      },
    })
    objectives.push(failing.metadata.id)
    await waitFor(api, `/v1/workspaces/${sortie.workspaceId}/objectives/${failing.metadata.id}`, [
      'STATE_FAILED',
    ])
    // Refused requests that carry the values (their messages reach the debug log).
    await call('POST', '/v1/workspace_secrets', {
      metadata: { name: 'WS_SECRET' },
      spec: { value: values.workspace },
    })
    await call('POST', `/v1/tool_sets/${setId}/secrets`, {
      metadata: { name: 'bad name' },
      spec: { value: values.toolSet },
    })
    await call('POST', '/v1/objectives', {
      agentId: 'agent_01ARZ3NDEKTSV4RRFFQ69G5FAV',
      data: { initialMessage: 'x', secrets: [{ name: 'OBJ_SECRET', value: values.objective }] },
    })
    await call('POST', `/v1/objectives/${objectives[0]}/continue`, {
      message: 'x',
      secrets: [{ name: 'bad name', value: values.continued }],
    })
    log(`${objectives.length} objectives ran; ${tools.received.length} tool requests`)
    const liveFrames = await Promise.all(live)
    liveClient.close()

    // Deliveries settle before the webhook bodies are read.
    const deadline = Date.now() + 60_000
    for (;;) {
      const list = await api('GET', `/v1/agents/${agentId}/webhook_deliveries?limit=500`)
      const items = list.body.items as any[]
      if (items.every((d) => d.data?.status === 'WEBHOOK_DELIVERY_STATUS_COMPLETED')) break
      if (Date.now() > deadline) {
        failures.push('webhook deliveries did not all complete within 60 s')
        break
      }
      await new Promise((r) => setTimeout(r, 100))
    }

    // Every readable route of both families, with this workspace's ids.
    const ids: Record<string, string[]> = {
      workspaceId: [sortie.workspaceId],
      agentId: [agentId],
      toolSetId: [setId],
      objectiveId: objectives,
    }
    const toolCalls: string[] = []
    const windows: string[] = []
    const events: string[] = []
    for (const id of objectives) {
      for (const c of (await must('GET', `/v1/objectives/${id}/tool_calls?limit=500`)).items)
        toolCalls.push(c.metadata?.id ?? c.id)
      for (const w of (await must('GET', `/v1/objectives/${id}/context_windows?limit=500`)).items)
        windows.push(w.metadata?.id ?? w.id)
      for (const e of (await must('GET', `/v1/objectives/${id}/events?limit=500`)).items)
        events.push(e.metadata.id)
    }
    const idFor = (path: string, param: string): string[] => {
      if (ids[param]) return ids[param]!
      if (param === 'toolCallId') return toolCalls
      const before = collectionOf(path, param)
      const byCollection: Record<string, string[]> = {
        objectives: objectives,
        agents: [agentId],
        tool_sets: [setId],
        tools: toolIds,
        tool_calls: toolCalls,
        workspace_secrets: [workspaceSecret.metadata.id],
        secrets: [setSecret.metadata.id],
        variations: [variationId],
        agent_variations: [variationId],
      }
      return byCollection[before ?? ''] ?? []
    }
    const doc = readApiDocument((await api('GET', '/openapi.json')).body)
    let routesRead = 0
    const readable = doc.routes.filter(
      (r) =>
        r.method === 'GET' &&
        surfaceOf(r.path) === 'native' &&
        !r.path.startsWith('/v1/account') &&
        !r.path.endsWith('stream'),
    ).length
    for (const route of doc.routes) {
      if (route.method !== 'GET' || route.path.startsWith('/v1/account')) continue
      if (route.path.endsWith('stream')) continue // read below, to their end
      if (surfaceOf(route.path) !== 'native') continue // compat lists are read below
      const choices = route.pathParams.map((p) => idFor(route.path, p))
      if (choices.some((c) => c.length === 0)) continue
      routesRead++
      // every combination would be large: each id of the last parameter, the first of the others
      const last = choices.length - 1
      const combos =
        last < 0
          ? [[]]
          : choices[last]!.map((v) => [...choices.slice(0, last).map((c) => c[0]!), v])
      for (const combo of combos) {
        const params = Object.fromEntries(route.pathParams.map((p, i) => [p, combo[i]!]))
        const query = route.queryParams.includes('includeInfo') ? '?includeInfo=true&limit=500' : ''
        await call('GET', fillPath(route.path, params) + query)
      }
    }
    for (const extra of [
      `/v1/search/tools_or_tool_sets?query=echo`,
      `/v1/workspace_secrets?includeInfo=true`,
      `/v1/tool_sets/${setId}/secrets?includeInfo=true`,
      `/v1/agents/${agentId}/webhook_deliveries?limit=500&includeInfo=true`,
      '/tokensource/v1/objectives',
      '/helpgenie/v1/goals',
    ])
      await call('GET', extra)
    // Each objective's stream from the start, in both families (they end on their own: WAITING).
    const sse: string[] = liveFrames.map((r) => r.text)
    const replay = rawClient(sortie.baseUrl, { streamMs: 5000 })
    for (const id of objectives) {
      for (const prefix of ['/v1', `/v1/workspaces/${sortie.workspaceId}`]) {
        const res = await replay.send({
          method: 'GET',
          path: `${prefix}/objectives/${id}/events/stream`,
          headers: streamHeaders,
        })
        sse.push(res.text)
      }
    }
    replay.close()
    const db = await snapshot(sortie.databaseUrl)
    await sortie.stop()
    const { stdout, stderr } = sortie.output()
    sortie = undefined

    // Scan.
    const places: { kind: string; what: string; text: string }[] = [
      ...answers.map((a) => ({ kind: 'API responses', ...a })),
      ...sse.map((text, i) => ({ kind: 'SSE streams', what: `stream ${i}`, text })),
      ...hooks.received.map((r) => ({ kind: 'webhook bodies', what: r.url, text: r.body })),
      ...fake.requests.map((r, i) => ({
        kind: 'model requests',
        what: `model request ${i}`,
        text: JSON.stringify(r),
      })),
      { kind: 'logs', what: 'serve stdout', text: stdout },
      { kind: 'logs', what: 'serve stderr', text: stderr },
      ...[...db].map(([table, rows]) => ({
        kind: 'database rows',
        what: table,
        text: JSON.stringify([...rows.values()]),
      })),
    ]
    const byKind = new Map<string, { places: number; bytes: number; occurrences: number }>()
    let occurrences = 0
    for (const place of places) {
      const k = byKind.get(place.kind) ?? { places: 0, bytes: 0, occurrences: 0 }
      k.places++
      k.bytes += Buffer.byteLength(place.text)
      for (const value of secretValues) {
        const n = place.text.split(value).length - 1
        if (!n) continue
        k.occurrences += n
        occurrences += n
        const at = place.text.indexOf(value)
        failures.push(
          `secret ${value.slice(0, 7)}… appears ${n}× in ${place.kind} (${place.what}): …${place.text.slice(Math.max(0, at - 80), at + value.length + 40)}…`,
        )
      }
      byKind.set(place.kind, k)
    }
    // The control: each value did reach the tool backend (so a leak of it could be seen).
    const toolText = tools.received.map(echo).join('\n')
    for (const [name, value] of Object.entries(values)) {
      if (!toolText.includes(value))
        failures.push(`control: the ${name} secret never reached the tool backend`)
    }
    const explode = tools.received.filter((r) => r.url.startsWith('/fail')).length
    if (!explode) failures.push('control: the failing tool was never called')
    if (!hooks.received.length) failures.push('control: no webhook was received')
    // Where an echoed value was, events show the redaction mark instead.
    const redactions = answers.reduce((n, a) => n + a.text.split('***').length - 1, 0)
    if (!redactions) failures.push('control: no redacted value (***) in any answer')

    const figures: Record<string, string | number> = {
      objectives: objectives.length,
      'tool requests (all holding secrets)': tools.received.length,
      'readable routes read (both families)': `${routesRead} of ${readable} (the rest need ids of kinds this part does not make)`,
      'redaction marks (***) in answers': redactions,
    }
    let bytes = 0
    for (const [kind, k] of byKind) {
      figures[`${kind}: places / bytes`] = `${k.places} / ${k.bytes}`
      bytes += k.bytes
    }
    figures['places scanned'] = places.length
    figures['bytes scanned'] = bytes
    figures['secret occurrences outside the tool requests'] = occurrences
    return {
      name: 'secrets',
      ok: failures.length === 0,
      figures,
      failures:
        failures.length > 40
          ? [...failures.slice(0, 40), `... and ${failures.length - 40} more`]
          : failures,
    }
  } finally {
    await sortie?.stop()
    await Promise.all([fake.close(), tools.close(), hooks.close()])
  }
}
