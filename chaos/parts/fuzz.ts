/**
 * fuzz: thousands of generated bad requests over every route of Sortie's own /openapi.json
 * (both route families) and the compatible surfaces (docs/compat.md sections 2 and 3). Rules:
 * no answer >= 500; every native error a google.rpc.Status whose HTTP status matches its code
 * (docs/api.md section 9); compat errors in their own envelopes; garbage auth is 401; no bad
 * request is accepted and the database is the same before and after; no prototype is polluted.
 * The generator is seeded, so a failure replays exactly: `CHAOS_SEED=<seed> npm run chaos -- fuzz`
 * (the seed is in the figures and in each failure); `CHAOS_TRACE=1` logs every request and answer.
 */
import type { ChaosPart } from '../part.ts'
import {
  BAD_JSON,
  deepJson,
  NOT_OBJECTS,
  ODD_IDS,
  protoQuery,
  ROUTING_IDS,
  setPath,
  sprinkleProtoKeys,
  typedProperties,
  wrongValue,
} from '../lib/bad-input.ts'
import { captureGlobals, changedGlobals } from '../lib/globals.ts'
import { excerpt, statusProblem, type RawRequest, type RawResponse } from '../lib/http.ts'
import {
  KIND_OF_COLLECTION,
  collectionOf,
  fillPath,
  readApiDocument,
  surfaceOf,
  type ApiDocument,
  type JsonSchema,
} from '../lib/openapi.ts'
import { populate, type Population } from '../lib/populate.ts'
import { chaosSeed, Random } from '../lib/random.ts'
import { startServed } from '../lib/served.ts'
import { describeChange, diff, snapshot } from '../lib/snapshot.ts'

type Surface = ReturnType<typeof surfaceOf>

interface Target {
  surface: Surface
  method: string
  path: string
  pathParams: string[]
  queryParams: string[]
  body?: JsonSchema
  /** No API key is read (an upload URL's PUT): garbage auth changes nothing there. */
  keyless?: boolean
}

const CATEGORIES = [
  'bad-json',
  'wrong-types',
  'huge-strings',
  'nul-strings',
  'deep-nesting',
  'prototype-keys',
  'bad-pagination',
  'odd-ids',
  'content-type',
  'garbage-auth',
] as const
type Category = (typeof CATEGORIES)[number]

/** The compatible surfaces' routes, with enough of their bodies for wrong types. */
function compatTargets(): Target[] {
  const tsBody = {
    type: 'object',
    properties: {
      name: { type: 'string' },
      description: { type: 'string' },
      status: { type: 'string' },
      metrics: { type: 'array' },
      externalId: { type: 'string' },
      aiAssistantId: { type: ['integer', 'string'] },
    },
  }
  const hgGoal = {
    type: 'object',
    properties: {
      name: { type: 'string' },
      description: { type: 'string' },
      status: { type: 'string' },
      priority: { type: 'integer' },
      fields: { type: 'array' },
    },
  }
  const hgAction = {
    type: 'object',
    properties: {
      resource: { type: 'string' },
      action: { type: 'string' },
      id: { type: 'string' },
      data: { type: 'object', properties: hgGoal.properties },
    },
  }
  const ts = '/tokensource/v1/objectives'
  const hg = '/helpgenie/v1'
  const t = (surface: Surface, method: string, path: string, body?: JsonSchema): Target => ({
    surface,
    method,
    path,
    pathParams: path.includes('{id}') ? ['id'] : [],
    queryParams: [],
    body,
  })
  return [
    t('tokensource', 'GET', ts),
    t('tokensource', 'GET', `${ts}/`),
    t('tokensource', 'POST', ts, tsBody),
    t('tokensource', 'GET', `${ts}/{id}`),
    t('tokensource', 'PUT', `${ts}/{id}`, tsBody),
    t('tokensource', 'PATCH', `${ts}/{id}`, tsBody),
    t('tokensource', 'DELETE', `${ts}/{id}`),
    t('helpgenie', 'POST', hg, hgAction),
    t('helpgenie', 'POST', `${hg}/`, hgAction),
    { ...t('helpgenie', 'GET', `${hg}/goals`), queryParams: ['agentId', 'status', 'limit'] },
    t('helpgenie', 'POST', `${hg}/goals`, hgGoal),
    t('helpgenie', 'GET', `${hg}/goals/{id}`),
    t('helpgenie', 'PATCH', `${hg}/goals/{id}`, hgGoal),
    t('helpgenie', 'PUT', `${hg}/goals/{id}`, hgGoal),
    t('helpgenie', 'DELETE', `${hg}/goals/{id}`),
  ]
}

