import { Counter, Histogram, Registry } from 'prom-client'

/**
 * The counters and histograms of this process (GET /metrics, docs/api.md
 * section 11). They count what this process did: in multi-process mode each process has
 * its own, and the numbers that must be the same everywhere (objectives by state, queue depth,
 * webhook backlog) are read from the database at scrape time instead (docs/decisions.md
 * decision 18). Process-wide like the process itself: every Sortie started in it adds to them.
 */
export const processMetrics = new Registry()

const registers = [processMetrics]

export const engineSteps = new Counter({
  name: 'sortie_engine_steps_total',
  help: 'Engine steps run by this process, by kind (model: a model turn or extraction attempt; tool: one tool execution; other: a park, a turn end, a wait for sub-objectives)',
  labelNames: ['kind'] as const,
  registers,
})

export const stepOverhead = new Histogram({
  name: 'sortie_engine_step_overhead_seconds',
  help: "Wall time of an engine step minus the provider's or the tool's own time: planning, commits, scheduling",
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers,
})

export const providerLatency = new Histogram({
  name: 'sortie_provider_latency_seconds',
  help: 'Model calls from this process, from request to answer (retries included), by provider, model and outcome',
  labelNames: ['provider', 'model', 'outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  registers,
})

export const modelTokens = new Counter({
  name: 'sortie_model_tokens_total',
  help: 'Tokens of the model calls of this process, by provider, model and type (input, output)',
  labelNames: ['provider', 'model', 'type'] as const,
  registers,
})

export const modelCost = new Counter({
  name: 'sortie_model_cost_usd_total',
  help: "Cost in US dollars of the model calls of this process at their model's catalogue prices (calls of models without prices add nothing), by provider and model",
  labelNames: ['provider', 'model'] as const,
  registers,
})

export const toolCalls = new Counter({
  name: 'sortie_tool_calls_total',
  help: 'Tool calls settled by this process, by status (completed, errored: executed and failed, rejected: refused before running)',
  labelNames: ['status'] as const,
  registers,
})

export const claimLag = new Histogram({
  name: 'sortie_engine_claim_lag_seconds',
  help: 'From the last change of a runnable objective (created, messaged, last step before its lease expired) to its claim by this process',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers,
})

export const leasesLost = new Counter({
  name: 'sortie_engine_leases_lost_total',
  help: 'Runs this process stopped because their lease was gone at a heartbeat (expired and claimed elsewhere, or the objective left RUNNING)',
  registers,
})

export const webhookAttempts = new Counter({
  name: 'sortie_webhook_attempts_total',
  help: 'Webhook delivery attempts sent by this process, by the state they left the delivery in (COMPLETED, PENDING: to be retried, FAILED, DISABLED)',
  labelNames: ['status'] as const,
  registers,
})
