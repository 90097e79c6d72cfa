/**
 * Prometheus metrics (docs/api.md section 11): the text of GET /metrics, served by
 * src/http/server.ts outside /v1 with its own credential.
 */
export { renderMetrics, METRICS_CONTENT_TYPE } from './metrics.service.ts'