interface World {
  pop: Population
  profileId: string
  cursors: string[]
}

/** A real id for each path parameter of `target` (percent-encoded). */
function realParams(target: Target, world: World): Record<string, string> {
  const values: Record<string, string> = {}
  for (const name of target.pathParams) {
    const before = collectionOf(target.path, name)
    let value: string | undefined
    if (target.surface === 'tokensource') value = String(world.pop.goalNumber)
    else if (target.surface === 'helpgenie') value = world.pop.ids.goal![0]
    else if (name === 'workspaceId' || name === 'grantedWorkspaceId') value = world.pop.workspaceId
    else if (before === 'workspaces') value = world.pop.workspaceId
    else if (name === 'profileId' || before === 'members') value = world.profileId
    else if (name === 'family') value = 'openai'
    else if (name === 'model') value = 'gpt-4.1-mini'
    else value = world.pop.ids[KIND_OF_COLLECTION[before] ?? '']?.[0]
    values[name] = encodeURIComponent(value ?? 'unknown_01ARZ3NDEKTSV4RRFFQ69G5FAV')
  }
  return values
}

interface Generated {
  category: Category
  target: Target
  req: RawRequest
  /** A path id was replaced by an odd one that cannot route elsewhere. */
  oddId: boolean
  garbageAuth: boolean
}

