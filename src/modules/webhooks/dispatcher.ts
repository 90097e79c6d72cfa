import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { NotifyBus } from '../../db/notify.ts'
import { getWebhookSigningSecret } from '../accounts/index.ts'
import type { Deps } from '../deps.ts'
import { attemptDelivery, type AttemptContext } from './attempt.ts'
import { envelopeOf } from './envelope.ts'
import { createAgents } from './sender.ts'
import {
  claimDue,
  claimNextOf,
  loadEnvelopeRows,
  markDisabled,
  type DeliveryRow,
} from './webhook-deliveries.repository.ts'

/** Notified by migration 004's trigger when a statement created deliveries. */
export const WEBHOOKS_CHANNEL = 'sortie_webhooks'

/** A lease outlives the attempt's timeout by this much before another process may take it. */
const LEASE_MARGIN_MS = 30_000

export interface DispatcherOptions {
  deps: Deps
  bus: NotifyBus
  id?: string
}

/**
 * Sends the webhook outbox. Runs in every worker process: deliveries are leased row by row, the
 * head of each objective's queue only (order per objective), up to `concurrency` at once. New
 * deliveries arrive by NOTIFY; a poll picks up retries whose backoff has passed.
 */
export class WebhookDispatcher {
  readonly id: string
  private readonly ctx: AttemptContext
  private inFlight = 0
  private pumping = false
  private pumpAgain = false
  private stopping = false
  private timer: NodeJS.Timeout | undefined
  private readonly settled = new Set<Promise<unknown>>()

  constructor(private readonly opts: DispatcherOptions) {
    this.id = opts.id ?? `${hostname()}:${process.pid}:wh:${randomBytes(4).toString('hex')}`
    this.ctx = {
      db: opts.deps.db,
      config: opts.deps.webhooks,
      agents: createAgents(),
      owner: this.id,
    }
  }

  start(): void {
    this.opts.bus.on(WEBHOOKS_CHANNEL, () => this.pump())
    this.timer = setInterval(() => this.pump(), this.opts.deps.webhooks.pollMs)
    this.timer.unref()
    this.pump()
  }

  /** Stops claiming and waits for the attempts in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopping = true
    if (this.timer) clearInterval(this.timer)
    while (this.settled.size > 0) await Promise.allSettled([...this.settled])
    this.ctx.agents.http.destroy()
    this.ctx.agents.https.destroy()
  }

  pump(): void {
    if (this.stopping) return
    if (this.pumping) {
      this.pumpAgain = true
      return
    }
    this.pumping = true
    const run = this.claimLoop()
      .catch((err) =>
        this.opts.deps.logger.warn({ err: (err as Error).message }, 'webhook claim failed'),
      )
      .finally(() => {
        this.pumping = false
        this.settled.delete(run)
        if (this.pumpAgain) this.pump()
      })
    this.settled.add(run)
  }

  private async claimLoop(): Promise<void> {
    do {
      this.pumpAgain = false
      const free = this.opts.deps.webhooks.concurrency - this.inFlight
      if (free <= 0) return
      const leaseMs = this.opts.deps.webhooks.timeoutMs + LEASE_MARGIN_MS
      const claimed = await claimDue(this.ctx.db, this.id, free, leaseMs)
      await this.launch(claimed)
      if (claimed.length === free) this.pumpAgain = true
    } while (this.pumpAgain && !this.stopping)
  }

  /** After a delivery settled, its objective's next one (if due) goes out at once. */
  private async chain(objectiveId: string): Promise<void> {
    if (this.stopping) return
    const leaseMs = this.opts.deps.webhooks.timeoutMs + LEASE_MARGIN_MS
    await this.launch(await claimNextOf(this.ctx.db, this.id, objectiveId, leaseMs))
  }

  private async launch(claimed: (DeliveryRow & { target_disabled: boolean })[]): Promise<void> {
    for (const row of claimed.filter((r) => r.target_disabled)) {
      await markDisabled(this.ctx.db, row.id, this.id)
    }
    const rows = claimed.filter((r) => !r.target_disabled)
    if (rows.length === 0) return
    const envelopes = new Map(
      (await loadEnvelopeRows(this.ctx.db, [...new Set(rows.map((r) => r.event_id))])).map((r) => [
        r.id,
        envelopeOf(r),
      ]),
    )
    // Read per batch, never cached: after a rotation the next deliveries use the new key.
    const secrets = new Map<string, string>()
    for (const accountId of new Set(rows.map((r) => r.account_id))) {
      secrets.set(accountId, await getWebhookSigningSecret(this.opts.deps, accountId))
    }
    for (const delivery of rows) {
      this.inFlight++
      const attempt = attemptDelivery(this.ctx, {
        delivery,
        url: delivery.url,
        body: envelopes.get(delivery.event_id),
        secret: secrets.get(delivery.account_id)!,
        retry: true,
      })
        .then((row) => (row && row.status !== 'PENDING' ? this.chain(row.objective_id) : undefined))
        .catch((err) =>
          this.opts.deps.logger.error({ err, deliveryId: delivery.id }, 'webhook attempt failed'),
        )
        .finally(() => {
          this.inFlight--
          this.settled.delete(attempt)
          this.pump()
        })
      this.settled.add(attempt)
    }
  }
}
