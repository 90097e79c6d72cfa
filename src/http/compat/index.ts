/**
 * Compatible surfaces (docs/compat.md sections 2 and 3): other products' APIs over Sortie's services, each
 * under its own prefix and answering errors in its own envelope, never as google.rpc.Status.
 */
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi'
import type { Context, Hono } from 'hono'
import type { HttpEnv } from '../context.ts'
import {
  HELPGENIE_PREFIX,
  helpGenieApp,
  helpGenieError,
  registerHelpGenieOpenApi,
} from './helpgenie.ts'
import {
  TOKENSOURCE_PREFIX,
  registerTokenSourceOpenApi,
  tokenSourceApp,
  tokenSourceError,
} from './tokensource.ts'

const SURFACES = [
  {
    prefix: TOKENSOURCE_PREFIX,
    app: tokenSourceApp,
    onError: tokenSourceError,
    openapi: registerTokenSourceOpenApi,
  },
  {
    prefix: HELPGENIE_PREFIX,
    app: helpGenieApp,
    onError: helpGenieError,
    openapi: registerHelpGenieOpenApi,
  },
]

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`)

/** Mounts every surface and documents it; call before the app's notFound/onError handlers. */
export function mountCompatSurfaces(app: Hono<HttpEnv>, registry: OpenAPIRegistry): void {
  for (const surface of SURFACES) {
    app.route(surface.prefix, surface.app())
    surface.openapi(registry)
  }
}

/**
 * The surface's own error response for a failure raised before its routes ran (the body limit
 * middleware), or undefined outside every surface.
 */
export function compatErrorResponse(err: Error, c: Context<HttpEnv>): Response | undefined {
  return SURFACES.find((s) => under(c.req.path, s.prefix))?.onError(err, c)
}