function generate(
  target: Target,
  category: Category,
  rng: Random,
  doc: ApiDocument,
  world: World,
  token: string,
): Generated {
  const mutating = target.method !== 'GET'
  const params = realParams(target, world)
  let oddId = false
  const useOddId = () => {
    if (!target.pathParams.length) return false
    const name = rng.pick(target.pathParams)
    // `..` and empty segments route elsewhere (URL normalisation): only for reads.
    const value = rng.pick(mutating ? ODD_IDS.filter((v) => !ROUTING_IDS.has(v)) : ODD_IDS)
    params[name] = value
    oddId ||= !ROUTING_IDS.has(value)
    return true
  }
  const typed = typedProperties(target.body, doc.resolve)
  const objectPaths = typed.filter((p) => p.schema.type === 'object').map((p) => p.path)
  const stringPaths = typed
    .filter((p) => p.schema.type === 'string' || p.path.at(-1) === 'name')
    .map((p) => p.path)
  const query: string[] = []
  const headers: Record<string, string> = { authorization: `Bearer ${token}` }
  let body: Record<string, unknown> | undefined
  let text: string | undefined
  /** True once the body alone makes the request invalid (only if the route reads a body). */
  let bodyIsBad = false
  const putWrongType = (b: Record<string, unknown>) => {
    if (!typed.length) return false
    const prop = rng.pick(typed)
    setPath(b, prop.path, wrongValue(prop.schema, rng))
    return true
  }

  switch (category) {
    case 'bad-json':
      text = rng.pick(BAD_JSON)
      bodyIsBad = true
      break
    case 'wrong-types':
      if (rng.chance(0.2) || !typed.length) {
        text = rng.pick(NOT_OBJECTS)
        bodyIsBad = true
      } else {
        body = {}
        for (let i = rng.int(1, 3); i > 0; i--) bodyIsBad = putWrongType(body) || bodyIsBad
      }
      break
    case 'huge-strings': {
      const size = rng.chance(0.1) ? 1_200_000 : rng.int(20_000, 300_000)
      const huge = rng.word(16).repeat(Math.ceil(size / 16))
      body = {}
      setPath(body, stringPaths.length ? rng.pick(stringPaths) : ['name'], huge)
      if (rng.chance(0.3)) query.push(`prefix=${'q'.repeat(rng.int(1000, 6000))}`)
      if (rng.chance(0.2) && target.pathParams.length) {
        params[rng.pick(target.pathParams)] = 'i'.repeat(rng.int(1000, 4000))
        oddId = true
      }
      break
    }
    case 'nul-strings': {
      body = {}
      const nul = rng.pick(['\u0000', 'a\u0000b', `${rng.word(8)}\u0000`, '\u0000'.repeat(50)])
      for (const path of stringPaths.slice(0, 4)) setPath(body, path, nul)
      if (!stringPaths.length) setPath(body, ['name'], nul)
      query.push(`${rng.pick(['prefix', 'query', 'labels', 'cursor', 'agentId', 'status'])}=%00`)
      if (rng.chance(0.3) && target.pathParams.length) {
        params[rng.pick(target.pathParams)] = rng.pick(['%00', 'a%00b', 'external_id:%00'])
        oddId = true
      }
      break
    }
    case 'deep-nesting': {
      const depth = rng.int(200, 20_000)
      const deep = deepJson(depth, rng.chance(0.5) ? 'array' : 'object')
      if (rng.chance(0.3)) {
        // a top-level array: never a valid body
        text = deepJson(depth, 'array')
        bodyIsBad = true
      } else {
        body = {}
        setPath(body, objectPaths.length ? rng.pick(objectPaths) : ['data'], '__DEEP__')
      }
      text ??= JSON.stringify(body).replace('"__DEEP__"', deep)
      if (body) body = undefined // the text is the body now
      break
    }
    case 'prototype-keys':
      body = {}
      sprinkleProtoKeys(body, rng, objectPaths)
      query.push(protoQuery(rng))
      break
    case 'bad-pagination': {
      const cursor = rng.pick([
        rng.word(20),
        '%00',
        'eyJ4Ijp7fX0',
        'eyJfX3Byb3RvX18iOnsicCI6MX19',
        Buffer.from(JSON.stringify({ toString: 1, id: "' OR 1=1" })).toString('base64url'),
        ...world.cursors,
        ...world.cursors.map((c) => c.slice(0, -3)),
        ...world.cursors.map((c) => `${c}AA`),
      ])
      const limit = rng.pick([
        '-1',
        'abc',
        '1e309',
        '1.5',
        '99999999999999999999',
        '0x10',
        '',
        '%20',
        'NaN',
        '-0',
        '501',
        '%00',
      ])
      query.push(`cursor=${cursor}`, `limit=${limit}`)
      if (rng.chance(0.5))
        query.push(`sortOrder=${rng.pick(['up', 'DESC%20', '', 'asc,desc', 'desc'])}`)
      if (rng.chance(0.3)) query.push(`includeInfo=${rng.pick(['maybe', '2', '', 'TRUE%00'])}`)
      if (mutating) {
        body = {}
        putWrongType(body)
      }
      break
    }
    case 'odd-ids':
      if (!useOddId()) {
        query.push(`agentId=${rng.pick(ODD_IDS)}`, `objectiveId=${rng.pick(ODD_IDS)}`)
      }
      if (target.body && rng.chance(0.5)) {
        body = {}
        for (const p of typed.filter((x) => /id$/i.test(x.path.at(-1)!)))
          setPath(
            body,
            p.path,
            decodeURIComponent(rng.pick(ODD_IDS.filter((v) => !v.includes('%')))),
          )
      }
      break
    case 'content-type': {
      const kind = rng.pick(['form', 'xml', 'multipart', 'text', 'json-utf16', 'none'])
      const contentType: Record<string, string> = {
        form: 'application/x-www-form-urlencoded',
        xml: 'application/xml',
        multipart: 'multipart/form-data; boundary=zz',
        text: 'text/plain',
        'json-utf16': 'application/json; charset=utf-16',
        none: '',
      }
      if (contentType[kind]) headers['content-type'] = contentType[kind]
      if (kind === 'form') text = 'metadata%5Bname%5D=x&spec=1&toString=1'
      else if (kind === 'xml') text = '<agent><name>x</name></agent>'
      else if (kind === 'multipart')
        text = '--zz\r\nContent-Disposition: form-data; name="metadata"\r\n\r\nx\r\n--zz--\r\n'
      else {
        body = {}
        putWrongType(body)
      }
      bodyIsBad = text !== undefined || typed.length > 0
      break
    }
    case 'garbage-auth': {
      const garbage = rng.pick([
        undefined,
        'Bearer',
        'Bearer ',
        'Bearer x y',
        'Basic dXNlcjpwYXNz',
        `bearer ${rng.word(30)}`,
        `Bearer ${'A'.repeat(5000)}`,
        `Bearer sk_${rng.word(40)}`,
        'Token abc',
        `Bearer ${token}x`,
        `Bearer ${token.slice(0, -1)}`,
        `Bearer ${token.toUpperCase()}`,
        'Bearer %00',
        `Bearer ${token},${token}`,
        `Bearer\t${rng.word(12)}`,
      ])
      if (garbage === undefined) delete headers.authorization
      else headers.authorization = garbage
      if (target.surface === 'helpgenie' && rng.chance(0.5)) headers['x-api-key'] = rng.word(24)
      if (target.body && rng.chance(0.5)) body = { name: 'valid-looking', metadata: { name: 'x' } }
      break
    }
  }

  // A bad request must be bad on its own: a mutating request with real ids needs a body the
  // route refuses; without one, an odd id; without path ids, garbage auth.
  const garbageAuth = category === 'garbage-auth'
  if (mutating && !garbageAuth && !oddId) {
    const reads = target.body !== undefined
    if (!(reads && bodyIsBad)) {
      if (reads && body && putWrongType(body)) {
        // made bad
      } else if (reads && !body && text === undefined && typed.length) {
        body = {}
        putWrongType(body)
      } else if (!useOddId()) {
        return generate(target, 'garbage-auth', rng, doc, world, token)
      }
    }
  }
  if (body !== undefined) text = JSON.stringify(body)
  if (text !== undefined && headers['content-type'] === undefined && category !== 'content-type')
    headers['content-type'] = 'application/json'
  const path = fillPath(target.path, params) + (query.length ? `?${query.join('&')}` : '')
  return {
    category,
    target,
    oddId,
    garbageAuth,
    req: { method: target.method, path, headers, body: text },
  }
}

