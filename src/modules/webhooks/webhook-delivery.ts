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
