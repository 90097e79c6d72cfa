/**
 * Live event streams (SSE, docs/decisions.md decision 10): one objective's events with resume by event id,
 * and a workspace-wide stream for dashboards. Each process keeps one EventHub fed by NOTIFY.
 */
export { streamRoutes } from './streams.routes.ts'
export {
  EventHub,
  EVENTS_CHANNEL,
  LIVE_READ_CONNECTIONS,
  type EventHubOptions,
} from './event-hub.ts'
export { streamEnds } from './frames.ts'
