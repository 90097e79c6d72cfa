import type { Context, Hono } from 'hono'
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi'
import { z } from 'zod'
import { normalizeKeys, snakeToCamel } from '../lib/case.ts'
import { AppError, BAD_REQUEST_TYPE, Code, invalidArgument } from '../lib/errors.ts'
import { fieldViolations } from '../lib/validation.ts'
import type { ApiFamily } from '../lib/api-family.ts'
import { permissionFor, requireAccountAdmin, requirePermission } from '../modules/accounts/index.ts'
import type { Scope } from '../modules/deps.ts'
import type { Method, RouteDef } from '../modules/route.ts'
import type { HttpEnv } from './context.ts'

function parseWith<T extends z.ZodType>(schema: T, value: unknown, location: string): z.infer<T> {
  const result = schema.safeParse(normalizeKeys(schema, value, { nullIsUnset: true }))
  if (result.success) return result.data
  const violations = fieldViolations(result.error, '', location)
  const first = violations[0]
  const message = first
    ? `invalid ${location}: ${first.field}: ${first.description}`
    : `invalid ${location}`
  throw new AppError(Code.INVALID_ARGUMENT, message, [
    { '@type': BAD_REQUEST_TYPE, fieldViolations: violations },
  ])
}

type SchemaDef = {
  type: string
  shape?: Record<string, z.ZodType>
  innerType?: z.ZodType
  in?: z.ZodType
}

/** The object shape a schema accepts, looking through optional/default/pipe wrappers. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const def = (schema as unknown as { _zod: { def: SchemaDef } })._zod.def
  if (def.type === 'object') return def.shape
  if (def.innerType) return objectShape(def.innerType)
  if (def.type === 'pipe' && def.in) return objectShape(def.in)
  return undefined
}

/**
 * Every `updateMask` path must name a field of the request body, as AIP-161 requires; a path
 * into a free-form map (labels, JSON Schemas) is checked only as far as the map.
 */
function checkUpdateMask(schema: z.ZodType, body: unknown): void {
  const mask = (body as { updateMask?: unknown } | undefined)?.updateMask
  if (typeof mask !== 'string' || !mask.trim()) return
  for (const raw of mask.split(',')) {
    const path = raw.trim()
    let current: z.ZodType | undefined = schema
    for (const segment of path.split('.')) {
      const shape: Record<string, z.ZodType> | undefined = current && objectShape(current)
      if (!shape) break
      current = shape[segment] ?? shape[snakeToCamel(segment)]
      if (!current || segment === 'updateMask') {
        const description = `unknown field path ${JSON.stringify(path)}`
        throw invalidArgument(`updateMask: ${description}`, [{ field: 'updateMask', description }])
      }
    }
  }
}

async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text()
  if (!text.trim()) return {}
  try {
    return JSON.parse(text)
  } catch (err) {
    throw invalidArgument(`request body is not valid JSON: ${(err as Error).message}`, [
      { field: 'body', description: 'is not valid JSON' },
    ])
  }
}

const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1')

/**
 * The newest API's custom methods (AIP-136): `.../{id}:verb` reaches the route `.../{id}/verb`
 * (server.ts rewrites the path before routing), and the OpenAPI document lists both forms.
 */
export const COLON_VERBS = [
  'cancel',
  'continue',
  'compact',
  'approve',
  'deny',
  'stream',
  'redeliver',
  'generate',
  'rotate',
  'attach',
  'detach',
  'setStatus',
  'enable',
  'disable',
  'sync',
  'pause',
  'resume',
  'archive',
  'rotateChallengeToken',
] as const

/** `/a/{id}/verb` -> `/a/{id}:verb` for a colon verb, else undefined. */
export function colonForm(path: string): string | undefined {
  const slash = path.lastIndexOf('/')
  const verb = path.slice(slash + 1)
  return (COLON_VERBS as readonly string[]).includes(verb)
    ? `${path.slice(0, slash)}:${verb}`
    : undefined
}

export const WORKSPACE_PREFIX = '/v1/workspaces/{workspaceId}'

