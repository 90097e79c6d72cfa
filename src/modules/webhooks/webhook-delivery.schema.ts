import { z } from 'zod'
import { ListQuery, OperationMetadata, Timestamp, pageOf } from '../../lib/schemas.ts'
import { DELIVERY_STATUSES } from './webhook-delivery.ts'

export const WebhookDeliveryStatus = z.enum([
  'WEBHOOK_DELIVERY_STATUS_UNSPECIFIED',
  ...DELIVERY_STATUSES.map((s) => `WEBHOOK_DELIVERY_STATUS_${s}` as const),
])

export const ObjectiveEventType = z.enum([
  'OBJECTIVE_EVENT_TYPE_UNSPECIFIED',
  'OBJECTIVE_EVENT_TYPE_USER_MESSAGE',
  'OBJECTIVE_EVENT_TYPE_ASSISTANT_MESSAGE',
  'OBJECTIVE_EVENT_TYPE_TOOL_APPROVAL_REQUESTED',
  'OBJECTIVE_EVENT_TYPE_TOOL_APPROVED',
  'OBJECTIVE_EVENT_TYPE_TOOL_DENIED',
  'OBJECTIVE_EVENT_TYPE_TOOL_CALLED',
  'OBJECTIVE_EVENT_TYPE_TOOL_RESULT',
  'OBJECTIVE_EVENT_TYPE_TOOL_ERROR',
  'OBJECTIVE_EVENT_TYPE_ERROR',
  'OBJECTIVE_EVENT_TYPE_CANCELLED',
  'OBJECTIVE_EVENT_TYPE_FINALIZED',
  'OBJECTIVE_EVENT_TYPE_TIMED_OUT',
  'OBJECTIVE_EVENT_TYPE_SUB_OBJECTIVE_CREATED',
  'OBJECTIVE_EVENT_TYPE_SUB_AGENT_SPAWNED',
  'OBJECTIVE_EVENT_TYPE_SUB_AGENT_UPDATED',
  'OBJECTIVE_EVENT_TYPE_CONTEXT_WINDOW_COMPACTED',
  'OBJECTIVE_EVENT_TYPE_MEMORY_READ',
  'OBJECTIVE_EVENT_TYPE_NOTICE',
  'OBJECTIVE_EVENT_TYPE_REASONING',
])

export const WebhookDelivery = z
  .object({
    metadata: OperationMetadata,
    data: z.object({
      agentId: z.string(),
      objectiveId: z.string(),
      objectiveEventId: z.string(),
      /** The `webhook-id` header: the same on every attempt, for receivers to deduplicate. */
      webhookId: z.string(),
      webhookUrl: z.string(),
      status: WebhookDeliveryStatus,
      attemptCount: z.number().int(),
      lastAttemptAt: Timestamp.optional(),
      nextAttemptAt: Timestamp.optional(),
      httpStatusCode: z.number().int(),
      latencyMs: z.number().int(),
      responseContentLength: z.string(),
      responseHeaders: z.record(z.string(), z.string()),
      errorMessage: z.string(),
      eventType: z.string(),
    }),
  })
  .meta({ id: 'WebhookDelivery' })
export type WebhookDelivery = z.infer<typeof WebhookDelivery>

/**
 * The agent's webhook backlog, whatever the list's filters (an extension of the page, docs/api.md
 * section 8.3): how many deliveries are pending and how long the oldest one has been waiting.
 */
export const WebhookBacklog = z
  .object({
    pendingCount: z.number().int(),
    /** Absent when nothing is pending. */
    oldestPendingCreatedAt: Timestamp.optional(),
    /** Seconds since the oldest pending delivery was created (0 when nothing is pending). */
    oldestPendingAgeSeconds: z.number(),
  })
  .meta({ id: 'WebhookBacklog' })
export type WebhookBacklog = z.infer<typeof WebhookBacklog>

export const WebhookDeliveryPage = pageOf(WebhookDelivery)
  .extend({ backlog: WebhookBacklog })
  .meta({ id: 'WebhookDeliveryPage' })

export const ListDeliveriesQuery = ListQuery.extend({
  objectiveId: z.string().min(1).max(200).optional(),
  eventType: ObjectiveEventType.optional(),
  status: WebhookDeliveryStatus.optional(),
})
export type ListDeliveriesQuery = z.infer<typeof ListDeliveriesQuery>

export const AgentDeliveriesParams = z.object({ agentId: z.string().min(1) })
export const AgentDeliveryParams = z.object({ agentId: z.string().min(1), id: z.string().min(1) })
export const DeliveryParams = z.object({ id: z.string().min(1) })
