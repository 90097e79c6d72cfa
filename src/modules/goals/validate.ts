import type { z } from 'zod'
import { invalidArgument } from '../../lib/errors.ts'
import { fieldViolations } from '../../lib/validation.ts'

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
  const violations = fieldViolations(result.error, prefix)
  const first = violations[0]!
  throw invalidArgument(`${first.field}: ${first.description}`, violations)
}
