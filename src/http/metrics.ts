import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { AppError, Code, permissionDenied, unauthenticated } from '../lib/errors.ts'
import type { Deps } from '../modules/deps.ts'
import { METRICS_CONTENT_TYPE, renderMetrics } from '../modules/metrics/index.ts'
import { bearerToken, type HttpEnv } from './context.ts'

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
const LOOPBACK = /^(?:::ffff:)?127(?:\.\d{1,3}){3}$|^::1$/

/** The peer's address on a real socket (@hono/node-server); undefined in-process. */
function remoteAddress(c: Context<HttpEnv>): string | undefined {
  const env = c.env as { incoming?: IncomingMessage } | undefined
  return env?.incoming?.socket?.remoteAddress
}

function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Who may read GET /metrics: with SORTIE_METRICS_TOKEN, whoever sends it as a bearer token (no
 * API key is accepted: a scraper needs no account); without one, only a loopback peer whose
 * request no proxy forwarded (a reverse proxy on the same host would make every client look
 * local). Throws the refusal.
 */
function checkAccess(c: Context<HttpEnv>, token: string | undefined, bearer?: string): void {
  if (token) {
    if (!sameToken(bearer, token)) throw unauthenticated('missing or invalid metrics token')
    return
  }
  const peer = remoteAddress(c)
  const proxied = c.req.header('forwarded') ?? c.req.header('x-forwarded-for')
  if (!peer || !LOOPBACK.test(peer) || proxied !== undefined) {
    throw permissionDenied(
      'GET /metrics answers loopback clients only; set SORTIE_METRICS_TOKEN to scrape it from elsewhere',
    )
  }
}

/**
 * What `sortie worker` serves on SORTIE_METRICS_PORT: GET /metrics alone, so a worker process's
 * own counters can be scraped without it serving the API (docs/decisions.md decision 18).
 */
export function createMetricsApp(deps: Deps, token: string | undefined): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>()
  app.get('/metrics', (c) => metricsResponse(c, deps, token, bearerToken(c)))
  app.notFound((c) => {
    const err = new AppError(Code.NOT_FOUND, `no route for ${c.req.method} ${c.req.path}`)
    return c.json(err.toStatus(), 404)
  })
  app.onError((err, c) => {
    if (err instanceof AppError) return c.json(err.toStatus(), err.status as 401)
    deps.logger.error({ err }, 'metrics scrape failed')
    return c.json(new AppError(Code.INTERNAL, 'internal error').toStatus(), 500)
  })
  return app
}

async function metricsResponse(
  c: Context<HttpEnv>,
  deps: Deps,
  token: string | undefined,
  bearer: string | undefined,
): Promise<Response> {
  checkAccess(c, token, bearer)
  const text = await renderMetrics(deps)
  return c.body(text, 200, { 'content-type': METRICS_CONTENT_TYPE })
}

/** GET /metrics in the Prometheus text format, and its entry in /openapi.json. */
export function mountMetrics(
  app: Hono<HttpEnv>,
  registry: OpenAPIRegistry,
  deps: Deps,
  token: string | undefined,
): void {
  app.get('/metrics', (c) => metricsResponse(c, deps, token, bearerToken(c)))
  const status = {
    description: 'google.rpc.Status',
    content: {
      'application/json': { schema: z.object({ code: z.number(), message: z.string() }) },
    },
  }
  registry.registerComponent('securitySchemes', 'metricsToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'SORTIE_METRICS_TOKEN; without it the route answers loopback clients only',
  })
  registry.registerPath({
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary:
      'Prometheus metrics; bearer SORTIE_METRICS_TOKEN, or loopback clients only when none is set',
    tags: ['Health'],
    security: [{ metricsToken: [] }, {}],
    responses: {
      200: {
        description: 'The Prometheus text exposition format',
        content: { 'text/plain': { schema: z.string() } },
      },
      401: status,
      403: status,
    },
  })
}
