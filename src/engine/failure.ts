import { AppError } from '../lib/errors.ts'
import type { Logger } from '../lib/logger.ts'
import { ProviderError } from '../providers/index.ts'

/**
 * What an objective's `error` event says when a run fails: a provider failure, a precondition
 * (AppError) or, for anything unexpected, an internal error. Logs it at the matching level.
 */
export function failureOf(
  err: unknown,
  objectiveId: string,
  log: Logger,
): { type: string; message: string } {
  if (err instanceof ProviderError) {
    log.warn({ objectiveId, provider: err.provider, status: err.status }, err.message)
    return { type: 'provider_error', message: err.message }
  }
  if (err instanceof AppError) {
    log.warn({ objectiveId }, err.message)
    return { type: 'precondition', message: err.message }
  }
  log.error({ err, objectiveId }, 'objective step failed')
  return { type: 'internal', message: `internal error: ${(err as Error)?.message ?? String(err)}` }
}
