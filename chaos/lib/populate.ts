import type { FakeProvider } from '../../test/support/fake-provider.ts'

/** Calls the API with one key; the path is absolute (`/v1/...`). */
export type Api = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: any }>

/** The ids of one resource of every kind in a workspace, as `populate` made them. */
export interface Population {
  workspaceId: string
  /** Every id by kind (agent, variation, objective, event...), first one first. */
  ids: Record<string, string[]>
  /** External ids by kind (the resources that have one). */
  externalIds: Record<string, string>
  /** Tokens of the keys made here (the workspace key). */
  keyToken: string
  goalNumber: number
}

async function ok(api: Api, method: string, path: string, body?: unknown): Promise<any> {
  const res = await api(method, path, body)
  if (res.status !== 200) {
    throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`)
  }
  return res.body
}

/**
 * Makes one resource of every kind in `workspaceId` through the workspace family: secrets,
 * a tool set with tools (one needing approval), an agent with two variations and assignments,
 * a goal with a metric, an AI provider key, an API key, and two objectives run by the worker
 * against `fake` (one finished with a tool call and a task, with feedback; one waiting for an
 * approval), so events, windows, tool calls, tasks and webhook deliveries exist too. Every name,
 * label and external id carries `marker`, so a leak of any of them is easy to spot.
 */
export async function populate(
  api: Api,
  opts: {
    workspaceId: string
    marker: string
    toolBaseUrl: string
    fake: FakeProvider
    webhookUrl?: string
    /** Added to the tool set's headers (`${NAME}` secret references). */
    toolHeaders?: Record<string, string>
  },
): Promise<Population> {
  const { marker } = opts
  const p = `/v1/workspaces/${opts.workspaceId}`
  const ids: Record<string, string[]> = {}
  const add = (kind: string, id: string) => (ids[kind] ??= []).push(id)
  const ext = (kind: string) => `${marker}-${kind}`
  const meta = (kind: string) => ({
    name: `${marker}-${kind}`,
    externalId: ext(kind),
    labels: { marker },
  })

  const secret = await ok(api, 'POST', `${p}/workspace_secrets`, {
    metadata: { name: `WS_${marker}`, externalId: ext('wsec'), labels: { marker } },
    spec: { value: `${marker}-workspace-secret-value` },
  })
  add('workspace_secret', secret.metadata.id)
  const set = await ok(api, 'POST', `${p}/tool_sets`, {
    metadata: meta('toolset'),
    spec: { adapter: { http: { baseUrl: opts.toolBaseUrl, headers: opts.toolHeaders ?? {} } } },
  })
  add('tool_set', set.metadata.id)
  const setSecret = await ok(api, 'POST', `${p}/tool_sets/${set.metadata.id}/secrets`, {
    metadata: { name: `TS_${marker}`, externalId: ext('tssec'), labels: { marker } },
    spec: { value: `${marker}-tool-set-secret-value` },
  })
  add('tool_set_secret', setSecret.metadata.id)
  const toolSpec = (requiresApproval: boolean) => ({
    description: 'Looks a record up by id',
    parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    config: { http: { requestMethod: 'GET', path: '/lookup/{{ id }}' } },
    requiresApproval,
  })
  const lookup = await ok(api, 'POST', `${p}/tool_sets/${set.metadata.id}/tools`, {
    metadata: { ...meta('tool'), name: 'lookup' },
    spec: toolSpec(false),
  })
  const guarded = await ok(api, 'POST', `${p}/tool_sets/${set.metadata.id}/tools`, {
    metadata: { ...meta('guarded'), name: 'guarded' },
    spec: toolSpec(true),
  })
  add('tool', lookup.metadata.id)
  add('tool', guarded.metadata.id)

  const agent = await ok(api, 'POST', `${p}/agents`, {
    metadata: meta('agent'),
    spec: {
      status: 'AGENT_STATUS_PUBLISHED',
      description: `${marker} agent`,
      ...(opts.webhookUrl ? { webhookEventsUrl: opts.webhookUrl } : {}),
    },
    defaultVariation: {
      metadata: meta('variation'),
      spec: {
        prompt: `You look records up (${marker}).`,
        modelConfig: { modelId: 'openai/gpt-4.1-mini' },
      },
    },
  })
  const agentId = agent.metadata.id
  add('agent', agentId)
  const variations = await ok(api, 'GET', `${p}/agents/${agentId}/variations`)
  const variationId = variations.items[0].metadata.id
  add('variation', variationId)
  const second = await ok(api, 'POST', `${p}/agents/${agentId}/variations`, {
    metadata: { ...meta('variation2') },
    spec: {
      prompt: `Second (${marker}).`,
      modelConfig: { modelId: 'openai/gpt-4.1-mini' },
      weight: 0,
    },
  })
  add('variation', second.metadata.id)
  for (const toolId of [lookup.metadata.id, guarded.metadata.id]) {
    const a = await ok(api, 'POST', `${p}/agent_variations/${variationId}/assignments`, { toolId })
    add('assignment', a.id ?? a.metadata?.id)
  }

  const goal = await ok(api, 'POST', `${p}/goals`, {
    metadata: meta('goal'),
    spec: { description: `${marker} goal`, metrics: [{ key: 'reached', value: 1 }] },
  })
  add('goal', goal.metadata.id)
  await ok(api, 'POST', `${p}/goals/${goal.metadata.id}/attach`, { agentId })

  const providerKey = await ok(api, 'POST', `${p}/ai_provider_keys`, {
    metadata: meta('aikey'),
    spec: {
      provider: 'AI_PROVIDER_OPENAI_COMPATIBLE',
      apiKey: `${marker}-provider-api-key`,
      baseUrl: opts.fake.baseUrl,
      models: [{ id: `${marker}/model`, name: `${marker} model` }],
    },
  })
  add('ai_provider_key', providerKey.metadata.id)
  const models = await ok(api, 'GET', `${p}/models?prefix=${marker}`)
  for (const m of models.items) add('model', m.metadata.id)

  const key = await ok(api, 'POST', `${p}/api_keys`, { metadata: meta('apikey') })
  add('api_key', key.metadata.id)

  // Objective 1: a tool call and a task, then an answer; feedback after.
  opts.fake.enqueue(
    {
      toolCalls: [
        { name: 'lookup', arguments: { id: `${marker}-record` } },
        { name: 'sortie_tasks', arguments: { operation: 'add', task: `${marker} task` } },
      ],
    },
    { text: `${marker} answer` },
  )
  const done = await ok(api, 'POST', `${p}/objectives`, {
    agentId,
    variationId,
    data: {
      initialMessage: `hello ${marker}`,
      secrets: [{ name: 'OBJ_SECRET', value: `${marker}-objective-secret` }],
    },
    metadata: { externalId: ext('objective'), labels: { marker } },
  })
  add('objective', done.metadata.id)
  await waitFor(api, `${p}/objectives/${done.metadata.id}`, ['STATE_WAITING', 'STATE_FINALIZED'])
  const feedback = await ok(api, 'POST', `${p}/objectives/${done.metadata.id}/feedback`, {
    data: { score: 1, comment: `${marker} feedback` },
  })
  add('feedback', feedback.metadata.id)

  // Objective 2: waits for an approval of `guarded`.
  opts.fake.enqueue({ toolCalls: [{ name: 'guarded', arguments: { id: `${marker}-guarded` } }] })
  const waiting = await ok(api, 'POST', `${p}/objectives`, {
    agentId,
    variationId,
    data: { initialMessage: `second ${marker}` },
    metadata: { externalId: ext('objective2'), labels: { marker } },
  })
  add('objective', waiting.metadata.id)
  await waitFor(api, `${p}/objectives/${waiting.metadata.id}`, ['STATE_WAITING'])

  for (const objectiveId of ids.objective!) {
    const o = `${p}/objectives/${objectiveId}`
    for (const e of (await ok(api, 'GET', `${o}/events?limit=500`)).items)
      add('event', e.metadata.id)
    for (const w of (await ok(api, 'GET', `${o}/context_windows`)).items)
      add('window', w.id ?? w.metadata?.id)
    for (const c of (await ok(api, 'GET', `${o}/tool_calls`)).items)
      add('tool_call', c.metadata?.id ?? c.id)
    for (const t of (await ok(api, 'GET', `${o}/tasks`)).items) add('task', t.metadata?.id ?? t.id)
  }
  if (opts.webhookUrl) {
    const deadline = Date.now() + 60_000
    for (;;) {
      const list = await ok(api, 'GET', `${p}/agents/${agentId}/webhook_deliveries?limit=500`)
      const pending = list.items.filter(
        (d: any) => d.data?.status !== 'WEBHOOK_DELIVERY_STATUS_COMPLETED',
      )
      if ((list.items.length && !pending.length) || Date.now() > deadline) {
        for (const d of list.items) add('webhook_delivery', d.metadata.id)
        break
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {
    workspaceId: opts.workspaceId,
    ids,
    externalIds: Object.fromEntries(
      [
        'wsec',
        'toolset',
        'tssec',
        'tool',
        'agent',
        'variation',
        'goal',
        'aikey',
        'apikey',
        'objective',
      ].map((k) => [k, ext(k)]),
    ),
    keyToken: key.spec.token,
    goalNumber: goal.metadata.number,
  }
}

/** Polls an objective until its state (workspace family) is one of `states`. */
export async function waitFor(api: Api, path: string, states: string[], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  let last: any
  while (Date.now() < deadline) {
    last = await api('GET', path)
    if (states.includes(last.body?.status?.state)) return last.body
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${path} stayed ${JSON.stringify(last?.body?.status)}, wanted ${states}`)
}
