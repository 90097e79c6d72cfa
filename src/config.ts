import { resolve } from 'node:path'
import { z } from 'zod'
import type { RateLimit } from './lib/rate-limit.ts'

const envSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  DATABASE_URL: z.string().optional(),
  SORTIE_DATA_DIR: z.string().default('./.sortie'),
  SORTIE_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  SORTIE_SECRET_KEY: z.string().optional(),
  SORTIE_BOOTSTRAP_TOKEN: z.string().min(1).optional(),
  SORTIE_DB_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
  SORTIE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(200),
  /** Objectives of one workspace RUNNING at once, across workers; 0: no limit. */
  SORTIE_WORKSPACE_MAX_RUNNING: z.coerce.number().int().min(0).max(1_000_000).default(0),
  SORTIE_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  SORTIE_HEARTBEAT_SECONDS: z.coerce.number().min(0.1).max(600).optional(),
  SORTIE_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  SORTIE_PROVIDER_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(64),
  SORTIE_PROVIDER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  SORTIE_PROVIDER_RETRY_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(500),
  SORTIE_TOOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  SORTIE_TOOLSET_SYNC_SECONDS: z.coerce.number().min(1).max(31_536_000).default(3600),
  SORTIE_COMPACT_WAIT_MS: z.coerce.number().int().min(100).max(3_600_000).default(120_000),
  SORTIE_SCHEDULER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  SORTIE_SCHEDULER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  SORTIE_ALLOW_PRIVATE_WEBHOOKS: z
    .enum(['0', '1', 'true', 'false', ''])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  SORTIE_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  SORTIE_WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default('5s,30s,2m,5m,30m,2h,5h,10h,10h')
    .transform((v, ctx) => {
      const delays = v.split(',').map((d) => durationMs(d.trim()))
      if (delays.length > 0 && delays.every((d) => d !== undefined && d <= 86_400_000))
        return delays as number[]
      ctx.addIssue({
        code: 'custom',
        message:
          'a comma-separated list of delays like 5s,5m,30m,2h (ms, s, m, h; at most 24h each)',
      })
      return z.NEVER
    }),
  SORTIE_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  SORTIE_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(10_000).default(64),
  SORTIE_WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  SORTIE_SSE_PING_MS: z.coerce.number().int().min(10).max(3_600_000).default(15_000),
  SORTIE_SSE_STALL_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
  SORTIE_SSE_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 2 ** 20)
    .default(256 * 1024),
  SORTIE_RATE_LIMIT_RPS: z.coerce.number().min(0).max(1_000_000).default(100),
  SORTIE_RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(1_000_000).default(500),
  // Read where uploads are received (modules/uploads); checked here so a bad value stops start-up.
  SORTIE_UPLOAD_MAX_BYTES: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  SORTIE_PUBLIC_URL: z.url().optional(),
  // OpenTelemetry (docs/api.md section 11): standard OTEL_* names; unset = no SDK.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.union([z.url(), z.literal('')]).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.union([z.url(), z.literal('')]).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('sortie'),
  SORTIE_OTEL_CAPTURE_CONTENT: z
    .enum(['0', '1', 'true', 'false', ''])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  SORTIE_METRICS_TOKEN: z.string().min(1).optional(),
  SORTIE_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export interface Config {
  host: string
  port: number
  databaseUrl?: string
  dataDir: string
  embeddedPgPort: number
  secretKey?: string
  bootstrapToken?: string
  dbPoolSize: number
  logLevel: string
  /** MCP and OpenAPI tool sets are re-synced this often (docs/api.md section 3.4). */
  toolSetSyncSeconds: number
  /** Requests per API key and process (lib/rate-limit.ts); undefined when off. */
  rateLimit?: RateLimit
  engine: EngineConfig
  webhooks: WebhookConfig
  streams: StreamConfig
  scheduler: SchedulerConfig
  telemetry: TelemetryConfig
}

/** Traces and metrics (docs/api.md section 11, docs/decisions.md decision 18). */
export interface TelemetryConfig {
  /** OTLP/HTTP traces URL; undefined = tracing off (no SDK loaded). */
  otlpTracesUrl?: string
  serviceName: string
  /** Prompts, answers and tool arguments/results go into spans (off by default). */
  captureContent: boolean
  /** Bearer token of GET /metrics; without one only loopback, unproxied clients are answered. */
  metricsToken?: string
  /** Where `sortie worker` serves GET /metrics (it serves no API); undefined = not served. */
  metricsPort?: number
}

/** How each worker process fires agent schedules. */
export interface SchedulerConfig {
  /** Longest sleep between looks at due schedules (NOTIFY and the next fire time wake it sooner). */
  pollMs: number
  /** Schedules one process fires at once. */
  concurrency: number
}

/** Each SSE stream's housekeeping (docs/decisions.md decision 10). */
export interface StreamConfig {
  /** `event: ping` period (15 s by default). */
  pingMs: number
  /** A client that reads nothing this long while its buffer is full is dropped (it resumes). */
  stallMs: number
  /** Bytes queued for one client before the stream stops reading events for it. */
  highWaterBytes: number
}

