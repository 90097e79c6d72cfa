import type { z } from 'zod'
import { invalidArgument } from '../../lib/errors.ts'

/**
 * Parses a value the service receives (from a native route or a compatible surface) with its
 * schema; every bad field becomes a field violation under `prefix`.
 */
export function parseOrThrow<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix = '',
): z.infer<T> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const violations = result.error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || 'body',
    description: issue.message,
  }))
  const first = violations[0]!
  throw invalidArgument(`${first.field}: ${first.description}`, violations)
}
