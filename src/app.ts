import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import type { Config } from './config.ts'
import { createDb } from './db/database.ts'
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.ts'
import { migrateToLatest } from './db/migrate.ts'
import { systemClock, type Clock } from './lib/clock.ts'
import { createSecretBox, parseSecretKey } from './lib/crypto.ts'
import { createIdGenerator } from './lib/ids.ts'
import { TokenBuckets, type RateLimit } from './lib/rate-limit.ts'
import { createLogger, type Logger } from './lib/logger.ts'
import { createHttpApp, type HttpApp } from './http/server.ts'
import { createMetricsApp } from './http/metrics.ts'
import {
  bootstrapIfEmpty,
  fillChallengeTokens,
  type BootstrapResult,
} from './modules/accounts/index.ts'
import type { Deps } from './modules/deps.ts'
import { createObjectiveCompactor, Worker } from './engine/index.ts'
import { createModelCaller, type ModelCaller } from './providers/index.ts'
import { syncModelCatalogue } from './modules/models/index.ts'
import { createNotifyBus } from './db/notify.ts'
import { EventHub, LIVE_READ_CONNECTIONS } from './modules/streams/index.ts'
import { WebhookDispatcher } from './modules/webhooks/index.ts'
import { ToolSetSyncer } from './modules/tools/index.ts'
import { Scheduler } from './modules/schedules/index.ts'
import { allRoutes } from './routes.ts'
import { startTracing } from './lib/tracing.ts'

export interface Sortie {
  deps: Deps
  http: HttpApp
  databaseUrl: string
  /** Set when this start created the first account. */
  bootstrap?: BootstrapResult
  /** Serves HTTP on host:port; resolves with the bound address. */
  listen(host: string, port: number): Promise<AddressInfo>
  /** Serves GET /metrics alone on host:port (`sortie worker`, which serves no API). */
  listenMetrics(host: string, port: number): Promise<AddressInfo>
  /** The engine worker of this process, when started with `worker: true`. */
  worker?: Worker
  /** The schedule firer of this process, started with the worker. */
  scheduler?: Scheduler
  /** Drains HTTP, stops the worker, closes the pool and stops the embedded Postgres. */
  stop(): Promise<void>
}

/** Reads SORTIE_SECRET_KEY, or a key generated once into the data dir. */
async function loadSecretKey(config: Config): Promise<Buffer> {
  if (config.secretKey) return parseSecretKey(config.secretKey)
  const file = join(config.dataDir, 'secret.key')
  if (existsSync(file)) return parseSecretKey(await readFile(file, 'utf8'))
  await mkdir(config.dataDir, { recursive: true })
  const key = randomBytes(32)
  await writeFile(file, key.toString('hex'), { mode: 0o600, flag: 'wx' }).catch(async (err) => {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  })
  return parseSecretKey(await readFile(file, 'utf8'))
}

export interface SortieOptions {
  logger?: Logger
  /** Where provider credentials are read from (default process.env); tests inject their own. */
  env?: NodeJS.ProcessEnv
  /** Runs an engine worker in this process (`serve`, `worker`); off for one-shot commands. */
  worker?: boolean
  /** Creates the first account on an empty database (default true). */
  bootstrap?: boolean
  /** Overrides the model caller and the fetch tools use (tests). */
  callModel?: ModelCaller
  fetch?: typeof fetch
  /** What "now" is (default the system clock); tests move it to fire schedules without waiting. */
  clock?: Clock
  /** Fires agent schedules in this process (default: with the worker). */
  scheduler?: boolean
}

function rateLimiter(limit: RateLimit | undefined): Deps['rateLimit'] {
  if (!limit) return () => 0
  const buckets = new TokenBuckets(limit)
  return (apiKeyId) => buckets.take(apiKeyId)
}

