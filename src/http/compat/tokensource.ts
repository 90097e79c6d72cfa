/**
 * The TokenSource objectives surface (seed 000, docs/compat.md section 2) over the goals service: integer ids
 * are goal numbers, metrics are their current history rows, `aiAssistants` the attached agents.
 */
import { randomUUID } from 'node:crypto'
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { AppError, Code, retryAfterHeaders } from '../../lib/errors.ts'
import { requirePermission } from '../../modules/accounts/index.ts'
import type { Deps, Scope } from '../../modules/deps.ts'
import * as goals from '../../modules/goals/index.ts'
import type { HttpEnv } from '../context.ts'
import { asInputError, compatScope, parsePayload, readJson, slashed } from './request.ts'

export const TOKENSOURCE_PREFIX = '/tokensource/v1'

const STATUS_TO_GOAL = {
  on_track: 'GOAL_STATUS_ON_TRACK',
  needs_attention: 'GOAL_STATUS_NEEDS_ATTENTION',
  completed: 'GOAL_STATUS_COMPLETED',
} as const
type TsStatus = keyof typeof STATUS_TO_GOAL

/** Goal statuses TokenSource has no word for show as on_track. */
function tsStatus(status: goals.GoalStatus): TsStatus {
  const found = Object.entries(STATUS_TO_GOAL).find(([, s]) => s === status)
  return (found?.[0] as TsStatus | undefined) ?? 'on_track'
}

const Status = z.enum(['on_track', 'needs_attention', 'completed'], {
  error: 'must be one of on_track, needs_attention, completed',
})
const AssistantId = z.union([z.number().int().positive(), z.string().trim().min(1)])

const ObjectiveBody = z.object({
  name: z.string({ error: 'is required' }).trim().min(1, 'is required').max(200),
  externalId: z.string().optional(),
  description: goals.GoalSpecInput.shape.description,
  status: Status.optional(),
  metrics: goals.GoalMetrics.optional(),
  aiAssistantId: AssistantId.nullable().optional(),
})
const UpdateObjectiveBody = ObjectiveBody.partial()

/** A number (or digits) is the agent's number; anything else is an agent id or reference. */
function assistantRef(id: z.infer<typeof AssistantId>): goals.GoalRef {
  if (typeof id === 'number') return { number: id }
  return /^\d+$/.test(id) ? { number: Number(id) } : id
}

const objectiveNotFound = () => new AppError(Code.NOT_FOUND, 'Objective not found')

/** `{id}` is the integer id (goal number) or the externalId; goal ids are accepted too. */
async function findObjective(deps: Deps, scope: Scope, id: string): Promise<goals.Goal> {
  const refs: goals.GoalRef[] = /^\d+$/.test(id)
    ? [{ number: Number(id) }, `external_id:${id}`]
    : [id.startsWith('goal_') ? id : `external_id:${id}`]
  for (const ref of refs) {
    const goal = await goals.getGoal(deps, scope, ref).catch((err: unknown) => {
      if (err instanceof AppError && err.code === Code.NOT_FOUND) return undefined
      throw err
    })
    if (goal) return goal
  }
  throw objectiveNotFound()
}

/** Goals as TokenSource objectives (goals must carry their info). */
async function objectivesOf(deps: Deps, list: goals.Goal[]) {
  const ids = list.map((g) => g.metadata.id)
  const [metrics, users] = await Promise.all([
    goals.currentMetrics(deps.db, ids),
    goals.profileNumbers(
      deps.db,
      list.map((g) => g.metadata.profileId),
    ),
  ])
  return list.map((goal) => ({
    id: goal.metadata.number,
    externalId: goal.metadata.externalId,
    name: goal.metadata.name,
    description: goal.spec.description ?? '',
    status: tsStatus(goal.spec.status),
    userId: users.get(goal.metadata.profileId) ?? 0,
    createdAt: goal.metadata.createdAt,
    updatedAt: goal.metadata.updatedAt,
    metrics: (metrics.get(goal.metadata.id) ?? []).map((m) => ({
      id: Number(m.id),
      objectiveId: goal.metadata.number,
      value: JSON.stringify({ key: m.key, value: m.value }),
      createdAt: m.createdAt,
    })),
    aiAssistants: (goal.info?.agents ?? []).map((a) => ({ id: a.number, name: a.name })),
  }))
}

const objectiveOf = async (deps: Deps, goal: goals.Goal) => (await objectivesOf(deps, [goal]))[0]!

/**
 * The native spec fields a TokenSource body sets (absent keys stay absent). Metrics are rows:
 * each one sent becomes its key's newest row, and keys not sent keep their current value.
 */
function specOf(body: z.infer<typeof UpdateObjectiveBody>, current: goals.GoalMetric[] = []) {
  const metrics = body.metrics && [
    ...current.filter((m) => !body.metrics!.some((sent) => sent.key === m.key)),
    ...body.metrics,
  ]
  return {
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.status ? { status: STATUS_TO_GOAL[body.status] } : {}),
    ...(metrics ? { metrics } : {}),
  }
}

const attachOf = (id: z.infer<typeof AssistantId> | null | undefined) =>
  id === undefined || id === null ? {} : { attach: [assistantRef(id)] }

/** The TokenSource error body `{error}`; every failure under the prefix ends here. */
export function tokenSourceError(raised: Error, c: Context<HttpEnv>): Response {
  const err = asInputError(raised)
  if (!(err instanceof AppError)) {
    c.get('deps').logger.error({ err, path: c.req.path }, 'unhandled error')
    return c.json({ error: 'Internal server error' }, 500)
  }
  if (err.code === Code.NOT_FOUND) {
    const kind = goals.notFoundResourceType(err)
    if (kind === 'agent') return c.json({ error: 'AI assistant not found' }, 404)
    if (kind === 'goal') return c.json({ error: 'Objective not found' }, 404)
  }
  if (err.code === Code.UNAUTHENTICATED) c.header('www-authenticate', 'Bearer')
  for (const [name, value] of Object.entries(retryAfterHeaders(err))) c.header(name, value)
  return c.json({ error: err.message }, err.status as 400)
}