/** Why an answer breaks a rule, or undefined. */
function check(g: Generated, res: RawResponse): string | undefined {
  if (res.status >= 500) return `answered ${res.status}`
  const ok = res.status >= 200 && res.status < 300
  if (g.target.surface === 'public') return undefined // /healthz, /openapi.json: no key, no input
  if (g.garbageAuth && !g.target.keyless && res.status !== 401) {
    return `garbage auth answered ${res.status}, not 401`
  }
  if (ok && g.req.method !== 'GET') return `bad request accepted (${res.status})`
  if (ok && g.oddId) return `odd id matched a resource (${res.status})`
  if (res.status < 400) return undefined
  if (g.target.surface === 'native') {
    const problem = statusProblem(res)
    return problem && `error is not a google.rpc.Status: ${problem}`
  }
  const b = res.json
  if (g.target.surface === 'tokensource') {
    if (!b || typeof b.error !== 'string') return 'TokenSource error is not {error: string}'
    return undefined
  }
  const e = b?.error
  if (b?.success !== false || typeof e?.code !== 'string' || typeof e.message !== 'string')
    return 'HelpGenie error is not {success: false, error: {code, message, status}}'
  if (e.status !== res.status) return `HelpGenie error.status ${e.status} != HTTP ${res.status}`
  return undefined
}

