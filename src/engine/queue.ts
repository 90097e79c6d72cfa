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
  workspaceMaxRunning = 0,
): Promise<ObjectiveRow[]> {
  if (workspaceMaxRunning > 0) {
    return claimWithinWorkspaceLimit(db, owner, limit, leaseSeconds, exclude, workspaceMaxRunning)
  }
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

/** Any constant: the key of the lock that makes claims under a workspace limit take turns. */
const CLAIM_LOCK = 170_017

/**
 * The claim under SORTIE_WORKSPACE_MAX_RUNNING (docs/api.md section 5.11): a workspace's PENDING
 * objectives start, oldest first, only while fewer than `max` of its objectives are RUNNING, so
 * one workspace's backlog never holds back another's. Nothing is counted that could drift: the
 * running count is read from the states themselves (a partial index of RUNNING rows per
 * workspace), and the workspaces with PENDING work are found by skipping through a partial
 * index, one probe per workspace, not by reading their backlogs. Claims take turns on an advisory
 * lock (held to the end of the claim's transaction) so two workers cannot both start a
 * workspace's last free slot. Objectives that already started (RUNNING again after a continue, an
 * approval or a child's end, or with an expired lease) are claimed as without a limit.
 */
async function claimWithinWorkspaceLimit(
  db: Db,
  owner: string,
  limit: number,
  leaseSeconds: number,
  exclude: string[],
  max: number,
): Promise<ObjectiveRow[]> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${CLAIM_LOCK})`.execute(trx)
    const { rows } = await sql<ObjectiveRow>`
      WITH RECURSIVE ws AS (
        (SELECT workspace_id FROM objectives WHERE state = 'PENDING'
         ORDER BY workspace_id LIMIT 1)
        UNION ALL
        SELECT (SELECT o.workspace_id FROM objectives o
                WHERE o.state = 'PENDING' AND o.workspace_id > ws.workspace_id
                ORDER BY o.workspace_id LIMIT 1)
        FROM ws WHERE ws.workspace_id IS NOT NULL
      ), running AS (
        SELECT workspace_id, count(*)::int AS n FROM objectives
        WHERE state = 'RUNNING' AND workspace_id IN (SELECT workspace_id FROM ws)
        GROUP BY workspace_id
      ), startable AS (
        SELECT p.id FROM ws
        LEFT JOIN running r ON r.workspace_id = ws.workspace_id
        CROSS JOIN LATERAL (
          SELECT o.id FROM objectives o
          WHERE o.state = 'PENDING' AND o.workspace_id = ws.workspace_id
            AND o.id <> ALL(${exclude}::text[])
          ORDER BY o.id
          LIMIT greatest(0, ${max}::int - coalesce(r.n, 0))
        ) p
        WHERE ws.workspace_id IS NOT NULL
        ORDER BY p.id
        LIMIT ${limit}
      ), fresh AS (
        SELECT id FROM objectives
        WHERE id IN (SELECT id FROM startable) AND state = 'PENDING'
        FOR UPDATE SKIP LOCKED
      ), resumed AS (
        SELECT id FROM objectives
        WHERE state = 'RUNNING' AND lease_owner IS NULL AND id <> ALL(${exclude}::text[])
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
        SELECT id FROM (
          SELECT id FROM resumed UNION ALL SELECT id FROM expired UNION ALL SELECT id FROM fresh
        ) runnable
        LIMIT ${limit}
      )
      RETURNING *`.execute(trx)
    return rows
  })
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
