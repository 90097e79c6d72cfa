import type { Executor } from '../../db/database.ts'
import type { WebhookConfig } from '../../config.ts'
import { postWebhook, type SendOptions, type SendResult } from './sender.ts'
import { signWebhook } from './signing.ts'
import { webhookAttempts } from '../../lib/metrics.ts'
import { isSuccess, outcomeOf } from './retry-policy.ts'
import {
  disableTarget,
  recordAttempt,
  type AttemptRecord,
  type DeliveryRow,
} from './webhook-deliveries.repository.ts'

export interface AttemptContext {
  db: Executor
  config: WebhookConfig
  agents: SendOptions['agents']
  /** Who holds the delivery's lease. */
  owner: string
}

export interface AttemptInput {
  delivery: DeliveryRow
  url: string
  /** The envelope; undefined when its event no longer exists. */
  body: string | undefined
  secret: string
  /** Retried on the schedule when it fails (retry-policy.ts), or a one-off attempt. */
  retry: boolean
}

/** Signs, sends and records one attempt of a leased delivery; resolves with the updated row. */
export async function attemptDelivery(
  ctx: AttemptContext,
  input: AttemptInput,
): Promise<DeliveryRow | undefined> {
  const { delivery, url, body } = input
  const result: SendResult =
    body === undefined
      ? { kind: 'refused', status: 0, headers: {}, contentLength: 0, latencyMs: 0, error: '' }
      : await postWebhook(
          url,
          body,
          signWebhook(input.secret, delivery.id, Math.floor(Date.now() / 1000), body),
          {
            timeoutMs: ctx.config.timeoutMs,
            allowPrivateTargets: ctx.config.allowPrivateTargets,
            agents: ctx.agents,
          },
        )
  const next = outcomeOf(result, delivery.attempt_count, input.retry, ctx.config)
  webhookAttempts.inc({ status: next.status })
  let error = result.error
  if (body === undefined) error = 'the event no longer exists'
  else if (result.kind === 'response' && !isSuccess(result)) {
    error = result.status === 410 ? 'HTTP 410 Gone: webhook disabled' : `HTTP ${result.status}`
  }
  const record: AttemptRecord = {
    ...next,
    url,
    httpStatusCode: result.status,
    latencyMs: result.latencyMs,
    responseContentLength: result.contentLength,
    responseHeaders: result.headers,
    errorMessage: error,
  }
  if (next.status !== 'DISABLED') return recordAttempt(ctx.db, delivery.id, ctx.owner, record)
  return ctx.db.transaction().execute(async (trx) => {
    const row = await recordAttempt(trx, delivery.id, ctx.owner, record)
    if (row) await disableTarget(trx, delivery.agent_id, url, 'HTTP 410 Gone')
    return row
  })
}
