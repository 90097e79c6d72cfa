import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { EngineConfig } from '../config.ts'
import { createNotifyBus, type NotifyBus } from '../db/notify.ts'
import type { Deps } from '../modules/deps.ts'
import {
  CANCEL_CHANNEL,
  WORK_CHANNEL,
  expireContentWaits,
  timeOutInactive,
} from '../modules/objectives/index.ts'
import { resolveModel } from '../modules/models/index.ts'
import { ConversationCache } from './conversation-cache.ts'
import { GroupCommit } from './group-commit.ts'
import { ModelResolutionCache } from './model-cache.ts'
import type { EngineContext } from './engine-context.ts'
import { ObjectiveRun } from './objective-run.ts'
import { createModelCaller, type ModelCaller } from '../providers/index.ts'
import { claimObjectives, releaseLeases, renewLeases } from './queue.ts'
import { McpSessions } from './tools/mcp-tool.ts'
import { claimed, leaseLost } from './telemetry.ts'
import type { Tracing } from '../lib/tracing.ts'

export interface WorkerOptions {
  deps: Deps
  databaseUrl: string
  config: EngineConfig
  env: NodeJS.ProcessEnv
  /** Defaults to the providers module's caller with the configured retries and bounds. */
  callModel?: ModelCaller
  fetch?: typeof fetch
  id?: string
  /** OpenTelemetry export, when configured (src/lib/tracing.ts). */
  tracing?: Tracing
}

/**
 * An engine worker: claims runnable objectives (up to `concurrency` at once) under a lease, runs
 * them, renews their leases with one statement per heartbeat, and aborts any it loses. Work
 * arrives by NOTIFY; a poll catches what NOTIFY missed and leases that expired (the sweeper).
 */
export class Worker {
  readonly id: string
  private readonly runs = new Map<string, ObjectiveRun>()
  private readonly ctx: EngineContext
  private readonly bus: NotifyBus
  private timers: NodeJS.Timeout[] = []
  private pumping = false
  private pumpAgain = false
  private sweeping = false
  private stopping = false
  private settled = new Set<Promise<void>>()

  constructor(private readonly opts: WorkerOptions) {
    this.id = opts.id ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
    this.ctx = {
      deps: opts.deps,
      owner: this.id,
      env: opts.env,
      callModel:
        opts.callModel ??
        createModelCaller({
          maxConcurrentPerProvider: opts.config.providerConcurrency,
          maxAttempts: opts.config.providerMaxAttempts,
          baseDelayMs: opts.config.providerRetryDelayMs,
          fetch: opts.fetch,
        }),
      fetch: opts.fetch,
      toolTimeoutMs: opts.config.toolTimeoutMs,
      mcp: new McpSessions({ connectTimeoutMs: opts.config.toolTimeoutMs, fetch: opts.fetch }),
      cache: new ConversationCache(),
      models: new ModelResolutionCache((ws, id) => resolveModel(opts.deps, ws, id, opts.env)),
      tracing: opts.tracing,
      steps: new GroupCommit(opts.deps.db),
    }
    this.bus = createNotifyBus(opts.databaseUrl, opts.deps.logger)
    this.bus.on(WORK_CHANNEL, () => this.pump())
    this.bus.on(CANCEL_CHANNEL, (id) => this.cancelLocal(id))
  }

  async start(): Promise<void> {
    await this.bus.start()
    const { pollMs, heartbeatSeconds } = this.opts.config
    this.timers.push(setInterval(() => this.pump(), pollMs))
    this.timers.push(setInterval(() => void this.heartbeat(), heartbeatSeconds * 1000))
    this.timers.push(setInterval(() => void this.timeOutIdle(), pollMs))
    for (const t of this.timers) t.unref()
    this.pump()
  }

  /** Objectives running here right now. */
  get active(): number {
    return this.runs.size
  }

  /** Aborts the in-flight work of a cancelled objective held here (no-op otherwise). */
  cancelLocal(objectiveId: string): void {
    this.runs.get(objectiveId)?.stop('cancelled')
  }

  /** Claims as much work as there are free slots; coalesces concurrent wake-ups. */
  pump(): void {
    if (this.stopping) return
    if (this.pumping) {
      this.pumpAgain = true
      return
    }
    this.pumping = true
    void this.fill()
      .catch((err) => this.opts.deps.logger.warn({ err: (err as Error).message }, 'claim failed'))
      .finally(() => {
        this.pumping = false
        if (this.pumpAgain) {
          this.pumpAgain = false
          this.pump()
        }
      })
  }

  private async fill(): Promise<void> {
    const { concurrency, leaseSeconds, workspaceMaxRunning } = this.opts.config
    while (!this.stopping && this.runs.size < concurrency) {
      const free = concurrency - this.runs.size
      const rows = await claimObjectives(
        this.opts.deps.db,
        this.id,
        free,
        leaseSeconds,
        [...this.runs.keys()],
        workspaceMaxRunning,
      )
      claimed(rows)
      for (const row of rows) this.launch(new ObjectiveRun(row, this.ctx))
      if (rows.length < free) return
    }
  }

  private launch(run: ObjectiveRun): void {
    this.runs.set(run.id, run)
    const done = run.run().finally(() => {
      if (this.runs.get(run.id) === run) this.runs.delete(run.id)
      this.settled.delete(done)
      this.pump()
    })
    this.settled.add(done)
  }

  /** Ends TIMED_OUT what outlived its inactivity timeout, aborting those running here. */
  private async timeOutIdle(): Promise<void> {
    if (this.stopping || this.sweeping) return
    this.sweeping = true
    try {
      for (const id of await timeOutInactive(this.opts.deps)) this.cancelLocal(id)
      // Bare tools' calls whose contentTimeout passed get a tool error (wakes their objective).
      await expireContentWaits(this.opts.deps)
    } catch (err) {
      this.opts.deps.logger.warn({ err: (err as Error).message }, 'inactivity sweep failed')
    } finally {
      this.sweeping = false
    }
  }

  private async heartbeat(): Promise<void> {
    const ids = [...this.runs.keys()]
    if (ids.length === 0 || this.stopping) return
    try {
      const held = await renewLeases(this.opts.deps.db, this.id, ids, this.opts.config.leaseSeconds)
      for (const id of ids) {
        if (held.has(id)) continue
        leaseLost()
        this.runs.get(id)?.stop('lease-lost')
      }
    } catch (err) {
      this.opts.deps.logger.warn({ err: (err as Error).message }, 'lease renewal failed')
    }
  }

  /** Stops claiming, aborts what runs, and hands the leases back for another worker. */
  async stop(): Promise<void> {
    this.stopping = true
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    const held = [...this.runs.keys()]
    for (const run of this.runs.values()) run.stop('shutdown')
    await Promise.allSettled([...this.settled])
    await releaseLeases(this.opts.deps.db, this.id, held).catch(() => {})
    await this.ctx.mcp.closeAll()
    await this.bus.stop()
  }
}
