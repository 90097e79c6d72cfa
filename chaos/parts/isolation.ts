/**
 * isolation: two workspaces A and B of one account, keys of every kind (the admin key, a
 * workspace key of A and of B, a key of A granted B). With A's workspace key, every route of
 * both families (from /openapi.json) is called with B's ids, external ids, cursors and body
 * references; B's streams, search, the compatible surfaces and every account route too.
 * Rules: nothing of B reaches A's key (no B id, token or marker string in any answer, stream
 * frame or A's webhooks), nothing of B changes, account administration is 403 code 7 for a
 * workspace key, and a workspace key cannot come by a token that acts in B.
 */
import { idToUuid } from '../../src/http/compat/uuid.ts'
import type { ChaosPart } from '../part.ts'
import { excerpt, rawClient, type RawRequest, type RawResponse } from '../lib/http.ts'
import {
  KIND_OF_COLLECTION,
  collectionOf,
  fillPath,
  readApiDocument,
  surfaceOf,
  type ApiRoute,
} from '../lib/openapi.ts'
import { populate, waitFor, type Api, type Population } from '../lib/populate.ts'
import { chaosSeed, Random } from '../lib/random.ts'
import { startServed } from '../lib/served.ts'
import { describeChange, diff, snapshot, type RowChange, type Snapshot } from '../lib/snapshot.ts'

/** External-id names populate() gives each kind. */
const EXTERNAL_OF_KIND: Record<string, string> = {
  workspace_secret: 'wsec',
  tool_set: 'toolset',
  tool_set_secret: 'tssec',
  tool: 'tool',
  agent: 'agent',
  variation: 'variation',
  goal: 'goal',
  ai_provider_key: 'aikey',
  api_key: 'apikey',
  objective: 'objective',
}

interface Side {
  pop: Population
  marker: string
  /** The workspace's own external id. */
  workspaceExternalId: string
}

