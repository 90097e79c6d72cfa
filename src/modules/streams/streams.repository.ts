import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'

/** The columns of an objective its events' metadata is made of. */
export interface ParentColumns {
  id: string
  account_id: string
  workspace_id: string
  profile_id: string
  external_id: string
  labels: Record<string, string>
  created_at: Date
}

export interface StreamedEventRow {
  id: string
  seq: number
  window_id: string
  type: string
  data: Record<string, unknown>
  profile_id: string
  created_at: Date
}

/** What one read of one objective returns: its state and its next events after a position. */
export interface ObjectiveSlice {
  parent: ParentColumns
  agentId: string
  state: string
  waitReason: string | null
  eventSeq: number
  events: StreamedEventRow[]
}

export interface SliceKey {
  objectiveId: string
  afterSeq: number
}

type SliceRow = {
  k_oid: string
  k_after: number
  account_id: string
  workspace_id: string
  o_profile_id: string
  external_id: string
  labels: Record<string, string>
  o_created_at: Date
  agent_id: string
  state: string
  wait_reason: string | null
  event_seq: number
} & { [K in keyof StreamedEventRow as `e_${K}`]: StreamedEventRow[K] | null }

export const sliceKey = (k: SliceKey) => `${k.objectiveId}@${k.afterSeq}`

/**
 * Reads many subscribers' next events in one statement. The objective's state and event_seq come
 * from the same snapshot as its events, so "FINALIZED at seq N" and "events up to N" agree. An
 * objective that no longer exists is absent from the result.
 */
export async function readSlices(
  db: Executor,
  keys: SliceKey[],
  limit: number,
): Promise<Map<string, ObjectiveSlice>> {
  const { rows } = await sql<SliceRow>`
    SELECT c.oid AS k_oid, c.after AS k_after, o.account_id, o.workspace_id,
      o.profile_id AS o_profile_id, o.external_id, o.labels, o.created_at AS o_created_at,
      o.agent_id, o.state, o.wait_reason, o.event_seq,
      e.id AS e_id, e.seq AS e_seq, e.window_id AS e_window_id, e.type AS e_type,
      e.data AS e_data, e.profile_id AS e_profile_id, e.created_at AS e_created_at
    FROM unnest(${keys.map((k) => k.objectiveId)}::text[], ${keys.map((k) => k.afterSeq)}::int[])
      AS c(oid, after)
    JOIN objectives o ON o.id = c.oid
    LEFT JOIN LATERAL (
      SELECT * FROM objective_events ev
      WHERE ev.objective_id = c.oid AND ev.seq > c.after
      ORDER BY ev.seq LIMIT ${limit}
    ) e ON true
    ORDER BY c.oid, c.after, e.seq`.execute(db)
  const slices = new Map<string, ObjectiveSlice>()
  for (const r of rows) {
    const key = sliceKey({ objectiveId: r.k_oid, afterSeq: r.k_after })
    let slice = slices.get(key)
    if (!slice) {
      slice = {
        parent: {
          id: r.k_oid,
          account_id: r.account_id,
          workspace_id: r.workspace_id,
          profile_id: r.o_profile_id,
          external_id: r.external_id,
          labels: r.labels,
          created_at: r.o_created_at,
        },
        agentId: r.agent_id,
        state: r.state,
        waitReason: r.wait_reason,
        eventSeq: r.event_seq,
        events: [],
      }
      slices.set(key, slice)
    }
    if (r.e_id !== null) {
      slice.events.push({
        id: r.e_id,
        seq: r.e_seq!,
        window_id: r.e_window_id!,
        type: r.e_type!,
        data: r.e_data!,
        profile_id: r.e_profile_id!,
        created_at: r.e_created_at!,
      })
    }
  }
  return slices
}

/** The sequence number of an event, and which objective it belongs to. */
export function findEvent(db: Executor, eventId: string) {
  return db
    .selectFrom('objective_events')
    .select(['objective_id', 'seq'])
    .where('id', '=', eventId)
    .executeTakeFirst()
}
