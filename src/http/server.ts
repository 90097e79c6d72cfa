import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi'
import { Hono, type Context } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { sql } from 'kysely'
import { z } from 'zod'
import { AppError, Code, retryAfterHeaders } from '../lib/errors.ts'
import { authenticate, scopeTo } from '../modules/accounts/index.ts'
import { receiveUpload, Upload } from '../modules/uploads/index.ts'
import type { Deps, Scope } from '../modules/deps.ts'
import { compatErrorResponse, mountCompatSurfaces } from './compat/index.ts'
import { mountConsole } from './console.ts'
import { mountMetrics } from './metrics.ts'
import { bearerToken, type HttpEnv } from './context.ts'
import type { ApiFamily } from '../lib/api-family.ts'
import type { RouteDef } from '../modules/route.ts'
import { COLON_VERBS, mountRoutes } from './router.ts'

export const MAX_BODY_BYTES = 1024 * 1024

const UPLOAD_CONTENT = /^\/v1\/uploads\/[^/]+\/content$/

/**
 * Colon verbs of the newest API (`objectives/{id}:cancel`, `events:stream`) are rewritten to the
 * slash form before routing. Only known verbs are rewritten: `external_id:x` stays an id.
 */
const COLON_VERB = new RegExp(`:(${COLON_VERBS.join('|')})$`)

export function rewriteColonVerb(path: string): string {
  return path.replace(COLON_VERB, '/$1')
}

function statusResponse(c: Context, err: AppError, extraHeaders: Record<string, string> = {}) {
  for (const [k, v] of Object.entries(extraHeaders)) c.header(k, v)
  return c.json(err.toStatus(), err.status as 400)
}

export interface HttpApp {
  app: Hono<HttpEnv>
  openapi: () => object
}

/** The HTTP surface: auth, both route families, errors as google.rpc.Status, OpenAPI. */
export function createHttpApp(
  deps: Deps,
  routes: RouteDef[],
  extra?: (app: Hono<HttpEnv>) => void,
  opts: { metricsToken?: string } = {},
): HttpApp {
  const app = new Hono<HttpEnv>({
    getPath: (req) => rewriteColonVerb(new URL(req.url).pathname),
  })
  const registry = new OpenAPIRegistry()
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' })

  app.use('*', async (c, next) => {
    c.set('deps', deps)
    await next()
  })
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new AppError(Code.RESOURCE_EXHAUSTED, 'request body exceeds 1 MiB', [], 413)
    },
  })
  // Upload bytes have their own cap (SORTIE_UPLOAD_MAX_BYTES), checked as they stream in.
  app.use('*', (c, next) => (UPLOAD_CONTENT.test(c.req.path) ? next() : limit(c, next)))

  // An upload URL (docs/api.md section 3.12): its signature is the credential, no API key.
  app.put('/v1/uploads/:id/content', async (c) => {
    const body = c.req.raw.body as AsyncIterable<Uint8Array> | null
    const upload = await receiveUpload(deps, c.req.param('id'), c.req.query('signature'), body)
    return c.json(upload)
  })

  app.get('/healthz', async (c) => {
    try {
      await sql`SELECT 1`.execute(deps.db)
      return c.json({ status: 'ok' })
    } catch {
      return c.json({ status: 'unavailable' }, 503)
    }
  })

  let document: object | undefined
  const openapi = () =>
    (document ??= new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: { title: 'Sortie API', version: '1.0.0' },
      servers: [{ url: '/' }],
    }))
  app.get('/openapi.json', (c) => c.json(openapi()))
  mountConsole(app)
  registry.registerPath({
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'Liveness with a database round trip; no API key needed',
    tags: ['Health'],
    responses: {
      200: {
        description: 'The server and its database answer',
        content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
      },
      503: {
        description: 'The database does not answer',
        content: {
          'application/json': { schema: z.object({ status: z.literal('unavailable') }) },
        },
      },
    },
  })
  mountMetrics(app, registry, deps, opts.metricsToken)
  registry.registerPath({
    method: 'put',
    path: '/v1/uploads/{id}/content',
    operationId: 'putUploadContent',
    summary: "An upload's bytes, PUT to its info.uploadUrl; the signature is the credential",
    tags: ['Uploads'],
    // No API key: the URL's signature is the credential.
    security: [],
    request: {
      params: z.object({ id: z.string() }),
      query: z.object({ signature: z.string() }),
      body: {
        content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } },
      },
    },
    responses: {
      200: { description: 'COMPLETE', content: { 'application/json': { schema: Upload } } },
      default: {
        description: 'google.rpc.Status',
        content: {
          'application/json': { schema: z.object({ code: z.number(), message: z.string() }) },
        },
      },
    },
  })
  registry.registerPath({
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document; no API key needed',
    tags: ['Health'],
    responses: {
      200: {
        description: 'OpenAPI 3.1',
        content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
      },
    },
  })

  const resolveScope = async (c: Context<HttpEnv>, family: ApiFamily): Promise<Scope> => {
    const actor = await authenticate(deps, bearerToken(c))
    if (family === 'implicit') return { ...actor, workspaceId: actor.homeWorkspaceId }
    return scopeTo(deps, actor, c.req.param('workspaceId') ?? '')
  }
  mountRoutes(app, registry, routes, resolveScope)
  extra?.(app)
  mountCompatSurfaces(app, registry)

  app.notFound((c) =>
    statusResponse(c, new AppError(Code.NOT_FOUND, `no route for ${c.req.method} ${c.req.path}`)),
  )
  app.onError((err, c) => {
    const compat = compatErrorResponse(err, c)
    if (compat) return compat
    if (err instanceof AppError) {
      if (err.status >= 500 || err.status === 409) c.header('x-should-retry', 'false')
      if (err.code === Code.UNAUTHENTICATED) c.header('www-authenticate', 'Bearer')
      deps.logger.debug({ code: err.code, path: c.req.path }, err.message)
      return statusResponse(c, err, retryAfterHeaders(err))
    }
    const input = inputRejectedByPostgres(err)
    if (input) return statusResponse(c, input)
    deps.logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error')
    return statusResponse(c, new AppError(Code.INTERNAL, 'internal error'), {
      'x-should-retry': 'false',
    })
  })
  return { app, openapi }
}

/**
 * Input Postgres refuses to store or compare (class 22 data exceptions: a NUL character, an
 * out-of-range number, a malformed value; 54000: a value too large to index) is the caller's
 * error, never a 500.
 */
function inputRejectedByPostgres(err: unknown): AppError | undefined {
  const e = err as { code?: unknown; message?: unknown }
  if (typeof e?.code !== 'string' || typeof e.message !== 'string') return undefined
  if (!e.code.startsWith('22') && e.code !== '54000') return undefined
  return new AppError(Code.INVALID_ARGUMENT, `invalid input: ${e.message}`)
}
