import type { Context } from 'hono'
import type { z } from 'zod'
import { normalizeKeys } from '../../lib/case.ts'
import { invalidArgument, unauthenticated } from '../../lib/errors.ts'
import { authenticate } from '../../modules/accounts/index.ts'
import type { Scope } from '../../modules/deps.ts'
import type { HttpEnv } from '../context.ts'
import { fieldViolations } from '../../lib/validation.ts'

/** The API key of a compat request: `Authorization: Bearer <key>`, or `X-API-Key` where allowed. */
function apiKey(c: Context, allowXApiKey: boolean): string | undefined {
  const bearer = c.req.header('authorization')?.match(/^Bearer\s+(\S.*?)\s*$/i)?.[1]
  if (bearer) return bearer
  return allowXApiKey ? c.req.header('x-api-key')?.trim() || undefined : undefined
}

/** Compat surfaces act in the key's home workspace, like the implicit route family. */
export async function compatScope(
  c: Context<HttpEnv>,
  opts: { allowXApiKey: boolean },
): Promise<Scope> {
  const token = apiKey(c, opts.allowXApiKey)
  if (!token) {
    throw unauthenticated(
      opts.allowXApiKey
        ? 'missing API key: send "Authorization: Bearer <key>" or "X-API-Key: <key>"'
        : 'missing API key: send "Authorization: Bearer <key>"',
    )
  }
  const actor = await authenticate(c.get('deps'), token)
  return { ...actor, workspaceId: actor.homeWorkspaceId }
}

/** The JSON body (an empty body is `{}`); malformed JSON is InvalidArgument. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text()
  if (!text.trim()) return {}
  try {
    return JSON.parse(text)
  } catch {
    throw invalidArgument('request body is not valid JSON', [
      { field: 'body', description: 'is not valid JSON' },
    ])
  }
}

/** Parses a compat payload (snake_case keys accepted); the first bad field names the error. */
export function parsePayload<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(normalizeKeys(schema, value))
  if (result.success) return result.data
  const violations = fieldViolations(result.error)
  const first = violations[0]!
  throw invalidArgument(`${first.field}: ${first.description}`, violations)
}

/** A route path with and without a trailing slash: clients differ in how they join base URLs. */
export const slashed = (path: string): string[] => [path, `${path}/`]

/** Postgres codes for text it cannot store: a NUL character in text (22021) or in JSON (22P05). */
const UNSTORABLE_TEXT = new Set(['22021', '22P05'])

/**
 * Text Postgres refuses outright is the client's bad input, not a server fault: it becomes
 * InvalidArgument; any other error is returned unchanged.
 */
export function asInputError(err: Error): Error {
  const code = (err as { code?: unknown }).code
  if (typeof code !== 'string' || !UNSTORABLE_TEXT.has(code)) return err
  return invalidArgument('text must not contain NUL (\\u0000) characters')
}