export function tokenSourceApp(): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>()
  const scoped = async (c: Context<HttpEnv>) => {
    const scope = await compatScope(c, { allowXApiKey: false })
    const verb = c.req.method === 'GET' ? 'read' : 'write'
    requirePermission(scope, `goals:${verb}`, `TokenSource ${c.req.method} ${c.req.path}`)
    return scope
  }

  app.on('POST', slashed('/objectives'), async (c) => {
    const scope = await scoped(c)
    const body = parsePayload(ObjectiveBody, await readJson(c))
    const deps = c.get('deps')
    const goal = await goals.createGoal(
      deps,
      scope,
      {
        metadata: { name: body.name, externalId: body.externalId ?? randomUUID() },
        spec: specOf(body),
      },
      attachOf(body.aiAssistantId),
    )
    return c.json({ message: 'Objective created', objective: await objectiveOf(deps, goal) }, 201)
  })

  app.on('GET', slashed('/objectives'), async (c) => {
    const scope = await scoped(c)
    const deps = c.get('deps')
    // TokenSource lists every objective at once.
    return c.json(await objectivesOf(deps, await goals.listAllGoals(deps, scope)))
  })

  app.on('GET', slashed('/objectives/:id'), async (c) => {
    const scope = await scoped(c)
    const deps = c.get('deps')
    return c.json(
      await objectiveOf(deps, await findObjective(deps, scope, c.req.param('id') ?? '')),
    )
  })

  app.on(['PUT', 'PATCH'], slashed('/objectives/:id'), async (c) => {
    const scope = await scoped(c)
    const body = parsePayload(UpdateObjectiveBody, await readJson(c))
    const deps = c.get('deps')
    const current = await findObjective(deps, scope, c.req.param('id') ?? '')
    const metadata = {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.externalId !== undefined ? { externalId: body.externalId } : {}),
    }
    const goal = await goals.updateGoal(
      deps,
      scope,
      current.metadata.id,
      { metadata, spec: specOf(body, current.spec.metrics) },
      attachOf(body.aiAssistantId),
    )
    return c.json({ message: 'Objective updated', objective: await objectiveOf(deps, goal) })
  })

  app.on('DELETE', slashed('/objectives/:id'), async (c) => {
    const scope = await scoped(c)
    const deps = c.get('deps')
    const current = await findObjective(deps, scope, c.req.param('id') ?? '')
    await goals.deleteGoal(deps, scope, current.metadata.id)
    return c.json({ message: 'Objective deleted' })
  })

  app.all('*', (c) => c.json({ error: `Not found: ${c.req.method} ${c.req.path}` }, 404))
  app.onError(tokenSourceError)
  return app
}

const TsObjective = z
  .object({
    id: z.number().int(),
    externalId: z.string(),
    name: z.string(),
    description: z.string(),
    status: Status,
    userId: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    metrics: z.array(
      z.object({
        id: z.number().int(),
        objectiveId: z.number().int(),
        value: z.string().meta({ description: 'JSON text {key, value}' }),
        createdAt: z.string(),
      }),
    ),
    aiAssistants: z.array(z.object({ id: z.number().int(), name: z.string() })),
  })
  .meta({ id: 'TokenSourceObjective' })
const TsMessage = z.object({ message: z.string() })
const TsError = z.object({ error: z.string() }).meta({ id: 'TokenSourceError' })

/** The surface's routes in the OpenAPI document, with its own shapes and error envelope. */
export function registerTokenSourceOpenApi(registry: OpenAPIRegistry): void {
  const idParam = z.object({ id: z.string().meta({ description: 'integer id or externalId' }) })
  const ok = (schema: z.ZodType, status = 200) => ({
    [status]: { description: 'OK', content: { 'application/json': { schema } } },
    default: {
      description: 'TokenSource error envelope',
      content: { 'application/json': { schema: TsError } },
    },
  })
  const json = (schema: z.ZodType) => ({
    body: { content: { 'application/json': { schema } }, required: true },
  })
  const base = `${TOKENSOURCE_PREFIX}/objectives`
  const common: Pick<RouteConfig, 'tags' | 'security'> = {
    tags: ['TokenSource'],
    security: [{ bearerAuth: [] }],
  }
  registry.registerPath({
    ...common,
    method: 'post',
    path: base,
    operationId: 'tokenSourceCreateObjective',
    request: json(ObjectiveBody),
    responses: ok(TsMessage.extend({ objective: TsObjective }), 201),
  })
  registry.registerPath({
    ...common,
    method: 'get',
    path: base,
    operationId: 'tokenSourceListObjectives',
    responses: ok(z.array(TsObjective)),
  })
  registry.registerPath({
    ...common,
    method: 'get',
    path: `${base}/{id}`,
    operationId: 'tokenSourceGetObjective',
    request: { params: idParam },
    responses: ok(TsObjective),
  })
  for (const method of ['put', 'patch'] as const) {
    registry.registerPath({
      ...common,
      method,
      path: `${base}/{id}`,
      operationId: `tokenSourceUpdateObjective_${method}`,
      request: { params: idParam, ...json(UpdateObjectiveBody) },
      responses: ok(TsMessage.extend({ objective: TsObjective })),
    })
  }
  registry.registerPath({
    ...common,
    method: 'delete',
    path: `${base}/{id}`,
    operationId: 'tokenSourceDeleteObjective',
    request: { params: idParam },
    responses: ok(TsMessage),
  })
}
