import type { z } from 'zod'
import type { FieldViolation } from './errors.ts'

/**
 * The one reading of zod issues as google.rpc.BadRequest field violations, for routes, compat
 * surfaces and services alike: the field is the issue's path under `prefix` (or `fallback` when
 * the whole value is wrong), and an absent required field reads "is required" everywhere (zod
 * words it as a type error, "expected string, received undefined").
 */
export function fieldViolations(
  error: z.ZodError,
  prefix = '',
  fallback = 'body',
): FieldViolation[] {
  return error.issues.map((issue) => {
    const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || fallback
    const missing = issue.code === 'invalid_type' && issue.message.endsWith('received undefined')
    return { field, description: missing ? 'is required' : issue.message }
  })
}
