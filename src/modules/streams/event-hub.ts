import type { Db } from '../../db/database.ts'
import type { NotifyBus } from '../../db/notify.ts'
import type { ApiFamily } from '../../lib/api-family.ts'
import { createSseStream, type SseOptions } from '../../lib/sse.ts'
import type { Logger } from '../../lib/logger.ts'
import type { LiveEvents } from '../deps.ts'
import { readSlices, sliceKey, type SliceKey } from './streams.repository.ts'
import {
  ObjectiveSubscription,
  parseNotice,
  SLICE_LIMIT,
  WorkspaceSubscription,
  type EventNotice,
  type Subscription,
} from './subscriptions.ts'

/** Carries `<workspace>:<objective>:<max seq>:<min seq>` (migration 004's triggers). */
export const EVENTS_CHANNEL = 'sortie_events'

export interface EventHubOptions {
  db: Db
  bus: NotifyBus
  logger: Logger
  /** Re-reads every followed objective this often, in case a notification was lost. */
  pollMs?: number
  /** Each stream's ping period, buffer and stall limit (SORTIE_SSE_*). */
  stream?: SseOptions
}

/** Slices per statement, and statements in flight at once. */
const KEYS_PER_READ = 256
const MAX_READS = 4
/** Connections the hub's reads need: give it a pool of its own this big (app.ts). */
export const LIVE_READ_CONNECTIONS = MAX_READS
const RETRY_DELAY_MS = 1000

/**
 * One per process: fans the LISTEN connection's notifications out to this process's SSE clients.
 * Notifications carry ids only; the hub batches the reads of every client with something new
 * into a few statements, each client getting its events in sequence order. A client whose buffer
 * is full is not read for (it cannot slow the others or the engine) until it drains.
 */
export class EventHub implements LiveEvents {
  private readonly byObjective = new Map<string, Set<ObjectiveSubscription>>()
  private readonly byWorkspace = new Map<string, Set<WorkspaceSubscription>>()
  private readonly pending = new Set<Subscription>()
  private readonly all = new Set<Subscription>()
  /** objectiveChanged() callers, per objective. */
  private readonly watchers = new Map<string, Set<() => void>>()
  private inFlight = 0
  private scheduled = false
  private stopped = false
  private readonly pollTimer: NodeJS.Timeout

  constructor(private readonly opts: EventHubOptions) {
    opts.bus.on(EVENTS_CHANNEL, (payload) => {
      const notice = parseNotice(payload)
      if (notice) this.onNotice(notice)
    })
    this.pollTimer = setInterval(() => {
      for (const sub of this.all) this.wake(sub, (s) => s.poll())
    }, opts.pollMs ?? 5000)
    this.pollTimer.unref()
  }

  objectiveStream(objectiveId: string, afterSeq: number, family: ApiFamily): Response {
    const stream = createSseStream(this.opts.stream)
    this.followObjective(new ObjectiveSubscription(stream, objectiveId, afterSeq, family))
    return stream.response
  }

  workspaceStream(workspaceId: string, family: ApiFamily, agentId?: string): Response {
    const stream = createSseStream(this.opts.stream)
    this.followWorkspace(new WorkspaceSubscription(stream, workspaceId, agentId, family))
    return stream.response
  }

  /** Streams one objective's events after `afterSeq` until it can produce no more. */
  followObjective(sub: ObjectiveSubscription): void {
    this.add(sub, this.byObjective, sub.objectiveId)
  }

  /** Streams a workspace's new events (optionally one agent's) until the client leaves. */
  followWorkspace(sub: WorkspaceSubscription): void {
    this.add(sub, this.byWorkspace, sub.workspaceId)
  }

  objectiveChanged(objectiveId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve()
      let set = this.watchers.get(objectiveId)
      if (!set) this.watchers.set(objectiveId, (set = new Set()))
      const watchers = set
      const done = () => {
        clearTimeout(timer)
        watchers.delete(done)
        if (watchers.size === 0 && this.watchers.get(objectiveId) === watchers) {
          this.watchers.delete(objectiveId)
        }
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      watchers.add(done)
    })
  }

  /** Subscribers connected to this process. */
  get size(): number {
    return this.all.size
  }

  /** Drops every stream without a clean end, so that clients reconnect to another process. */
  stop(): void {
    this.stopped = true
    clearInterval(this.pollTimer)
    for (const watchers of [...this.watchers.values()]) for (const done of [...watchers]) done()
    for (const sub of [...this.all]) sub.stream.abort('server shutting down')
  }

  private add<S extends Subscription>(sub: S, index: Map<string, Set<S>>, key: string): void {
    if (this.stopped) return sub.stream.abort('server shutting down')
    let set = index.get(key)
    if (!set) index.set(key, (set = new Set()))
    set.add(sub)
    this.all.add(sub)
    sub.stream.onRoom(() => this.wake(sub))
    sub.stream.onClose(() => {
      set.delete(sub)
      if (set.size === 0 && index.get(key) === set) index.delete(key)
      this.all.delete(sub)
      this.pending.delete(sub)
    })
    this.wake(sub)
  }

  private onNotice(n: EventNotice): void {
    for (const done of [...(this.watchers.get(n.objectiveId) ?? [])]) done()
    for (const sub of this.byObjective.get(n.objectiveId) ?? []) this.wake(sub, (s) => s.notice(n))
    for (const sub of this.byWorkspace.get(n.workspaceId) ?? []) this.wake(sub, (s) => s.notice(n))
  }

  private wake<S extends Subscription>(sub: S, change?: (s: S) => void): void {
    if (sub.stream.closed) return
    change?.(sub)
    if (!sub.hasWork()) return
    this.pending.add(sub)
    if (!this.scheduled) {
      this.scheduled = true
      // One tick later: notifications that arrive together are read together.
      setImmediate(() => this.flush())
    }
  }

  private flush(): void {
    this.scheduled = false
    while (this.inFlight < MAX_READS && this.pending.size > 0) {
      const wanted = new Map<string, { key: SliceKey; subs: Subscription[] }>()
      for (const sub of this.pending) {
        if (wanted.size >= KEYS_PER_READ) break
        for (const key of sub.take(KEYS_PER_READ - wanted.size)) {
          const k = sliceKey(key)
          const entry = wanted.get(k)
          if (entry) entry.subs.push(sub)
          else wanted.set(k, { key, subs: [sub] })
        }
        if (!sub.hasWork()) this.pending.delete(sub)
      }
      if (wanted.size === 0) return
      this.inFlight++
      void this.read([...wanted.values()]).finally(() => {
        this.inFlight--
        if (this.pending.size > 0) this.flush()
      })
    }
  }

  private async read(batch: { key: SliceKey; subs: Subscription[] }[]): Promise<void> {
    try {
      const slices = await readSlices(
        this.opts.db,
        batch.map((b) => b.key),
        SLICE_LIMIT,
      )
      for (const { key, subs } of batch) {
        const slice = slices.get(sliceKey(key))
        for (const sub of subs) {
          if (sub.stream.closed) continue
          sub.deliver(key, slice)
          this.wake(sub)
        }
      }
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'event stream read failed; retrying')
      const again = setTimeout(() => {
        for (const { key, subs } of batch)
          for (const sub of subs) this.wake(sub, (s) => s.retry(key))
      }, RETRY_DELAY_MS)
      again.unref()
    }
  }
}
