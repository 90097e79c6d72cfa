import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'

/** Objectives per state: one index-only pass over `objectives_state`. */
export async function objectivesByState(db: Db): Promise<Map<string, number>> {
  const { rows } = await sql<{ state: string; n: string }>`
    SELECT state, count(*) AS n FROM objectives GROUP BY state`.execute(db)
  return new Map(rows.map((r) => [r.state, Number(r.n)]))
}

export interface QueueFigures {
  /** Runnable and unleased: waiting for a worker's claim. */
  unclaimed: number
  /** RUNNING (or PENDING) with a lease past its expiry: the sweeper's work. */
  expired: number
  /** Seconds since the oldest unclaimed one last changed; 0 when none waits. */
  oldestSeconds: number
}

/**
 * The claim queue as the workers see it. Each half reads the partial index the claim itself
 * reads (migration 009), so the cost follows the queue, not the table.
 */
export async function queueFigures(db: Db): Promise<QueueFigures> {
  const { rows } = await sql<{ unclaimed: string; expired: string; oldest: number | null }>`
    SELECT
      (SELECT count(*) FROM objectives
        WHERE state IN ('PENDING', 'RUNNING') AND lease_owner IS NULL) AS unclaimed,
      (SELECT count(*) FROM objectives
        WHERE state IN ('PENDING', 'RUNNING') AND lease_owner IS NOT NULL
          AND lease_expires_at < now()) AS expired,
      (SELECT extract(epoch FROM now() - min(updated_at))::float8 FROM objectives
        WHERE state IN ('PENDING', 'RUNNING') AND lease_owner IS NULL) AS oldest`.execute(db)
  const r = rows[0]!
  return {
    unclaimed: Number(r.unclaimed),
    expired: Number(r.expired),
    oldestSeconds: Math.max(0, Number(r.oldest ?? 0)),
  }
}
