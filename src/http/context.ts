import type { Context } from 'hono'
import type { Deps } from '../modules/deps.ts'

/** Variables every request carries through Hono's context. */
export type HttpEnv = { Variables: { deps: Deps } }

/** The bearer token of a request (an API key, or the metrics token on GET /metrics). */
export function bearerToken(c: Context): string | undefined {
  const header = c.req.header('authorization')
  // The whole value after "Bearer ": test deployments use tokens like the clients' "My API Key".
  const match = header?.match(/^Bearer\s+(\S.*?)\s*$/i)
  return match?.[1]
}
