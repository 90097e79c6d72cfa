/**
 * The HelpGenie goals surface (seed 002, docs/compat.md section 3) over the goals service: one action
 * endpoint, its REST alternative, the `{success, data | error}` envelope and UUID-form ids.
 */
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { AppError, Code, retryAfterHeaders } from '../../lib/errors.ts'
import { requirePermission } from '../../modules/accounts/index.ts'
import type { Deps, Scope } from '../../modules/deps.ts'
import * as goals from '../../modules/goals/index.ts'
import type { HttpEnv } from '../context.ts'
import * as hg from './helpgenie-goal.ts'
import { asInputError, compatScope, parsePayload, readJson, slashed } from './request.ts'
import { idToUuid } from './uuid.ts'

export const HELPGENIE_PREFIX = '/helpgenie/v1'

const ACTIONS = ['list', 'get', 'create', 'update', 'delete', 'attach', 'detach', 'generate']

/** An action HelpGenie does not have: its own error code. */
class InvalidAction extends AppError {}

const Invocation = z.object({
  resource: z.string().optional(),
  action: z.string({ error: 'is required' }),
  id: z.string().trim().min(1).max(300).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
})
type Invocation = z.infer<typeof Invocation>

interface Outcome {
  status: 200 | 201
  data: unknown
}

function requireId(id: string | undefined): string {
  if (!id) throw new AppError(Code.INVALID_ARGUMENT, 'id: is required (the goal UUID)')
  return hg.goalRef(id)
}

/** Runs one action; the goals service holds every rule, this only translates. */
async function runAction(deps: Deps, scope: Scope, call: Invocation): Promise<Outcome> {
  const data = call.data ?? {}
  // The goal id belongs at the top level; `data.id` is taken when it is not there.
  if (call.id === undefined && typeof data.id === 'string') call = { ...call, id: data.id }
  const ok = (value: unknown, status: 200 | 201 = 200): Outcome => ({ status, data: value })
  switch (call.action) {
    case 'list': {
      // "Retrieves all goals": without a limit, every goal; with one, the first `limit`.
      const q = parsePayload(hg.ListData, data)
      const filter = { agentId: q.agentId && hg.agentRef(q.agentId), status: q.status }
      const items = q.limit
        ? (await goals.listGoals(deps, scope, { ...filter, limit: q.limit, includeInfo: true }))
            .items
        : await goals.listAllGoals(deps, scope, filter)
      return ok({ items: items.map(hg.hgGoalOf), count: items.length })
    }
    case 'get':
      return ok(hg.hgGoalOf(await goals.getGoal(deps, scope, requireId(call.id))))
    case 'create': {
      const d = parsePayload(hg.GoalData, data)
      const body = { metadata: { name: d.name }, spec: hg.specOf(d) }
      return ok(hg.hgGoalOf(await goals.createGoal(deps, scope, body, hg.agentsOf(d))), 201)
    }
    case 'update': {
      const d = parsePayload(hg.UpdateData, data)
      const body = { metadata: d.name !== undefined ? { name: d.name } : {}, spec: hg.specOf(d) }
      const id = requireId(call.id)
      return ok(hg.hgGoalOf(await goals.updateGoal(deps, scope, id, body, hg.agentsOf(d))))
    }
    case 'delete': {
      const id = requireId(call.id)
      const goal = await goals.getGoal(deps, scope, id)
      await goals.deleteGoal(deps, scope, goal.metadata.id)
      return ok({ id: idToUuid(goal.metadata.id), deleted: true })
    }
    case 'attach': {
      const d = parsePayload(hg.AttachData, { goalId: call.id, ...data })
      const { attachment } = await goals.attachGoal(
        deps,
        scope,
        hg.goalRef(d.goalId),
        hg.agentRef(d.agentId),
      )
      return ok(attachmentOf(attachment))
    }
    case 'detach': {
      const d = parsePayload(hg.DetachData, { goalId: call.id, ...data })
      const agent = hg.agentRef(d.agentId)
      const attachment = d.goalId
        ? (await goals.detachGoal(deps, scope, hg.goalRef(d.goalId), agent)).attachment
        : await goals.detachAgentGoal(deps, scope, agent)
      return ok(attachmentOf(attachment))
    }
    case 'generate':
      return ok(await goals.generateGoal(deps, scope, parsePayload(hg.GenerateData, data)))
    default:
      throw new InvalidAction(
        Code.INVALID_ARGUMENT,
        `unknown action ${JSON.stringify(call.action)}: use one of ${ACTIONS.join(', ')}`,
      )
  }
}