export const part: ChaosPart = async ({ short, log }) => {
  const seed = chaosSeed(11)
  const rng = new Random(seed)
  const total = short ? 400 : 5200
  const s = await startServed()
  const failures: string[] = []
  let failureCount = 0
  try {
    const api = (method: string, path: string, body?: unknown) => s.t.api(method, path, body)
    const pop = await populate(api, {
      workspaceId: s.t.workspaceId,
      marker: 'fz',
      toolBaseUrl: s.tools.url,
      fake: s.fake,
      webhookUrl: `${s.hooks.url}/hooks`,
    })
    const profiles = await api('GET', '/v1/account/profiles')
    const cursors: string[] = []
    for (const list of [
      `/v1/objectives/${pop.ids.objective![0]}/events?limit=1`,
      `/v1/objectives/${pop.ids.objective![0]}/events?limit=2&sortOrder=desc`,
      '/v1/agents/' + pop.ids.agent![0] + '/variations?limit=1',
    ]) {
      const c = (await api('GET', list)).body?.pagination?.nextCursor
      if (c) cursors.push(c)
    }
    const world: World = { pop, profileId: profiles.body.items[0].metadata.id, cursors }
    const doc = readApiDocument((await api('GET', '/openapi.json')).body)
    // Every route of the document (it lists the compat surfaces too), and the compat paths it
    // does not spell out (trailing slashes), once each.
    const targets: Target[] = doc.routes.map((r) => ({ surface: surfaceOf(r.path), ...r }))
    const listed = new Set(targets.map((t) => `${t.method} ${t.path.replace(/\/$/, '')}`))
    for (const t of compatTargets()) {
      if (!listed.has(`${t.method} ${t.path.replace(/\/$/, '')}`)) targets.push(t)
    }
    log(`${targets.length} routes, seed ${seed}`)
    const before = await snapshot(s.t.databaseUrl)
    // Sortie runs in this process: a polluted prototype would show here.
    const globals = captureGlobals()
    let pollutedBy: string | undefined

    const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>
    const counts = {
      fiveHundreds: 0,
      nonStatus: 0,
      compatEnvelope: 0,
      accepted: 0,
      oddMatched: 0,
      authNot401: 0,
    }
    let maxMs = 0
    let slowest = ''
    for (let i = 0; i < total; i++) {
      const target = targets[i % targets.length]!
      const category = rng.pick(CATEGORIES)
      const g = generate(target, category, rng, doc, world, s.t.token)
      byCategory[g.category]++
      let res: RawResponse
      try {
        res = await s.client.send(g.req)
      } catch (err) {
        res = { status: 0, headers: {}, text: String(err), json: undefined, ms: 0 }
      }
      if (res.ms > maxMs) {
        maxMs = res.ms
        slowest = `${g.req.method} ${g.req.path.slice(0, 80)}`
      }
      if (process.env.CHAOS_TRACE)
        log(
          `#${i} ${g.category} ${g.req.method} ${g.req.path.slice(0, 120)} ${excerpt(g.req.body, 80)} -> ${res.status} ${res.text.slice(0, 100)}`,
        )
      const problem = res.status === 0 ? `no answer: ${res.text}` : check(g, res)
      if (!pollutedBy) {
        const changed = changedGlobals(globals)
        if (changed.length) {
          pollutedBy = `#${i} ${g.req.method} ${excerpt(g.req.path, 120)} body ${excerpt(g.req.body, 160)} changed built-in objects: ${changed.join(', ')}`
          failures.unshift(`prototype pollution (every later answer is suspect): ${pollutedBy}`)
        }
      }
      if (!problem) continue
      if (res.status >= 500 || res.status === 0) counts.fiveHundreds++
      else if (problem.startsWith('error is not')) counts.nonStatus++
      else if (problem.startsWith('TokenSource') || problem.startsWith('HelpGenie'))
        counts.compatEnvelope++
      else if (problem.startsWith('bad request')) counts.accepted++
      else if (problem.startsWith('odd id')) counts.oddMatched++
      else if (problem.startsWith('garbage auth')) counts.authNot401++
      failureCount++
      if (failures.length < 40) {
        failures.push(
          `#${i} (seed ${seed}) ${g.category}: ${g.req.method} ${excerpt(g.req.path, 120)} body ${excerpt(g.req.body, 100)} -> ${problem}: ${excerpt(res.text, 160)}`,
        )
      }
      if ((i + 1) % 500 === 0) log(`${i + 1}/${total} requests`)
    }
    const changes = diff(before, await snapshot(s.t.databaseUrl))
    for (const c of changes.slice(0, 10))
      failures.push(`a bad request changed the database: ${describeChange(c)}`)
    if (failureCount > 40) failures.push(`... and ${failureCount - 40} more failed requests`)

    const count = (surface: Surface) => targets.filter((t) => t.surface === surface).length
    return {
      name: 'fuzz',
      ok: failures.length === 0,
      figures: {
        seed,
        'routes covered': `${count('native')} native (both families) + ${count('tokensource') + count('helpgenie')} compat + ${count('public')} public`,
        'requests sent': total,
        ...Object.fromEntries(CATEGORIES.map((c) => [`requests: ${c}`, byCategory[c]])),
        'responses >= 500 (or none)': counts.fiveHundreds,
        'native errors not a google.rpc.Status': counts.nonStatus,
        'compat errors not in their envelope': counts.compatEnvelope,
        'bad requests accepted (2xx)': counts.accepted,
        'odd ids that matched': counts.oddMatched,
        'garbage auth not 401': counts.authNot401,
        'database rows changed': changes.length,
        'built-in objects polluted': pollutedBy ? 'yes' : 'no',
        'max latency (ms)': `${maxMs.toFixed(0)} (${slowest})`,
      },
      failures,
    }
  } finally {
    await s.close()
  }
}