/** A body that would succeed if the path's resources were the caller's (so a 404 means "not found", not "bad body"). */
function bodyFor(route: ApiRoute, a: Population, n: number): unknown {
  if (!route.body) return undefined
  // literal segments, and the verb of `{id}:verb`
  const segments = route.path
    .split('/')
    .map((s) => (s.startsWith('{') ? s.split('}:')[1] : s))
    .filter((s): s is string => Boolean(s))
  const last = segments.at(-1)!
  const toolSpec = {
    description: 'hijack',
    config: { http: { requestMethod: 'GET', path: '/x' } },
  }
  switch (last) {
    case 'cancel':
      return { reason: 'hijack' }
    case 'continue':
      return { message: 'hijack', enqueue: true }
    case 'compact':
    case 'approve':
      return {}
    case 'deny':
      return { memo: 'hijack' }
    case 'feedback':
      return { data: { score: -1, comment: 'hijack' } }
    case 'assignments':
      return { toolId: a.ids.tool![0] }
    case 'variations':
      if (route.method !== 'POST') break
      return {
        metadata: { name: `hijack-${n}` },
        spec: { prompt: 'x', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
      }
    case 'tools':
      if (route.method !== 'POST') break
      return { metadata: { name: `hijack_${n}` }, spec: toolSpec }
    case 'secrets':
    case 'workspace_secrets':
      if (route.method !== 'POST') break
      return { metadata: { name: `HIJACK_${n}` }, spec: { value: 'x' } }
    case 'status':
      return { status: 'MODEL_STATUS_DISABLED' }
    case 'attach':
    case 'detach':
      return { agentId: a.ids.agent![0] }
    case 'members':
      return { email: `hijack${n}@example.com` }
    case 'workspaces':
      return route.path.includes('api_keys')
        ? { workspaceId: a.workspaceId }
        : { metadata: { name: `hijack-${n}` } }
    case 'generate':
      return { description: 'hijack' }
    case 'objectives':
      return { agentId: a.ids.agent![0], data: { initialMessage: 'hijack' } }
    case 'tool_sets':
      if (route.method !== 'POST') break
      return {
        metadata: { name: `hijack-${n}` },
        spec: { adapter: { http: { baseUrl: 'http://127.0.0.1:9' } } },
      }
  }
  if (route.method === 'POST' && !route.path.endsWith('}'))
    return { metadata: { name: `hijack-${n}` } }
  if (route.method === 'PATCH' || route.method === 'PUT') {
    return { metadata: { labels: { hijacked: 'yes' } } }
  }
  return {}
}

interface Attempt {
  label: string
  req: RawRequest
  /** Ids of B the request itself names (echoes of them in an error are not leaks). */
  named: string[]
  /** Account administration: a workspace key must get 403 code 7. */
  accountAdmin: boolean
}

export const part: ChaosPart = async ({ short, log }) => {
  const seed = chaosSeed(12)
  const rng = new Random(seed)
  const s = await startServed()
  const failures: string[] = []
  try {
    const admin: Api = (method, path, body) => s.t.api(method, path, body)
    const okAdmin = async (method: string, path: string, body?: unknown) => {
      const res = await admin(method, path, body)
      if (res.status !== 200)
        throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`)
      return res.body
    }
    const markerA = `amk${rng.word(8)}`
    const markerB = `bmk${rng.word(8)}`
    const wsB = await okAdmin('POST', '/v1/account/workspaces', {
      metadata: {
        name: `${markerB}-workspace`,
        externalId: `${markerB}-ws`,
        labels: { marker: markerB },
      },
    })
    const workspaceB = wsB.metadata.id as string
    await okAdmin('PATCH', `/v1/account/workspaces/${s.t.workspaceId}`, {
      metadata: { externalId: `${markerA}-ws` },
    })
    const t0 = Date.now()
    const popA = await populate(admin, {
      workspaceId: s.t.workspaceId,
      marker: markerA,
      toolBaseUrl: s.tools.url,
      fake: s.fake,
      webhookUrl: `${s.hooks.url}/A`,
    })
    const popB = await populate(admin, {
      workspaceId: workspaceB,
      marker: markerB,
      toolBaseUrl: s.tools.url,
      fake: s.fake,
      webhookUrl: `${s.hooks.url}/B`,
    })
    log(`populated in ${Date.now() - t0} ms`)
    const A: Side = { pop: popA, marker: markerA, workspaceExternalId: `${markerA}-ws` }
    const B: Side = { pop: popB, marker: markerB, workspaceExternalId: `${markerB}-ws` }
    // A key of A granted B, and a member of B.
    const ab = await okAdmin('POST', `/v1/workspaces/${popA.workspaceId}/api_keys`, {
      metadata: { name: `${markerA}-granted-b` },
    })
    await okAdmin('POST', `/v1/account/api_keys/${ab.metadata.id}/workspaces`, {
      workspaceId: workspaceB,
    })
    await okAdmin('POST', `/v1/account/workspaces/${workspaceB}/members`, {
      email: `${markerB}@example.com`,
    })
    const hmac = (await okAdmin('GET', '/v1/account')).info?.webhookEventsHmacSecret as
      string | undefined
    const keyA = popA.keyToken
    const ownKeyId = popA.ids.api_key![0]!
    log(`A ${popA.workspaceId}, B ${workspaceB}; markers ${markerA} / ${markerB}`)

    // Controls: the ids are real (the admin and the granted key read them).
    const controls = [
      `/v1/workspaces/${workspaceB}/objectives/${popB.ids.objective![0]}`,
      `/v1/workspaces/${workspaceB}/agents/${popB.ids.agent![0]}`,
    ]
    for (const path of controls) {
      for (const token of [s.t.token, ab.spec.token as string]) {
        const res = await s.client.send({
          method: 'GET',
          path,
          headers: { authorization: `Bearer ${token}` },
        })
        if (res.status !== 200)
          failures.push(`control: GET ${path} with a key that may read B answered ${res.status}`)
      }
    }

    // A's workspace streams stay open while B's objective gets new events (checked below).
    const longClient = rawClient(s.baseUrl, { streamMs: 2000 })
    const streamHeaders = { authorization: `Bearer ${keyA}`, accept: 'text/event-stream' }
    const agentB = popB.ids.agent![0]!
    const streams = [
      { method: 'GET', path: '/v1/objectives/events/stream', headers: streamHeaders },
      {
        method: 'GET',
        path: `/v1/objectives/events/stream?agentId=${agentB}`,
        headers: streamHeaders,
      },
      {
        method: 'GET',
        path: `/v1/workspaces/${popA.workspaceId}/objectives/events/stream`,
        headers: streamHeaders,
      },
    ].map((req) => ({ req, pending: longClient.send(req) }))
    await new Promise((r) => setTimeout(r, 200))
    s.fake.enqueue({ text: `${markerB} more` })
    const objectiveB = `/v1/workspaces/${workspaceB}/objectives/${popB.ids.objective![0]}`
    await okAdmin('POST', `${objectiveB}/continue`, { message: `${markerB} again` })
    await waitFor(admin, objectiveB, ['STATE_WAITING'])
    const streamed = await Promise.all(streams.map(async (x) => ({ ...x, res: await x.pending })))
    await settleDeliveries(admin, workspaceB, agentB)

    // What must never reach A's key: every id of a row of B, B's keys' tokens, B's marker.
    const before = await snapshot(s.t.databaseUrl)
    const bIds = idsOfWorkspace(before, workspaceB)
    if (process.env.CHAOS_TRACE)
      log(`A ws in bIds: ${bIds.has(popA.workspaceId)} own key in bIds: ${bIds.has(ownKeyId)}`)
    const secrets = new Set<string>([
      markerB,
      popB.keyToken,
      ab.spec.token,
      ...(hmac ? [hmac] : []),
    ])
    const leaksIn = (text: string, named: string[]) => {
      const found: string[] = []
      for (const s of secrets)
        if (text.includes(s)) found.push(s === hmac ? 'the webhook signing secret' : s)
      for (const id of bIds) if (text.includes(id) && !named.includes(id)) found.push(id)
      return found
    }

    // B's ids, by kind, in the three spellings a path accepts.
    const refsOf = (side: Side, kind: string): string[] => {
      const id = side.pop.ids[kind]?.[0]
      if (!id) return []
      const ext = EXTERNAL_OF_KIND[kind] && `${side.marker}-${EXTERNAL_OF_KIND[kind]}`
      return [id, ...(ext ? [`external_id:${ext}`, `eid:${ext}`] : [])]
    }
    const kindOf = (route: ApiRoute, param: string) => {
      const before = collectionOf(route.path, param)
      if (param === 'workspaceId' || param === 'grantedWorkspaceId' || before === 'workspaces')
        return 'workspace'
      if (param === 'profileId' || before === 'members') return 'profile'
      return KIND_OF_COLLECTION[before] ?? param
    }
    const memberB = (await okAdmin('GET', `/v1/account/workspaces/${workspaceB}/members`)).items
      .map((m: any) => m.profile?.metadata?.id ?? m.profileId ?? m.metadata?.profileId)
      .filter(Boolean) as string[]
    const valueFor = (side: Side, kind: string): string[] => {
      if (kind === 'workspace') {
        return [side.pop.workspaceId, `external_id:${side.workspaceExternalId}`]
      }
      if (kind === 'profile') return side === B ? memberB.slice(0, 1) : []
      if (kind === 'family' || kind === 'model') return []
      return refsOf(side, kind)
    }

    const doc = readApiDocument((await admin('GET', '/openapi.json')).body)
    const attempts: Attempt[] = []
    let n = 0
    const add = (
      label: string,
      method: string,
      path: string,
      body: unknown,
      named: string[],
      accountAdmin = false,
    ) => {
      const text = body === undefined ? undefined : JSON.stringify(body)
      attempts.push({
        label,
        req: {
          method,
          path,
          headers: {
            authorization: `Bearer ${keyA}`,
            ...(text ? { 'content-type': 'application/json' } : {}),
          },
          body: text,
        },
        named,
        accountAdmin,
      })
    }
    // B cursors of each list, to replay from A.
    const cursorOf = new Map<string, string>()
    for (const route of doc.routes) {
      if (
        route.method !== 'GET' ||
        !route.queryParams.includes('cursor') ||
        !route.path.startsWith('/v1/workspaces/{workspaceId}')
      )
        continue
      const params: Record<string, string> = {}
      let complete = true
      for (const p of route.pathParams) {
        const v = p === 'workspaceId' ? workspaceB : popB.ids[kindOf(route, p)]?.[0]
        if (!v) complete = false
        else params[p] = v
      }
      if (!complete) continue
      const res = await admin('GET', `${fillPath(route.path, params)}?limit=1`)
      const cursor = res.body?.pagination?.nextCursor
      if (cursor) cursorOf.set(route.path.replace('/v1/workspaces/{workspaceId}', '/v1'), cursor)
    }

    for (const route of doc.routes) {
      // the compat surfaces are called below with their own ids; /healthz, /openapi.json hold nothing
      if (surfaceOf(route.path) !== 'native') continue
      const family = route.path.startsWith('/v1/workspaces/{workspaceId}')
      const account = route.path.startsWith('/v1/account')
      if (
        route.path === '/v1/account/rotate_webhook_signing_key' ||
        route.path.startsWith('/v1/account')
      ) {
        // Account administration: each with B's ids, A's ids and none.
        for (const side of [B, A]) {
          const params: Record<string, string> = {}
          const named: string[] = []
          for (const p of route.pathParams) {
            const kind = kindOf(route, p)
            const v = kind === 'api_key' && side === A ? ownKeyId : valueFor(side, kind)[0]
            params[p] = encodeURIComponent(v ?? 'missing')
            if (v) named.push(v)
          }
          const body = route.body
            ? route.path.endsWith('/workspaces') && route.path.includes('api_keys')
              ? { workspaceId: workspaceB }
              : route.path === '/v1/account/api_keys'
                ? { metadata: { name: `hijack-${++n}` }, workspaceId: workspaceB }
                : bodyFor(route, popA, ++n)
            : undefined
          // A key may read itself (and the workspaces it may act in).
          const readsOwn =
            route.method === 'GET' &&
            ['/v1/account/api_keys/{id}', '/v1/account/api_keys/{id}/workspaces'].includes(
              route.path,
            ) &&
            side === A
          const open = route.path === '/v1/account' || readsOwn
          if (route.pathParams.length === 0 && side === A) continue // same request as with B
          const isRotateOwn = /[/:]rotate$/.test(route.path) && side === A
          if (isRotateOwn) continue // allowed (a key may rotate itself); it would end A's token
          const inBody = JSON.stringify(body ?? {}).includes(workspaceB) ? [workspaceB] : []
          add(
            `account ${route.method} ${route.path} (${side === B ? 'B' : 'A'})`,
            route.method,
            fillPath(route.path, params),
            body,
            [...named, ...inBody],
            !open,
          )
        }
        continue
      }
      if (account) continue
      // Workspace-scoped routes: B's ids in every spelling, via the implicit family, A's family
      // and B's family.
      const workspaces = family
        ? [popA.workspaceId, workspaceB, `external_id:${B.workspaceExternalId}`]
        : [undefined]
      const idParams = route.pathParams.filter((p) => p !== 'workspaceId')
      const variants: Record<string, string>[] = []
      if (!idParams.length) variants.push({})
      else {
        const spellings = Math.max(...idParams.map((p) => valueFor(B, kindOf(route, p)).length), 1)
        for (let i = 0; i < spellings; i++) {
          const v: Record<string, string> = {}
          for (const p of idParams) {
            const values = valueFor(B, kindOf(route, p))
            v[p] = values[Math.min(i, values.length - 1)] ?? 'none'
          }
          variants.push(v)
        }
        // A parent with a B child, and a B parent with an A child.
        if (idParams.length > 1) {
          const mixed1: Record<string, string> = {}
          const mixed2: Record<string, string> = {}
          idParams.forEach((p, i) => {
            const a = valueFor(A, kindOf(route, p))[0] ?? 'none'
            const b = valueFor(B, kindOf(route, p))[0] ?? 'none'
            mixed1[p] = i === 0 ? a : b
            mixed2[p] = i === 0 ? b : a
          })
          variants.push(mixed1, mixed2)
        }
      }
      for (const ws of workspaces) {
        for (const v of variants) {
          if (ws === popA.workspaceId && !idParams.length && !route.body && route.method !== 'GET')
            continue
          const named = [
            ...Object.values(v),
            ...(ws && ws !== popA.workspaceId ? [workspaceB] : []),
          ]
          // A write naming nothing of B only changes A: body references are below.
          if (named.length === 0 && route.method !== 'GET') continue
          const params = { ...(ws ? { workspaceId: ws } : {}), ...v }
          const encoded = Object.fromEntries(
            Object.entries(params).map(([k, x]) => [k, encodeURIComponent(x)]),
          )
          add(
            `${route.method} ${route.path}`,
            route.method,
            fillPath(route.path, encoded),
            bodyFor(route, popA, ++n),
            named,
          )
        }
        // B's cursors and B ids in filters, on A's lists.
        if (route.method === 'GET' && route.queryParams.includes('cursor')) {
          const key = route.path.replace('/v1/workspaces/{workspaceId}', '/v1')
          const aParams: Record<string, string> = ws ? { workspaceId: ws } : {}
          for (const p of idParams) aParams[p] = valueFor(A, kindOf(route, p))[0] ?? 'none'
          const base = fillPath(route.path, aParams)
          const cursor = cursorOf.get(key)
          if (cursor)
            add(
              `${route.path} with B's cursor`,
              'GET',
              `${base}?cursor=${encodeURIComponent(cursor)}`,
              undefined,
              [],
            )
          const filters = route.queryParams.filter((q) => /Id$/.test(q))
          for (const q of filters) {
            const kind =
              q === 'windowId'
                ? 'window'
                : q === 'sinceEventId'
                  ? 'event'
                  : q === 'agentVariationId'
                    ? 'variation'
                    : q
                        .replace(/Id$/, '')
                        .replace(/([A-Z])/g, '_$1')
                        .toLowerCase()
                        .replace(/^parent_/, '')
            const value = popB.ids[kind]?.[0]
            if (value)
              add(
                `${route.path} ?${q}=B`,
                'GET',
                `${base}?${q}=${encodeURIComponent(value)}`,
                undefined,
                [],
              )
          }
          if (route.queryParams.includes('query'))
            add(`${route.path} ?query=B marker`, 'GET', `${base}?query=${markerB}`, undefined, [])
          if (route.queryParams.includes('prefix'))
            add(`${route.path} ?prefix=B marker`, 'GET', `${base}?prefix=${markerB}`, undefined, [])
        }
      }
    }
    // Body references to B from A's own resources.
    const p = '/v1'
    const bodyRefs: [string, string, unknown][] = [
      ['POST', `${p}/objectives`, { agentId: popB.ids.agent![0], data: { initialMessage: 'x' } }],
      [
        'POST',
        `${p}/objectives`,
        { agentId: `external_id:${markerB}-agent`, data: { initialMessage: 'x' } },
      ],
      [
        'POST',
        `${p}/objectives`,
        {
          agentId: popA.ids.agent![0],
          variationId: popB.ids.variation![0],
          data: { initialMessage: 'x' },
        },
      ],
      [
        'POST',
        `${p}/objectives`,
        {
          agentId: popA.ids.agent![0],
          data: { initialMessage: 'x', parentObjectiveId: popB.ids.objective![0] },
        },
      ],
      ['POST', `${p}/objectives`, { agent_id: popB.ids.agent![0], initial_message: 'x' }],
      [
        'POST',
        `${p}/agent_variations/${popA.ids.variation![0]}/assignments`,
        { toolId: popB.ids.tool![0] },
      ],
      [
        'POST',
        `${p}/agent_variations/${popA.ids.variation![0]}/assignments`,
        { toolSetId: popB.ids.tool_set![0] },
      ],
      [
        'POST',
        `${p}/agent_variations/${popA.ids.variation![0]}/assignments`,
        { subAgentId: popB.ids.agent![0] },
      ],
      [
        'POST',
        `${p}/agent_variations/${popA.ids.variation![0]}/assignments`,
        { toolId: `external_id:${markerB}-tool` },
      ],
      ['POST', `${p}/goals/${popA.ids.goal![0]}/attach`, { agentId: popB.ids.agent![0] }],
      ['POST', `${p}/goals/${popA.ids.goal![0]}/detach`, { agentId: popB.ids.agent![0] }],
      [
        'POST',
        `${p}/models:swapModelOnVariations`,
        { modelSwaps: [{ currentModelId: popB.ids.model![0], nextModelId: 'openai/gpt-4.1' }] },
      ],
      [
        'POST',
        `${p}/models:swapModelOnVariations`,
        {
          modelSwaps: [{ currentModelId: 'openai/gpt-4.1-mini', nextModelId: popB.ids.model![0] }],
        },
      ],
      [
        'POST',
        `${p}/agents`,
        {
          metadata: { name: `ref-${markerA}` },
          defaultVariation: {
            metadata: { name: 'v' },
            spec: { prompt: 'x', modelConfig: { modelId: popB.ids.model![0] } },
          },
        },
      ],
      ['POST', `${p}/goals`, { metadata: { name: `ref-${markerA}` }, agentId: popB.ids.agent![0] }],
    ]
    for (const [method, path, body] of bodyRefs)
      add(`body reference ${method} ${path}`, method, path, body, [])
    // Compatible surfaces.
    const goalB = popB.ids.goal![0]!
    for (const id of [goalB, `${markerB}-goal`]) {
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
        add(
          `tokensource ${method}`,
          method,
          `/tokensource/v1/objectives/${encodeURIComponent(id)}`,
          method.startsWith('P') ? { name: 'hijack' } : undefined,
          [id],
        )
      }
    }
    add('tokensource list', 'GET', '/tokensource/v1/objectives', undefined, [])
    add(
      'tokensource create with B agent',
      'POST',
      '/tokensource/v1/objectives',
      { name: `ref-${markerA}`, aiAssistantId: agentB },
      [agentB],
    )
    for (const id of [goalB, idToUuid(goalB)]) {
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
        add(
          `helpgenie ${method}`,
          method,
          `/helpgenie/v1/goals/${id}`,
          method.startsWith('P') ? { name: 'hijack' } : undefined,
          [id, goalB],
        )
      }
      for (const action of ['get', 'update', 'delete', 'attach', 'detach']) {
        add(
          `helpgenie action ${action}`,
          'POST',
          '/helpgenie/v1',
          { resource: 'goals', action, id, data: { name: 'hijack', agentId: popA.ids.agent![0] } },
          [id, goalB],
        )
      }
    }
    add('helpgenie list', 'GET', '/helpgenie/v1/goals', undefined, [])
    // a filter naming B may answer an empty list: only what it lists counts
    add('helpgenie list by B agent', 'GET', `/helpgenie/v1/goals?agentId=${agentB}`, undefined, [])
    add(
      'helpgenie attach B agent',
      'POST',
      '/helpgenie/v1',
      { resource: 'goals', action: 'attach', data: { goalId: popA.ids.goal![0], agentId: agentB } },
      [agentB],
    )
    add(
      'helpgenie create with B agent',
      'POST',
      '/helpgenie/v1/goals',
      { name: `ref-${markerA}`, agent_id: agentB },
      [agentB],
    )
    // Open routes that list what the key may act in.
    add('workspaces', 'GET', '/v1/workspaces', undefined, [])
    add('workspaces current', 'GET', '/v1/workspaces/current', undefined, [])
    add('search B marker', 'GET', `/v1/search/tools_or_tool_sets?query=${markerB}`, undefined, [])
    add('search lookup', 'GET', '/v1/search/tools_or_tool_sets?query=lookup', undefined, [])

    const selected = short ? attempts.filter((_, i) => i % 4 === 0) : attempts
    log(`${selected.length} requests with A's key (of ${attempts.length})`)

    let leaks = 0
    let adminRefusals = 0
    const check = (
      label: string,
      req: RawRequest,
      res: RawResponse,
      named: string[],
      accountAdmin: boolean,
    ) => {
      const found = leaksIn(withoutEchoes(res.text, req, named), [])
      const ok2xx = res.status >= 200 && res.status < 300
      // A success on a request naming B's resources is a leak even if it only echoes them.
      const resolved = ok2xx && named.some((id) => bIds.has(id) || id.includes(markerB))
      if (resolved && process.env.CHAOS_TRACE)
        log(`resolved: ${label} ${named.filter((id) => bIds.has(id) || id.includes(markerB))}`)
      if (found.length || resolved) {
        leaks++
        failures.push(
          `leak: ${label}: ${req.method} ${excerpt(req.path, 140)} body ${excerpt(req.body, 100)} -> ${res.status} shows ${found.length ? found.slice(0, 3).join(', ') : 'a resource of B'}: ${excerpt(res.text, 200)}`,
        )
      }
      if (res.status >= 500)
        failures.push(
          `${label}: ${req.method} ${req.path} answered ${res.status}: ${excerpt(res.text)}`,
        )
      if (accountAdmin) {
        if (res.status !== 403 || res.json?.code !== 7) {
          adminRefusals++
          failures.push(
            `account administration with a workspace key: ${req.method} ${excerpt(req.path, 120)} body ${excerpt(req.body, 100)} -> ${res.status}, not 403 code 7: ${excerpt(res.text, 160)}`,
          )
        }
      }
    }
    log(`attack starts at ${Date.now() - t0} ms`)
    for (const a of selected) {
      const res = await s.client.send(a.req)
      check(a.label, a.req, res, a.named, a.accountAdmin)
    }
    log(`attack done at ${Date.now() - t0} ms`)
    // Streams of B with A's key, read for a while.
    for (const id of [popB.ids.objective![0]!, `external_id:${markerB}-objective`]) {
      const req = {
        method: 'GET',
        path: `/v1/objectives/${encodeURIComponent(id)}/events/stream`,
        headers: streamHeaders,
      }
      check('B stream', req, await longClient.send(req), [id], false)
    }
    for (const { req, res } of streamed) check('A stream during B activity', req, res, [], false)
    longClient.close()

    // Escalation: rotating the key of A that was granted B would hand A's key a token for B.
    const rotate = await s.client.send({
      method: 'POST',
      path: `/v1/api_keys/${ab.metadata.id}/rotate`,
      headers: { authorization: `Bearer ${keyA}` },
    })
    let escalations = 0
    const token = rotate.json?.spec?.token
    if (rotate.status === 200 && token) {
      const reach = await s.client.send({
        method: 'GET',
        path: `/v1/workspaces/${workspaceB}/agents`,
        headers: { authorization: `Bearer ${token}` },
      })
      if (reach.status === 200) {
        escalations++
        failures.push(
          `escalation: A's workspace key rotated key ${ab.metadata.id} (homed in A, granted B) and its new token reads B (GET /v1/workspaces/${workspaceB}/agents -> 200)`,
        )
      }
    }

    // A's webhooks never carry B's events.
    await new Promise((r) => setTimeout(r, 300))
    let webhookBodies = 0
    for (const r of s.hooks.received) {
      if (!r.url.startsWith('/A')) continue
      webhookBodies++
      const found = leaksIn(r.body, [])
      if (found.length) {
        leaks++
        failures.push(`leak: A's webhook got ${found.slice(0, 3).join(', ')}: ${excerpt(r.body)}`)
      }
    }

    const after = await snapshot(s.t.databaseUrl)
    const changes = diff(before, after).filter((c) =>
      touchesB(c, before, after, workspaceB, bIds, markerB),
    )
    for (const c of changes.slice(0, 15)) failures.push(`change: ${describeChange(c)}`)
    const shown =
      failures.length > 60
        ? [...failures.slice(0, 60), `... and ${failures.length - 60} more`]
        : failures
    return {
      name: 'isolation',
      ok: failures.length === 0,
      figures: {
        seed,
        'routes (both families, /openapi.json)': doc.routes.filter(
          (r) => surfaceOf(r.path) === 'native',
        ).length,
        "requests with A's workspace key": selected.length + 5,
        'B ids and markers watched': bIds.size + secrets.size,
        "A's webhook bodies checked": webhookBodies,
        leaks,
        'changes to B or the account': changes.length,
        'account administration not refused (403 code 7)': adminRefusals,
        'escalations to a token for B': escalations,
      },
      failures: shown,
    }
  } finally {
    await s.close()
  }
}