const attachmentOf = (a: goals.GoalAttachment) => ({
  goal_id: idToUuid(a.goalId),
  agent_id: idToUuid(a.agentId),
})

/** HelpGenie's error code for an AppError, and the HTTP status it answers with. */
function codeOf(err: AppError): { code: string; status: number } {
  if (err instanceof InvalidAction) return { code: 'INVALID_ACTION', status: 400 }
  switch (err.code) {
    case Code.UNAUTHENTICATED:
      return { code: 'UNAUTHORIZED', status: 401 }
    case Code.PERMISSION_DENIED:
      return { code: 'FORBIDDEN', status: 403 }
    case Code.NOT_FOUND:
      return goals.notFoundResourceType(err) === 'agent'
        ? { code: 'AGENT_NOT_FOUND', status: 404 }
        : { code: 'NOT_FOUND', status: 404 }
    case Code.RESOURCE_EXHAUSTED:
      // The body limit (413) is a bad request to HelpGenie clients, not a rate limit.
      return err.status === 413
        ? { code: 'VALIDATION_ERROR', status: 413 }
        : { code: 'RATE_LIMIT_EXCEEDED', status: 429 }
    case Code.INVALID_ARGUMENT:
    case Code.FAILED_PRECONDITION:
    case Code.OUT_OF_RANGE:
    case Code.ALREADY_EXISTS:
      return { code: 'VALIDATION_ERROR', status: 400 }
    default:
      return { code: 'INTERNAL_ERROR', status: err.status >= 500 ? err.status : 500 }
  }
}

/** The HelpGenie failure envelope; every failure under the prefix ends here. */
export function helpGenieError(raised: Error, c: Context<HttpEnv>): Response {
  const err = asInputError(raised)
  if (!(err instanceof AppError)) {
    c.get('deps').logger.error({ err, path: c.req.path }, 'unhandled error')
    const error = { code: 'INTERNAL_ERROR', message: 'internal error', status: 500 }
    return c.json({ success: false, error }, 500)
  }
  const { code, status } = codeOf(err)
  for (const [name, value] of Object.entries(retryAfterHeaders(err))) c.header(name, value)
  return c.json({ success: false, error: { code, message: err.message, status } }, status as 400)
}

export function helpGenieApp(): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>()
  // Authentication comes first: a caller without a key learns nothing about its payload.
  const invoke = async (c: Context<HttpEnv>, read: () => Promise<Invocation> | Invocation) => {
    const scope = await compatScope(c, { allowXApiKey: true })
    const call = await read()
    const reads = call.action === 'list' || call.action === 'get'
    requirePermission(scope, reads ? 'goals:read' : 'goals:write', `HelpGenie ${call.action}`)
    const outcome = await runAction(c.get('deps'), scope, call)
    return c.json({ success: true, data: outcome.data }, outcome.status)
  }
  const body = async (c: Context<HttpEnv>) => {
    const raw = await readJson(c)
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new AppError(Code.INVALID_ARGUMENT, 'body: must be a JSON object')
    }
    return raw as Record<string, unknown>
  }

  const action = (c: Context<HttpEnv>) =>
    invoke(c, async () => {
      const call = parsePayload(Invocation, await body(c))
      if (call.resource !== 'goals') {
        throw new AppError(Code.INVALID_ARGUMENT, 'resource: must be "goals"')
      }
      return call
    })

  app.post('/', action)
  app.on('GET', slashed('/goals'), (c) =>
    invoke(c, () => ({ action: 'list', data: { ...c.req.query() } })),
  )
  app.on('GET', slashed('/goals/:id'), (c) =>
    invoke(c, () => ({ action: 'get', id: c.req.param('id') })),
  )
  app.on('POST', slashed('/goals'), (c) =>
    invoke(c, async () => {
      const raw = await body(c)
      // A body naming an action is a custom action; anything else creates.
      if (raw.action !== undefined) return parsePayload(Invocation, raw)
      return { action: 'create', data: raw }
    }),
  )
  app.on(['PATCH', 'PUT'], slashed('/goals/:id'), (c) =>
    invoke(c, async () => ({ action: 'update', id: c.req.param('id'), data: await body(c) })),
  )
  app.on('DELETE', slashed('/goals/:id'), (c) =>
    invoke(c, () => ({ action: 'delete', id: c.req.param('id') })),
  )
  app.all('*', (c) => {
    // The action endpoint with a trailing slash (a mounted app's `/` matches only without one).
    if (c.req.method === 'POST' && c.req.path === `${HELPGENIE_PREFIX}/`) return action(c)
    const err = new AppError(Code.NOT_FOUND, `no route for ${c.req.method} ${c.req.path}`)
    return helpGenieError(err, c)
  })
  app.onError(helpGenieError)
  return app
}