/** The composition root: config -> database -> services -> HTTP app -> engine worker. */
export async function createSortie(config: Config, opts: SortieOptions = {}): Promise<Sortie> {
  const logger = opts.logger ?? createLogger(config.logLevel)
  let embedded: EmbeddedDatabase | undefined
  let databaseUrl = config.databaseUrl
  if (!databaseUrl) {
    logger.info({ dir: join(config.dataDir, 'pg') }, 'starting embedded postgres')
    embedded = await startEmbeddedPostgres({
      dir: join(config.dataDir, 'pg'),
      port: config.embeddedPgPort,
      logger,
    })
    databaseUrl = embedded.url
  }
  const { db } = createDb(databaseUrl, config.dbPoolSize)
  const env = opts.env ?? process.env
  let worker: Worker | undefined
  // Live events: one LISTEN connection feeds this process's SSE streams and webhook dispatcher.
  // It listens only from liveBus.start() below; until then the hub has nothing to deliver.
  const liveBus = createNotifyBus(databaseUrl, logger)
  // Stream reads have their own connections: they never queue behind the engine's steps.
  const { db: liveDb } = createDb(databaseUrl, LIVE_READ_CONNECTIONS)
  const hub = new EventHub({ db: liveDb, bus: liveBus, logger, stream: config.streams })
  // One caller per process: the API's manual compactions and the worker share its bounds.
  const callModel =
    opts.callModel ??
    createModelCaller({
      maxConcurrentPerProvider: config.engine.providerConcurrency,
      maxAttempts: config.engine.providerMaxAttempts,
      baseDelayMs: config.engine.providerRetryDelayMs,
      fetch: opts.fetch,
    })
  const deps: Deps = {
    db,
    ids: createIdGenerator(),
    clock: opts.clock ?? systemClock,
    box: createSecretBox(await loadSecretKey(config)),
    logger,
    env,
    local: { objectiveCancelled: (id) => worker?.cancelLocal(id) },
    events: hub,
    webhooks: config.webhooks,
    compactor: { compact: (...args) => compactor.compact(...args) },
    rateLimit: rateLimiter(config.rateLimit),
  }
  const compactor = createObjectiveCompactor(deps, callModel, env, config.engine.compactWaitMs)
  try {
    await migrateToLatest(db, databaseUrl)
  } catch (err) {
    hub.stop()
    await liveDb.destroy()
    await db.destroy()
    await embedded?.stop()
    throw err
  }
  const bootstrap =
    opts.bootstrap === false
      ? undefined
      : await bootstrapIfEmpty(deps, { token: config.bootstrapToken })
  await fillChallengeTokens(deps)
  if (bootstrap && config.bootstrapToken && config.bootstrapToken.length < 16) {
    logger.warn(
      'SORTIE_BOOTSTRAP_TOKEN is shorter than 16 characters: anyone who guesses it administers ' +
        'the account; use it only for tests and rotate the key before real use',
    )
  }
  await syncModelCatalogue(deps)
  const http = createHttpApp(deps, allRoutes, undefined, {
    metricsToken: config.telemetry.metricsToken,
  })
  const dispatcher = opts.worker ? new WebhookDispatcher({ deps, bus: liveBus }) : undefined
  const syncer = opts.worker
    ? new ToolSetSyncer({ deps, intervalSeconds: config.toolSetSyncSeconds })
    : undefined
  const scheduler =
    (opts.scheduler ?? opts.worker)
      ? new Scheduler({ deps, bus: liveBus, ...config.scheduler })
      : undefined
  await liveBus.start()
  dispatcher?.start()
  syncer?.start()
  scheduler?.start()
  // Spans come from the engine only: a process without a worker loads no SDK.
  const tracing = opts.worker ? await startTracing(config.telemetry) : undefined
  if (opts.worker) {
    worker = new Worker({
      deps,
      databaseUrl,
      config: config.engine,
      env,
      callModel,
      fetch: opts.fetch,
      tracing,
    })
    await worker.start()
  }

  const servers: ServerType[] = []
  const listenOn = (
    fetch: (req: Request) => Response | Promise<Response>,
    host: string,
    port: number,
  ) =>
    new Promise<AddressInfo>((resolve, reject) => {
      const server = serve({ fetch, hostname: host, port }, (info) => resolve(info))
      servers.push(server)
      server.once('error', reject)
    })
  return {
    deps,
    http,
    databaseUrl,
    bootstrap,
    worker,
    scheduler,
    listen: (host, port) => listenOn(http.app.fetch, host, port),
    listenMetrics: (host, port) =>
      listenOn(createMetricsApp(deps, config.telemetry.metricsToken).fetch, host, port),
    async stop() {
      // Open streams would hold the server open; dropped (not ended) they reconnect elsewhere.
      hub.stop()
      for (const s of servers) {
        await new Promise<void>((resolve) => s.close(() => resolve()))
        ;(s as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
      }
      await scheduler?.stop()
      await worker?.stop()
      // After the worker: its last spans are exported, not dropped.
      await tracing?.shutdown().catch((err: unknown) => {
        logger.warn({ err: (err as Error).message }, 'could not export the last spans')
      })
      await syncer?.stop()
      await dispatcher?.stop()
      await liveBus.stop()
      await liveDb.destroy()
      await db.destroy()
      await embedded?.stop()
    },
  }
}
