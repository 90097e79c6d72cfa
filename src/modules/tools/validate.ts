import type { z } from 'zod'
import { invalidArgument } from '../../lib/errors.ts'
import { fieldViolations } from '../../lib/validation.ts'

/**
 * Validates a whole spec after an update was applied to it: an update may replace one nested
 * field, and the result must still satisfy every rule a create does.
 */
export function parseSpec<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const violations = fieldViolations(result.error, 'spec')
  const first = violations[0]!
  throw invalidArgument(`invalid body: ${first.field}: ${first.description}`, violations)
}

/** `%` and `_` in user text match literally in LIKE patterns. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}