const HgError = z
  .object({
    success: z.literal(false),
    error: z.object({ code: z.string(), message: z.string(), status: z.number().int() }),
  })
  .meta({ id: 'HelpGenieError' })
const HgSuccess = z
  .object({ success: z.literal(true), data: z.unknown() })
  .meta({ id: 'HelpGenieSuccess' })

/** The surface's routes in the OpenAPI document, with its own envelopes. */
export function registerHelpGenieOpenApi(registry: OpenAPIRegistry): void {
  registry.registerComponent('securitySchemes', 'helpGenieApiKey', {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
  })
  const responses = (status: 200 | 201 = 200) => ({
    [status]: { description: 'OK', content: { 'application/json': { schema: HgSuccess } } },
    default: {
      description: 'HelpGenie error envelope',
      content: { 'application/json': { schema: HgError } },
    },
  })
  const json = (schema: z.ZodType) => ({
    body: { content: { 'application/json': { schema } }, required: true },
  })
  const idParam = z.object({ id: z.string().meta({ description: 'goal UUID or id' }) })
  const common: Pick<RouteConfig, 'tags' | 'security'> = {
    tags: ['HelpGenie'],
    security: [{ bearerAuth: [] }, { helpGenieApiKey: [] }],
  }
  const goalsPath = `${HELPGENIE_PREFIX}/goals`
  registry.registerPath({
    ...common,
    method: 'post',
    path: `${HELPGENIE_PREFIX}/`,
    operationId: 'helpGenieAction',
    summary: `Runs one action: ${ACTIONS.join(', ')}`,
    request: json(Invocation),
    responses: responses(),
  })
  registry.registerPath({
    ...common,
    method: 'get',
    path: goalsPath,
    operationId: 'helpGenieListGoals',
    request: { query: hg.ListData },
    responses: responses(),
  })
  registry.registerPath({
    ...common,
    method: 'post',
    path: goalsPath,
    operationId: 'helpGenieCreateGoal',
    request: json(hg.GoalData),
    responses: responses(201),
  })
  registry.registerPath({
    ...common,
    method: 'get',
    path: `${goalsPath}/{id}`,
    operationId: 'helpGenieGetGoal',
    request: { params: idParam },
    responses: responses(),
  })
  for (const method of ['patch', 'put'] as const) {
    registry.registerPath({
      ...common,
      method,
      path: `${goalsPath}/{id}`,
      operationId: `helpGenieUpdateGoal_${method}`,
      request: { params: idParam, ...json(hg.UpdateData) },
      responses: responses(),
    })
  }
  registry.registerPath({
    ...common,
    method: 'delete',
    path: `${goalsPath}/{id}`,
    operationId: 'helpGenieDeleteGoal',
    request: { params: idParam },
    responses: responses(),
  })
}
