import type { Deps } from '../deps.ts'
import { syncToolSet } from './sync.service.ts'
import { claimDueToolSets, deferToolSetSync } from './tools.repository.ts'

export interface ToolSetSyncerOptions {
  deps: Deps
  /** A set is re-synced when its last sync is older than this (SORTIE_TOOLSET_SYNC_SECONDS). */
  intervalSeconds: number
  /** How often due sets are looked for; defaults to a tenth of the interval, 1 s to 60 s. */
  tickMs?: number
  fetch?: typeof fetch
}

/** How long a claim holds: longer than a sync can take (each network step is bounded). */
const CLAIM_SECONDS = 300
/** Sets one tick syncs, one after another. */
const BATCH = 20

/**
 * Re-syncs MCP and OpenAPI tool sets periodically. Every Sortie process with a worker runs one;
 * each due set is claimed by exactly one of them (a row claim, docs/api.md section 3.4), so a set
 * is synced by one process at a time. A failed sync is recorded and retried after the interval.
 */
export class ToolSetSyncer {
  private timer?: NodeJS.Timeout
  private running?: Promise<void>
  private stopped = false

  constructor(private readonly opts: ToolSetSyncerOptions) {}

  start(): void {
    const tick =
      this.opts.tickMs ?? Math.min(60_000, Math.max(1000, (this.opts.intervalSeconds * 1000) / 10))
    this.timer = setInterval(() => this.tick(), tick)
    this.timer.unref()
    this.tick()
  }

  /** Runs one pass unless one is running; resolves when it ends. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    this.running ??= this.pass()
      .catch((err) =>
        this.opts.deps.logger.warn({ err: (err as Error).message }, 'tool set sync pass failed'),
      )
      .finally(() => (this.running = undefined))
    return this.running
  }

  private async pass(): Promise<void> {
    const { deps, intervalSeconds } = this.opts
    while (!this.stopped) {
      const due = await claimDueToolSets(deps.db, intervalSeconds, CLAIM_SECONDS, BATCH)
      for (const row of due) {
        if (this.stopped) return
        const result = await syncToolSet(deps, row, row.profile_id, this.opts.fetch)
        if (!result.ok) await deferToolSetSync(deps.db, row.id, intervalSeconds)
      }
      if (due.length < BATCH) return
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    await this.running
  }
}
