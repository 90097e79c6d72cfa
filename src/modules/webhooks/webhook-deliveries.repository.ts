import { sql, type Selectable } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { pageRows } from '../../db/paging.ts'
import type { WebhookDeliveryTable } from '../../db/schema.live.ts'
import type { PagePosition } from '../../lib/pagination.ts'

export type DeliveryRow = Selectable<WebhookDeliveryTable>

export interface DeliveryFilters {
  objectiveId?: string
  eventType?: string
  status?: string
}

export async function listDeliveries(
  db: Executor,
  workspaceId: string,
  agentId: string,
  position: PagePosition,
  f: DeliveryFilters,
) {
  let base = db
    .selectFrom('webhook_deliveries')
    .where('workspace_id', '=', workspaceId)
    .where('agent_id', '=', agentId)
  if (f.objectiveId) base = base.where('objective_id', '=', f.objectiveId)
  if (f.eventType) base = base.where('event_type', '=', f.eventType)
  if (f.status) base = base.where('status', '=', f.status)
  return pageRows(base.selectAll(), position, 'id')
}

export function findDelivery(db: Executor, workspaceId: string, id: string) {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
}

/**
 * Leases up to `limit` due deliveries, each the oldest pending one of its objective: a delivery
 * is not sent while an earlier one of the same objective is still pending, which keeps order per
 * objective. Two dispatchers racing for a row: the loser's UPDATE re-checks the lease and skips.
 */
export async function claimDue(db: Executor, owner: string, limit: number, leaseMs: number) {
  const { rows } = await sql<DeliveryRow & { target_disabled: boolean }>`
    UPDATE webhook_deliveries d
    SET lease_owner = ${owner},
        lease_expires_at = now() + ${leaseMs} * interval '1 millisecond',
        updated_at = now()
    WHERE d.id IN (
      SELECT h.id FROM (
        SELECT DISTINCT ON (objective_id) id, next_attempt_at, lease_expires_at
        FROM webhook_deliveries WHERE status = 'PENDING'
        ORDER BY objective_id, event_seq
      ) h
      WHERE h.next_attempt_at <= now()
        AND (h.lease_expires_at IS NULL OR h.lease_expires_at < now())
      ORDER BY h.next_attempt_at
      LIMIT ${limit}
    )
    AND d.status = 'PENDING'
    AND (d.lease_expires_at IS NULL OR d.lease_expires_at < now())
    RETURNING d.*, EXISTS (SELECT 1 FROM webhook_disabled_targets t
                           WHERE t.agent_id = d.agent_id AND t.url = d.url) AS target_disabled
  `.execute(db)
  return rows
}

/**
 * Leases the next pending delivery of one objective once the previous one is settled: the sender
 * of a delivery chains to the next without the queue-wide scan of claimDue.
 */
export async function claimNextOf(
  db: Executor,
  owner: string,
  objectiveId: string,
  leaseMs: number,
) {
  const { rows } = await sql<DeliveryRow & { target_disabled: boolean }>`
    UPDATE webhook_deliveries d
    SET lease_owner = ${owner},
        lease_expires_at = now() + ${leaseMs} * interval '1 millisecond',
        updated_at = now()
    WHERE d.id = (SELECT id FROM webhook_deliveries
                  WHERE objective_id = ${objectiveId} AND status = 'PENDING'
                  ORDER BY event_seq LIMIT 1)
    AND d.status = 'PENDING' AND d.next_attempt_at <= now()
    AND (d.lease_expires_at IS NULL OR d.lease_expires_at < now())
    RETURNING d.*, EXISTS (SELECT 1 FROM webhook_disabled_targets t
                           WHERE t.agent_id = d.agent_id AND t.url = d.url) AS target_disabled
  `.execute(db)
  return rows
}

/**
 * A delivery created by a step that committed while its target was being disabled (its trigger
 * did not see the 410 yet): DISABLED without an attempt.
 */