/** How webhook deliveries are sent and retried (docs/api.md section 8.3). */
export interface WebhookConfig {
  /** Delivers to private, loopback and link-local addresses (tests, local development). */
  allowPrivateTargets: boolean
  /** Attempts before a delivery is FAILED (the first one is immediate). */
  maxAttempts: number
  /**
   * The wait before each retry, in ms: retry n waits retryScheduleMs[n - 1], the last entry
   * repeating (src/modules/webhooks/retry-policy.ts).
   */
  retryScheduleMs: number[]
  timeoutMs: number
  /** Deliveries one process sends at once (one per objective at a time, to keep order). */
  concurrency: number
  /** Fallback poll for due retries (NOTIFY wakes the dispatcher for new deliveries). */
  pollMs: number
}

/** How the engine's workers claim and run objectives (src/engine/README.md). */
export interface EngineConfig {
  /** Objectives one worker process runs at once. */
  concurrency: number
  leaseSeconds: number
  /** Lease renewal period; a third of the lease unless set. */
  heartbeatSeconds: number
  /** Fallback poll for runnable objectives and expired leases (NOTIFY is the fast path). */
  pollMs: number
  providerConcurrency: number
  providerMaxAttempts: number
  providerRetryDelayMs: number
  toolTimeoutMs: number
  /** How long a manual compact of a RUNNING or PENDING objective waits for its worker. */
  compactWaitMs: number
  /**
   * SORTIE_WORKSPACE_MAX_RUNNING: a workspace's PENDING objectives start only while fewer of its
   * objectives are RUNNING (0: no limit; docs/api.md section 5.11).
   */
  workspaceMaxRunning: number
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** `250ms`, `5s`, `30m`, `2h` or a bare number of milliseconds; undefined when not a duration. */
function durationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text)
  return m ? Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 'ms']!) : undefined
}

/**
 * The OTLP/HTTP traces URL as the OpenTelemetry spec derives it: the signal-specific variable is
 * used as is, the general endpoint gets `/v1/traces` appended.
 */
function otlpTracesUrl(traces?: string, base?: string): string | undefined {
  if (traces) return traces
  if (!base) return undefined
  return `${base.replace(/\/+$/, '')}/v1/traces`
}

/** Reads the environment once; a bad value stops start-up with the variable's name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new Error(`invalid configuration: ${problems.join('; ')}`)
  }
  const e = parsed.data
  return {
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL || undefined,
    dataDir: resolve(e.SORTIE_DATA_DIR),
    embeddedPgPort: e.SORTIE_PG_PORT,
    secretKey: e.SORTIE_SECRET_KEY,
    bootstrapToken: e.SORTIE_BOOTSTRAP_TOKEN,
    dbPoolSize: e.SORTIE_DB_POOL_SIZE,
    logLevel: e.LOG_LEVEL,
    toolSetSyncSeconds: e.SORTIE_TOOLSET_SYNC_SECONDS,
    rateLimit:
      e.SORTIE_RATE_LIMIT_RPS > 0
        ? { perSecond: e.SORTIE_RATE_LIMIT_RPS, burst: e.SORTIE_RATE_LIMIT_BURST }
        : undefined,
    engine: {
      concurrency: e.SORTIE_WORKER_CONCURRENCY,
      leaseSeconds: e.SORTIE_LEASE_SECONDS,
      heartbeatSeconds: e.SORTIE_HEARTBEAT_SECONDS ?? e.SORTIE_LEASE_SECONDS / 3,
      pollMs: e.SORTIE_POLL_MS,
      providerConcurrency: e.SORTIE_PROVIDER_CONCURRENCY,
      providerMaxAttempts: e.SORTIE_PROVIDER_MAX_ATTEMPTS,
      providerRetryDelayMs: e.SORTIE_PROVIDER_RETRY_DELAY_MS,
      toolTimeoutMs: e.SORTIE_TOOL_TIMEOUT_MS,
      compactWaitMs: e.SORTIE_COMPACT_WAIT_MS,
      workspaceMaxRunning: e.SORTIE_WORKSPACE_MAX_RUNNING,
    },
    webhooks: {
      allowPrivateTargets: e.SORTIE_ALLOW_PRIVATE_WEBHOOKS,
      maxAttempts: e.SORTIE_WEBHOOK_MAX_ATTEMPTS,
      retryScheduleMs: e.SORTIE_WEBHOOK_RETRY_SCHEDULE,
      timeoutMs: e.SORTIE_WEBHOOK_TIMEOUT_MS,
      concurrency: e.SORTIE_WEBHOOK_CONCURRENCY,
      pollMs: e.SORTIE_WEBHOOK_POLL_MS,
    },
    streams: {
      pingMs: e.SORTIE_SSE_PING_MS,
      stallMs: e.SORTIE_SSE_STALL_MS,
      highWaterBytes: e.SORTIE_SSE_BUFFER_BYTES,
    },
    scheduler: {
      pollMs: e.SORTIE_SCHEDULER_POLL_MS,
      concurrency: e.SORTIE_SCHEDULER_CONCURRENCY,
    },
    telemetry: {
      otlpTracesUrl: otlpTracesUrl(
        e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
        e.OTEL_EXPORTER_OTLP_ENDPOINT,
      ),
      serviceName: e.OTEL_SERVICE_NAME,
      captureContent: e.SORTIE_OTEL_CAPTURE_CONTENT,
      metricsToken: e.SORTIE_METRICS_TOKEN,
      metricsPort: e.SORTIE_METRICS_PORT,
    },
  }
}
