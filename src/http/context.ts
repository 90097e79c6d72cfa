import type { Deps } from '../modules/deps.ts'

/** Variables every request carries through Hono's context. */
export type HttpEnv = { Variables: { deps: Deps } }
