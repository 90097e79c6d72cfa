/** Delivery states as stored; the API prefixes them (`WEBHOOK_DELIVERY_STATUS_COMPLETED`). */
export const DELIVERY_STATUSES = ['PENDING', 'COMPLETED', 'FAILED', 'DISABLED'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
const camel = (snakeCase: string) =>
  snakeCase.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

/** `toolResult` -> `objective_event.tool_result` (docs/decisions.md decision 4). */
export const envelopeType = (eventType: string) => `objective_event.${snake(eventType)}`

/** `toolResult` -> `OBJECTIVE_EVENT_TYPE_TOOL_RESULT`. */
export const eventTypeEnum = (eventType: string) =>
  `OBJECTIVE_EVENT_TYPE_${snake(eventType).toUpperCase()}`

/** `OBJECTIVE_EVENT_TYPE_TOOL_RESULT` -> `toolResult`. */
export const eventTypeOfEnum = (value: string) =>
  camel(value.slice('OBJECTIVE_EVENT_TYPE_'.length).toLowerCase())

export interface RetryPolicy {
  maxAttempts: number
  backoffMs: number
}

/**
 * The wait before attempt `attempt + 1`: backoffMs, then four times longer each time (with the
 * defaults 15 s .. 17 h, eight attempts over about a day), jittered by ±20% so that receivers
 * coming back up are not hit by every delivery at the same instant.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const base = policy.backoffMs * 4 ** Math.max(0, attempt - 1)
  return Math.round(base * (0.8 + 0.4 * random()))
}
