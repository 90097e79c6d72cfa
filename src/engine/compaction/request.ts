import { sql } from 'kysely'
import type { Db, Executor } from '../../db/database.ts'
import type { CompactionConfig } from '../../lib/schemas.ts'
import type { ObjectiveRow } from '../../modules/objectives/index.ts'
import type { Lease } from '../lease.ts'

/**
 * A manual compaction asked of the worker holding a RUNNING or PENDING objective (migration 010):
 * the API call that placed it waits for its outcome, which the worker writes under its lease.
 * At most one is pending per objective; none of these writes bumps the objective's version, so a
 * request never breaks the holder's compare-and-set.
 */
export interface CompactionRequest {
  id: string
  /** Overrides the variation's compaction config, like the body of a manual compact. */
  config?: CompactionConfig
  /** Who asked: the `contextWindowCompacted` event is theirs. */
  profileId: string
  /** After this the worker ignores it: the API call gave up (or died) by then. */
  expiresAt: string
  outcome?: CompactionOutcome
}

export type CompactionOutcome = { windowId: string } | { refusal: string }

/**
 * True on an objective row whose request waits for its worker: set, unanswered, not expired.
 * Static text: it goes into the prepared step statement.
 */
export const REQUEST_PENDING = sql<boolean>`(compaction_request IS NOT NULL
  AND compaction_request->'outcome' IS NULL
  AND (compaction_request->>'expiresAt')::timestamptz > now())`

/** The objective with whether a request is pending on it (see REQUEST_PENDING). */
export async function readForCompaction(
  db: Db,
  objectiveId: string,
): Promise<ObjectiveRow & { compaction_pending: boolean }> {
  return db
    .selectFrom('objectives')
    .selectAll()
    .select(REQUEST_PENDING.as('compaction_pending'))
    .where('id', '=', objectiveId)
    .executeTakeFirstOrThrow()
}

/**
 * Places a request on a PENDING or RUNNING objective that has none pending (a stale one, answered
 * or expired, is replaced). False when the objective left those states or another request waits.
 */
export async function placeRequest(
  db: Db,
  objectiveId: string,
  request: { id: string; config?: CompactionConfig; profileId: string },
  ttlMs: number,
): Promise<boolean> {
  const rest = JSON.stringify(request.config ? { config: request.config } : {})
  const { rows } = await sql<{ id: string }>`
    UPDATE objectives SET compaction_request = jsonb_build_object(
        'id', ${request.id}::text, 'profileId', ${request.profileId}::text,
        'expiresAt', now() + make_interval(secs => ${ttlMs / 1000})) || ${rest}::jsonb
    WHERE id = ${objectiveId} AND state IN ('PENDING', 'RUNNING') AND NOT ${REQUEST_PENDING}
    RETURNING id`.execute(db)
  return rows.length > 0
}

/**
 * Removes the request `requestId` (only while unanswered when `unanswered`): the caller takes it
 * back. False when it is not there (or was answered meanwhile).
 */
export async function withdrawRequest(
  db: Db,
  objectiveId: string,
  requestId: string,
  unanswered: boolean,
): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    UPDATE objectives SET compaction_request = NULL
    WHERE id = ${objectiveId} AND compaction_request->>'id' = ${requestId}
      ${unanswered ? sql`AND compaction_request->'outcome' IS NULL` : sql``}
    RETURNING id`.execute(db)
  return rows.length > 0
}

/** The worker's read of the request its last step reported: undefined once it is not pending. */
export async function pendingRequest(
  db: Db,
  objectiveId: string,
): Promise<CompactionRequest | undefined> {
  const { rows } = await sql<{ request: CompactionRequest }>`
    SELECT compaction_request AS request FROM objectives
    WHERE id = ${objectiveId} AND ${REQUEST_PENDING}`.execute(db)
  return rows[0]?.request
}

/**
 * The worker answers a request without compacting (nothing to compact), under its lease. No event
 * comes with it, so it notifies the objective's listeners itself (the waiting API call among them)
 * the way a state change does. False when the lease or the request is gone.
 */
export async function refuseRequest(
  db: Executor,
  lease: Lease,
  requestId: string,
  refusal: string,
): Promise<boolean> {
  const outcome = JSON.stringify({ refusal } satisfies CompactionOutcome)
  const { rows } = await sql<{ notified: unknown }>`
    WITH u AS (
      UPDATE objectives
      SET compaction_request = jsonb_set(compaction_request, '{outcome}', ${outcome}::jsonb)
      WHERE id = ${lease.objectiveId} AND version = ${lease.version}
        AND lease_owner = ${lease.owner} AND state = 'RUNNING'
        AND compaction_request->>'id' = ${requestId} AND compaction_request->'outcome' IS NULL
      RETURNING workspace_id, id, event_seq
    )
    SELECT pg_notify('sortie_events',
      u.workspace_id || ':' || u.id || ':' || u.event_seq || ':' || (u.event_seq + 1)) AS notified
    FROM u`.execute(db)
  return rows.length > 0
}
