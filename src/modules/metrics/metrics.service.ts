import { Gauge, Registry } from 'prom-client'
import { processMetrics } from '../../lib/metrics.ts'
import type { Deps } from '../deps.ts'
import { webhookBacklog } from '../webhooks/index.ts'
import { objectivesByState, queueFigures } from './metrics.repository.ts'

/** States every scrape reports, 0 included, so a dashboard's series never vanish. */
const ACTIVE_STATES = ['PENDING', 'RUNNING', 'WAITING']

export const METRICS_CONTENT_TYPE = processMetrics.contentType

/**
 * The Prometheus text of GET /metrics (docs/api.md section 11): this process's
 * counters and histograms (src/lib/metrics.ts), then the gauges read from the database now, which
 * are the same whichever process answers (docs/decisions.md decision 18), and this process's SSE
 * subscribers.
 */
export async function renderMetrics(deps: Pick<Deps, 'db' | 'events'>): Promise<string> {
  const [states, queue, backlog] = await Promise.all([
    objectivesByState(deps.db),
    queueFigures(deps.db),
    webhookBacklog(deps),
  ])
  const scrape = new Registry()
  const registers = [scrape]
  const objectives = new Gauge({
    name: 'sortie_objectives',
    help: 'Objectives by state (database, all processes)',
    labelNames: ['state'] as const,
    registers,
  })
  for (const s of ACTIVE_STATES) objectives.set({ state: s }, 0)
  for (const [state, n] of states) objectives.set({ state }, n)
  new Gauge({
    name: 'sortie_queue_depth',
    help: 'Runnable objectives no worker holds: unclaimed, or leased with an expired lease (database)',
    registers,
  }).set(queue.unclaimed + queue.expired)
  new Gauge({
    name: 'sortie_queue_oldest_seconds',
    help: 'Age of the oldest unclaimed runnable objective since it last changed (database; 0 when none waits)',
    registers,
  }).set(queue.oldestSeconds)
  new Gauge({
    name: 'sortie_leases_expired',
    help: 'Objectives whose lease expired and that no worker has claimed again yet (database)',
    registers,
  }).set(queue.expired)
  const pending = new Gauge({
    name: 'sortie_webhook_backlog',
    help: 'Pending webhook deliveries per agent (database)',
    labelNames: ['workspace_id', 'agent_id'] as const,
    registers,
  })
  const oldest = new Gauge({
    name: 'sortie_webhook_backlog_oldest_seconds',
    help: "Age of each agent's oldest pending webhook delivery (database)",
    labelNames: ['workspace_id', 'agent_id'] as const,
    registers,
  })
  for (const b of backlog) {
    const labels = { workspace_id: b.workspaceId, agent_id: b.agentId }
    pending.set(labels, b.pending)
    oldest.set(labels, b.oldestPendingAgeSeconds)
  }
  new Gauge({
    name: 'sortie_sse_subscribers',
    help: 'SSE streams open on this process',
    registers,
  }).set(deps.events.size)
  return (await processMetrics.metrics()) + (await scrape.metrics())
}
