/**
 * Webhooks (docs/api.md section 8): every event of an agent with `webhookEventsUrl` becomes a delivery
 * in the same transaction (migration 004's trigger); the dispatcher of any worker process signs
 * (Standard Webhooks) and sends it, in order per objective, retrying on the schedule of
 * retry-policy.ts. webhookBacklog() is the per-agent backlog for metrics.
 */
export { webhookRoutes } from './webhook-deliveries.routes.ts'
export { WebhookDispatcher, WEBHOOKS_CHANNEL, type DispatcherOptions } from './dispatcher.ts'
export { signWebhook } from './signing.ts'
export { retryWindowMs } from './retry-policy.ts'
export { webhookBacklog } from './webhook-delivery.service.ts'
export { isPrivateAddress } from './target-safety.ts'
