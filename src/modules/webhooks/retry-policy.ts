/**
 * When a webhook delivery is tried again, and when it is given up (docs/api.md section 8.3).
 *
 * Standard Webhooks practice: the first attempt at once, then a fixed schedule from seconds to
 * hours (by default 5 s, 30 s, 2 min, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: 10 attempts over
 * 27 h 37 min 35 s), each wait jittered by ±10 % so that a receiver coming back up is not hit by
 * every delivery at the same instant. The schedule caps each wait at 10 h. It is denser early on
 * than Standard Webhooks' own example (5 s, 5 min, 30 min, ...) because deliveries keep order per
 * objective: while one waits, the later events of its objective wait too, so a flaky receiver
 * (one that fails half the requests) should cost seconds, not half hours: an event waits 5 min or
 * more only after four failures in a row (1 in 16 there), where the example's schedule makes it
 * wait 5 min after two (1 in 4). The later, long waits ride out a receiver that is down. A
 * delivery holds its objective back for at most the retry window, and a manual redeliver that
 * succeeds lets the later ones flow at once (webhook-delivery.service.ts redeliver).
 */
import type { WebhookConfig } from '../../config.ts'
import type { SendResult } from './sender.ts'

export type RetryPolicy = Pick<WebhookConfig, 'maxAttempts' | 'retryScheduleMs'>

/** How far each wait may stray from the schedule, either way. */
export const JITTER = 0.1

/** The scheduled wait (no jitter) before attempt `attempt + 1`; the last entry repeats. */
export function scheduledDelayMs(attempt: number, policy: RetryPolicy): number {
  const schedule = policy.retryScheduleMs
  return schedule[Math.min(Math.max(1, attempt), schedule.length) - 1] ?? 0
}

/** The wait before attempt `attempt + 1` (attempt >= 1 attempts made so far), jittered. */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  return Math.round(scheduledDelayMs(attempt, policy) * (1 - JITTER + 2 * JITTER * random()))
}

/**
 * From a delivery's creation to its last attempt, without jitter: the longest a delivery (and
 * so the later deliveries of its objective) waits before it is COMPLETED or FAILED, plus up to
 * ±10 % and the attempts' own time.
 */
export function retryWindowMs(policy: RetryPolicy): number {
  let total = 0
  for (let attempt = 1; attempt < policy.maxAttempts; attempt++) {
    total += scheduledDelayMs(attempt, policy)
  }
  return total
}

export type AttemptOutcome = { status: 'COMPLETED' | 'FAILED' | 'DISABLED' } | PendingOutcome
interface PendingOutcome {
  status: 'PENDING'
  retryInMs: number
}

export const isSuccess = (r: SendResult) =>
  r.kind === 'response' && r.status >= 200 && r.status < 300

/**
 * What an attempt leaves the delivery as. 2xx completes it, 410 Gone disables the agent's webhook
 * and a refused target fails at once. Anything else (other statuses, timeouts, connection errors)
 * is retried on the schedule until `maxAttempts`, unless the attempt was a one-off (`retry`
 * false: a manual redelivery of a finished delivery).
 */
export function outcomeOf(
  r: SendResult,
  attemptsBefore: number,
  retry: boolean,
  policy: RetryPolicy,
): AttemptOutcome {
  if (isSuccess(r)) return { status: 'COMPLETED' }
  if (r.kind === 'response' && r.status === 410) return { status: 'DISABLED' }
  if (r.kind === 'refused' || !retry) return { status: 'FAILED' }
  const attempts = attemptsBefore + 1
  if (attempts >= policy.maxAttempts) return { status: 'FAILED' }
  return { status: 'PENDING', retryInMs: retryDelayMs(attempts, policy) }
}