export function familyPaths(def: RouteDef): { family: ApiFamily; path: string }[] {
  if (def.scope === 'account') return [{ family: 'implicit', path: `/v1${def.path}` }]
  return [
    { family: 'implicit', path: `/v1${def.path}` },
    { family: 'workspace', path: `${WORKSPACE_PREFIX}${def.path}` },
  ]
}

/** Registers every route on the app (both families) and in the OpenAPI registry. */
export function mountRoutes(
  app: Hono<HttpEnv>,
  registry: OpenAPIRegistry,
  defs: RouteDef[],
  resolveScope: (c: Context<HttpEnv>, family: ApiFamily) => Promise<Scope>,
): void {
  for (const def of defs) {
    for (const { family, path } of familyPaths(def)) {
      const handler = async (c: Context<HttpEnv>) => {
        const scope = await resolveScope(c, family)
        if (def.scope === 'workspace') {
          const needed = def.permission ?? permissionFor(c.req.method, def.path)
          for (const p of [needed].flat()) requirePermission(scope, p, def.operationId)
        } else if (def.access !== 'anyKey') {
          requireAccountAdmin(scope, def.operationId)
        }
        const params = def.params ? parseWith(def.params, pathParams(c), 'path') : {}
        const query = def.query ? parseWith(def.query, c.req.query(), 'query') : {}
        const body = def.body ? parseWith(def.body, await readJsonBody(c), 'body') : {}
        if (def.body) checkUpdateMask(def.body, body)
        const result = await def.handler({
          params,
          query,
          body,
          deps: c.get('deps'),
          scope,
          family,
          header: (name) => c.req.header(name),
        })
        if (def.raw) return result as Response
        return c.json(result ?? {}, def.status ?? 200)
      }
      for (const method of [def.method, ...(def.alsoMethods ?? [])]) {
        app.on(method.toUpperCase(), honoPath(path), handler)
      }
      registerOpenApi(registry, def, family, path)
    }
  }
}

function pathParams(c: Context): Record<string, string> {
  const { workspaceId: _ws, ...rest } = c.req.param() as Record<string, string>
  // Hono has already percent-decoded path parameters.
  return rest
}

const StatusSchema = z
  .object({ code: z.number().int(), message: z.string(), details: z.array(z.any()) })
  .meta({ id: 'Status' })

function registerOpenApi(
  registry: OpenAPIRegistry,
  def: RouteDef,
  family: ApiFamily,
  path: string,
): void {
  const workspaceParam = z.object({ workspaceId: z.string() })
  const params =
    family === 'workspace'
      ? def.params
        ? (def.params as unknown as z.ZodObject).extend(workspaceParam.shape)
        : workspaceParam
      : def.params
  const methods = [def.method, ...(def.alsoMethods ?? [])]
  const colon = colonForm(path)
  const forms: [string, Method, string][] = methods.map((m) => [path, m, ''])
  // The colon form is served for every method, but the newest clients call it as POST (GET for
  // `events:stream`); those are the ones documented.
  if (colon) {
    for (const m of methods.filter((m) => m === 'post' || m === 'get')) {
      forms.push([colon, m, '_colon'])
    }
  }
  for (const [documented, method, suffix] of forms) {
    const content = def.raw
      ? { 'text/event-stream': { schema: z.string() } }
      : { 'application/json': { schema: def.response ?? z.object({}) } }
    registry.registerPath({
      method,
      path: documented,
      operationId: `${def.operationId}${family === 'workspace' ? 'InWorkspace' : ''}${method === def.method ? '' : `_${method}`}${suffix}`,
      summary: def.summary,
      tags: def.tags,
      security: [{ bearerAuth: [] }],
      request: {
        params: params as z.ZodObject | undefined,
        query: def.query as z.ZodObject | undefined,
        body: def.body
          ? { content: { 'application/json': { schema: def.body } }, required: false }
          : undefined,
      },
      responses: {
        [def.status ?? 200]: { description: 'OK', content },
        default: {
          description: 'google.rpc.Status',
          content: { 'application/json': { schema: StatusSchema } },
        },
      },
    })
  }
}
