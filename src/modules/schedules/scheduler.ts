import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { NotifyBus } from '../../db/notify.ts'
import type { ReadMemo } from '../objectives/index.ts'
import type { Deps } from '../deps.ts'
import { fireSchedule, type FireOutcome } from './fire-schedule.service.ts'
import { compiledOf, type StoredSpec } from './schedule-spec.ts'
import * as repo from './schedules.repository.ts'
import { SCHEDULES_CHANNEL } from './schedules.repository.ts'

export interface SchedulerOptions {
  deps: Deps
  /** Wakes the scheduler when a schedule is created or changed (NOTIFY; the poll is the backstop). */
  bus?: NotifyBus
  /** Longest sleep between looks at the due schedules. */
  pollMs: number
  /** Schedules fired at once (each in its own transaction). */
  concurrency: number
  /** Called after each fire commits (the bench measures with it). */
  onFire?: (outcome: FireOutcome) => void
}

/** Shortest sleep when a fire is due but held by another process. */
const BUSY_RETRY_MS = 50
/** How long fires may share a read of their agent's configuration. */
const MEMO_MS = 1000
/** Fires committed together (per transaction). */
const BATCH = 20

/**
 * Fires due schedules. One runs in every worker process (`sortie serve`, `sortie worker`); they
 * share the due schedules row by row (FOR UPDATE SKIP LOCKED), and each fire claims its
 * (schedule, fire time) in the transaction that creates the objective, so a fire time creates
 * one objective however many processes wake for it. Time is `deps.clock`: tests set it and call
 * tick() instead of sleeping.
 */
export class Scheduler {
  /** Recorded on each fire it claims. */
  readonly id = `${hostname()}:${process.pid}:sched:${randomBytes(4).toString('hex')}`
  private chain: Promise<unknown> = Promise.resolve()
  private stopping = false
  private looping: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined
  private wake: (() => void) | undefined

  constructor(private readonly opts: SchedulerOptions) {}

  start(): void {
    this.opts.bus?.on(SCHEDULES_CHANNEL, () => this.wakeUp())
    this.looping = this.loop()
  }

  async stop(): Promise<void> {
    this.stopping = true
    this.wakeUp()
    await this.looping
    await this.chain
  }

  /**
   * Fires every schedule due at the clock's current time and resolves with how many fires it
   * committed. Calls in one process run one after another, so when it resolves, nothing due at
   * the time of the call is left unfired by this process. A tick fires what was due when it
   * started: fires coming due meanwhile wait for the next tick, which lets them gather into
   * fuller batches (measured: reading the clock per batch made commits smaller and slower).
   */
  tick(): Promise<number> {
    const run = this.chain.then(() => this.fireDue())
    this.chain = run.catch(() => undefined)
    return run
  }

  private wakeUp(): void {
    if (this.timer) clearTimeout(this.timer)
    this.wake?.()
  }

  private async loop(): Promise<void> {
    const { deps, pollMs } = this.opts
    while (!this.stopping) {
      await this.tick().catch((err) =>
        deps.logger.warn({ err: (err as Error).message }, 'scheduler tick failed'),
      )
      if (this.stopping) break
      const delay = await this.delayToNextFire().catch(() => pollMs)
      await new Promise<void>((resolve) => {
        this.wake = resolve
        this.timer = setTimeout(resolve, delay)
      })
    }
  }

  /** Until the earliest next fire, within [BUSY_RETRY_MS, pollMs]. */
  private async delayToNextFire(): Promise<number> {
    const at = await repo.earliestFire(this.opts.deps.db)
    if (!at) return this.opts.pollMs
    const ms = at.getTime() - this.opts.deps.clock.now().getTime()
    return Math.min(this.opts.pollMs, ms <= 0 ? BUSY_RETRY_MS : ms)
  }

  private async fireDue(): Promise<number> {
    const now = this.opts.deps.clock.now()
    // Fires close together share their reads of agents, variations, models and tools; a long
    // tick (a burst of thousands) starts afresh every MEMO_MS, so no fire uses an older read.
    let memo: ReadMemo = new Map()
    let memoSince = performance.now()
    const currentMemo = () => {
      if (performance.now() - memoSince > MEMO_MS) {
        memo = new Map()
        memoSince = performance.now()
      }
      return memo
    }
    let fired = 0
    const worker = async () => {
      for (;;) {
        if (this.stopping) return
        const n = await this.fireBatch(now, currentMemo())
        if (n === 0) return
        fired += n
      }
    }
    await Promise.all(Array.from({ length: this.opts.concurrency }, worker))
    return fired
  }

  /**
   * Fires up to BATCH schedules due at `now` in one transaction (one commit for all); resolves
   * with how many it took, 0 when none is left. When a fire fails the batch is rolled back and
   * its schedules are fired again one per transaction, so only the failing one is passed over.
   */
  private async fireBatch(now: Date, memo: ReadMemo, ids?: string[]): Promise<number> {
    const { deps } = this.opts
    let taken: repo.ScheduleRow[] = []
    try {
      const outcomes = await deps.db.transaction().execute(async (trx) => {
        taken = await repo.lockDue(trx, now, ids ? ids.length : BATCH, ids)
        const done: FireOutcome[] = []
        for (const row of taken) done.push(await fireSchedule(deps, trx, row, now, this.id, memo))
        return done
      })
      for (const outcome of outcomes) this.opts.onFire?.(outcome)
      return outcomes.length
    } catch (err) {
      if (taken.length === 0) throw err
      if (taken.length > 1) {
        for (const row of taken) await this.fireBatch(now, memo, [row.id])
        return taken.length
      }
      // Nothing of the fire committed. Moving the schedule past it keeps one broken schedule
      // from being retried (and failing) in every tick of every process.
      deps.logger.error({ err, scheduleId: taken[0]!.id }, 'schedule fire failed')
      await this.passOver(taken[0]!, now, (err as Error).message)
      return 1
    }
  }

  private async passOver(row: repo.ScheduleRow, now: Date, message: string): Promise<void> {
    await this.opts.deps.db.transaction().execute(async (trx) => {
      const current = await repo.lockSchedule(trx, row.id)
      // Changed meanwhile (fired elsewhere, paused, edited): nothing to pass over.
      if (current?.next_fire_at?.getTime() !== row.next_fire_at?.getTime()) return
      if (current?.status !== 'ACTIVE') return
      const next = compiledOf((current.spec as StoredSpec).schedule).nextAfter(now.getTime())
      await repo.updateSchedule(trx, row.id, {
        next_fire_at: next === undefined ? null : new Date(next),
        last_skipped_at: row.next_fire_at,
        last_skip_reason: `the fire failed: ${message}`,
        total_skips: current.total_skips + 1,
      })
    })
  }
}