export function markDisabled(db: Executor, id: string, owner: string) {
  return db
    .updateTable('webhook_deliveries')
    .set({ status: 'DISABLED', lease_owner: null, lease_expires_at: null, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .execute()
}

/**
 * Leases a delivery for a manual redelivery: a finished one, or the head of its objective's
 * pending deliveries (the one holding the others back; a later one would jump the queue). Never
 * one a dispatcher holds.
 */
export function leaseForRedelivery(db: Executor, id: string, owner: string, leaseMs: number) {
  return db
    .updateTable('webhook_deliveries as d')
    .set({
      lease_owner: owner,
      lease_expires_at: sql`now() + ${leaseMs} * interval '1 millisecond'`,
      updated_at: sql`now()`,
    })
    .where('d.id', '=', id)
    .where((eb) =>
      eb.or([
        eb('d.status', '<>', 'PENDING'),
        eb(
          'd.id',
          '=',
          sql<string>`(SELECT h.id FROM webhook_deliveries h
                       WHERE h.objective_id = d.objective_id AND h.status = 'PENDING'
                       ORDER BY h.event_seq LIMIT 1)`,
        ),
      ]),
    )
    .where((eb) =>
      eb.or([
        eb('d.lease_expires_at', 'is', null),
        eb('d.lease_expires_at', '<', sql<Date>`now()`),
      ]),
    )
    .returningAll()
    .executeTakeFirst()
}

/** Wakes every dispatcher (a redelivery may have unblocked an objective's later deliveries). */
export async function wakeDispatchers(db: Executor, channel: string) {
  await sql`SELECT pg_notify(${channel}, '')`.execute(db)
}

export interface Backlog {
  /** Pending deliveries (due, in backoff or waiting behind an earlier one of their objective). */
  pending: number
  /** When the oldest pending delivery was created; null when none is pending. */
  oldestPendingCreatedAt: Date | null
  /** Its age by the database clock, in seconds (0 when none is pending). */
  oldestPendingAgeSeconds: number
}

/** One agent's webhook backlog. */
export async function agentBacklog(db: Executor, agentId: string): Promise<Backlog> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select([
      sql<string>`count(*)`.as('pending'),
      sql<Date | null>`min(created_at)`.as('oldest'),
      sql<number>`coalesce(extract(epoch from now() - min(created_at)), 0)::float8`.as('age'),
    ])
    .where('agent_id', '=', agentId)
    .where('status', '=', 'PENDING')
    .executeTakeFirstOrThrow()
  return {
    pending: Number(row.pending),
    oldestPendingCreatedAt: row.oldest,
    oldestPendingAgeSeconds: Math.max(0, Number(row.age)),
  }
}

/** Every agent with pending deliveries, oldest backlog first. */
export async function backlogByAgent(db: Executor) {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select([
      'account_id',
      'workspace_id',
      'agent_id',
      sql<string>`count(*)`.as('pending'),
      sql<Date>`min(created_at)`.as('oldest'),
      sql<number>`extract(epoch from now() - min(created_at))::float8`.as('age'),
    ])
    .where('status', '=', 'PENDING')
    .groupBy(['account_id', 'workspace_id', 'agent_id'])
    .orderBy('oldest')
    .execute()
  return rows.map((r) => ({
    accountId: r.account_id,
    workspaceId: r.workspace_id,
    agentId: r.agent_id,
    pending: Number(r.pending),
    oldestPendingCreatedAt: r.oldest,
    oldestPendingAgeSeconds: Math.max(0, Number(r.age)),
  }))
}

/** Asks the dispatcher to try a pending delivery now rather than at its backoff time. */
export function retryNow(db: Executor, id: string) {
  return db
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'PENDING')
    .returningAll()
    .executeTakeFirst()
}

export interface AttemptRecord {
  status: string
  /** When PENDING: the delay before the next attempt. */
  retryInMs?: number
  url: string
  httpStatusCode: number
  latencyMs: number
  responseContentLength: number
  responseHeaders: Record<string, string>
  errorMessage: string
}

/** Records an attempt and releases the lease; a lease lost meanwhile makes it a no-op. */
export async function recordAttempt(db: Executor, id: string, owner: string, a: AttemptRecord) {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({
      status: a.status,
      url: a.url,
      attempt_count: sql`attempt_count + 1`,
      last_attempt_at: sql`now()`,
      next_attempt_at: sql`now() + ${a.retryInMs ?? 0} * interval '1 millisecond'`,
      http_status_code: a.httpStatusCode,
      latency_ms: a.latencyMs,
      response_content_length: a.responseContentLength,
      response_headers: JSON.stringify(a.responseHeaders),
      error_message: a.errorMessage,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .where('lease_owner', '=', owner)
    .returningAll()
    .executeTakeFirst()
  return result
}

/**
 * 410 Gone: the agent's webhook is disabled for this URL (a new URL re-enables it), and its
 * pending deliveries to that URL become DISABLED. Run in the transaction recording the 410, so no
 * dispatcher claims the next delivery in between.
 */
export async function disableTarget(trx: Executor, agentId: string, url: string, reason: string) {
  await trx
    .insertInto('webhook_disabled_targets')
    .values({ agent_id: agentId, url, reason })
    .onConflict((oc) => oc.column('agent_id').doUpdateSet({ url, reason, disabled_at: sql`now()` }))
    .execute()
  await trx
    .updateTable('webhook_deliveries')
    .set({ status: 'DISABLED', updated_at: sql`now()` })
    .where('agent_id', '=', agentId)
    .where('url', '=', url)
    .where('status', '=', 'PENDING')
    .execute()
}

/** What a delivery's envelope is built from: its event and the objective's frozen snapshot. */
export async function loadEnvelopeRows(db: Executor, eventIds: string[]) {
  if (eventIds.length === 0) return []
  return db
    .selectFrom('objective_events as e')
    .innerJoin('objectives as o', 'o.id', 'e.objective_id')
    .select([
      'e.id',
      'e.objective_id',
      'e.seq',
      'e.window_id',
      'e.type',
      'e.data',
      'e.profile_id',
      'e.created_at',
      'o.account_id as o_account_id',
      'o.workspace_id as o_workspace_id',
      'o.profile_id as o_profile_id',
      'o.external_id as o_external_id',
      'o.labels as o_labels',
      'o.created_at as o_created_at',
      sql<Record<string, unknown> | null>`o.data->'agent'->'metadata'`.as('agent_metadata'),
      sql<Record<string, unknown> | null>`o.data->'variation'->'metadata'`.as('variation_metadata'),
    ])
    .where('e.id', 'in', eventIds)
    .execute()
}

export type EnvelopeRow = Awaited<ReturnType<typeof loadEnvelopeRows>>[number]

/** The agent's current webhook URL ('' when none), for manual redeliveries. */
export async function currentWebhookUrl(db: Executor, agentId: string): Promise<string> {
  const row = await db
    .selectFrom('agents')
    .select(sql<string | null>`spec->>'webhookEventsUrl'`.as('url'))
    .where('id', '=', agentId)
    .executeTakeFirst()
  return row?.url ?? ''
}