/**
 * The answer without the strings the request itself sent (path segments, query values, body
 * strings): an error that repeats the id it was asked for shows nothing of B.
 */
function withoutEchoes(text: string, req: RawRequest, named: string[]): string {
  const sent = new Set<string>(named)
  const [path = '', query = ''] = req.path.split('?')
  const decode = (x: string) => {
    try {
      return decodeURIComponent(x)
    } catch {
      return x
    }
  }
  for (const seg of path.split('/')) sent.add(decode(seg))
  for (const pair of query.split('&')) for (const x of pair.split('=')) sent.add(decode(x))
  const walk = (v: unknown): void => {
    if (typeof v === 'string') sent.add(v)
    else if (v && typeof v === 'object') Object.values(v).forEach(walk)
  }
  if (typeof req.body === 'string') {
    try {
      walk(JSON.parse(req.body))
    } catch {
      sent.add(req.body)
    }
  }
  let out = text
  for (const x of [...sent].filter((x) => x.length >= 4).sort((a, b) => b.length - a.length))
    out = out.split(x).join('')
  return out
}

/** Waits until every webhook delivery of B's agent is settled (their rows stop changing). */
async function settleDeliveries(admin: Api, workspaceId: string, agentId: string) {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const list = await admin(
      'GET',
      `/v1/workspaces/${workspaceId}/agents/${agentId}/webhook_deliveries?limit=500`,
    )
    if (list.body.items.every((d: any) => d.data?.status === 'WEBHOOK_DELIVERY_STATUS_COMPLETED'))
      return
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Every id of B's rows (and their children's), B's profiles excepted when shared. */
function idsOfWorkspace(snap: Snapshot, workspaceId: string): Set<string> {
  const ids = new Set<string>([workspaceId])
  const objectives = new Set<string>()
  for (const [table, rows] of snap) {
    for (const row of rows.values()) {
      if (row.workspace_id === workspaceId && typeof row.id === 'string') {
        ids.add(row.id)
        if (table === 'objectives') objectives.add(row.id)
      }
    }
  }
  for (const rows of snap.values()) {
    for (const row of rows.values()) {
      if (
        typeof row.objective_id === 'string' &&
        objectives.has(row.objective_id) &&
        typeof row.id === 'string'
      )
        ids.add(row.id)
    }
  }
  return ids
}

/** A change that counts: to a row of B, to an account-level row, or one that names B. */
function touchesB(
  c: RowChange,
  before: Snapshot,
  after: Snapshot,
  workspaceB: string,
  bIds: Set<string>,
  markerB: string,
): boolean {
  const rows = [c.before, c.after].filter(Boolean) as Record<string, unknown>[]
  const text = JSON.stringify(rows)
  if (text.includes(markerB) || [...bIds].some((id) => text.includes(id))) return true
  const workspaceOf = (row: Record<string, unknown>): unknown => {
    if (row.workspace_id) return row.workspace_id
    if (c.table === 'workspaces') return row.id
    for (const [column, table] of [
      ['objective_id', 'objectives'],
      ['agent_id', 'agents'],
    ] as const) {
      const id = row[column]
      if (typeof id === 'string')
        return (after.get(table)?.get(id) ?? before.get(table)?.get(id))?.workspace_id
    }
    return row.scope_id ?? 'account'
  }
  return rows.some((row) => {
    const ws = workspaceOf(row)
    return ws === workspaceB || ws === 'account'
  })
}
