import { sql } from 'kysely'
import { prepared, type Db } from '../db/database.ts'
import type { ObjectiveRow } from '../modules/objectives/index.ts'

/**
 * Claims up to `limit` runnable objectives: PENDING ones, and RUNNING ones whose lease is free or
 * expired (an expired lease is how a crashed worker's objectives are re-queued, so this query is
 * also the sweeper). Each half reads its own partial index, so leases held elsewhere are never
 * scanned. SKIP LOCKED lets many workers claim at once without waiting on each other;
 * the version bump makes the previous holder's next write fail its compare-and-set.
 */
export async function claimObjectives(
  db: Db,
  owner: string,
  limit: number,
  leaseSeconds: number,
  exclude: string[],
): Promise<ObjectiveRow[]> {
  const { rows } = await sql<ObjectiveRow>`
    WITH fresh AS (
      SELECT id FROM objectives
      WHERE state IN ('PENDING', 'RUNNING') AND lease_owner IS NULL
        AND id <> ALL(${exclude}::text[])
      ORDER BY id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), expired AS (
      SELECT id FROM objectives
      WHERE state IN ('PENDING', 'RUNNING') AND lease_owner IS NOT NULL
        AND lease_expires_at < now() AND id <> ALL(${exclude}::text[])
      ORDER BY lease_expires_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE objectives SET
      lease_owner = ${owner},
      lease_expires_at = now() + make_interval(secs => ${leaseSeconds}),
      state = CASE WHEN state = 'PENDING' THEN 'RUNNING' ELSE state END,
      version = version + 1
    WHERE id IN (
      SELECT id FROM (SELECT id FROM fresh UNION ALL SELECT id FROM expired) runnable
      LIMIT ${limit}
    )
    RETURNING *`.execute(db)
  return rows
}

/** Renews the leases this worker holds; returns the ids it still holds (others were lost). */
export async function renewLeases(
  db: Db,
  owner: string,
  ids: string[],
  leaseSeconds: number,
): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const { rows } = await sql<{ id: string }>`${prepared}
    UPDATE objectives SET lease_expires_at = now() + make_interval(secs => ${leaseSeconds})
    WHERE id = ANY(${ids}::text[]) AND lease_owner = ${owner} AND state = 'RUNNING'
    RETURNING id`.execute(db)
  return new Set(rows.map((r) => r.id))
}

/** Gives back leases on shutdown so another worker resumes them at once, not after expiry. */
export async function releaseLeases(db: Db, owner: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return
  await sql`
    UPDATE objectives SET lease_owner = NULL, lease_expires_at = NULL
    WHERE id = ANY(${ids}::text[]) AND lease_owner = ${owner}`.execute(db)
}

/** Events of one context window after a sequence number, for rebuilding a claimed context. */
export function windowEventsAfter(db: Db, objectiveId: string, windowId: string, afterSeq: number) {
  return db
    .selectFrom('objective_events')
    .select(['id', 'seq', 'type', 'data'])
    .where('objective_id', '=', objectiveId)
    .where('window_id', '=', windowId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .execute()
}
