import type { Insertable, Selectable } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { pageRows } from '../../db/paging.ts'
import type { ObjectiveFeedbackTable } from '../../db/schema.steering.ts'
import type { PagePosition } from '../../lib/pagination.ts'

export type FeedbackRow = Selectable<ObjectiveFeedbackTable>

export function insertFeedback(trx: Executor, row: Insertable<ObjectiveFeedbackTable>) {
  return trx.insertInto('objective_feedback').values(row).returningAll().executeTakeFirstOrThrow()
}

/**
 * Counts one feedback on the variation and adds `update` to its Beta posterior (agents'
 * thompson.ts says how a score becomes one). One UPDATE, so concurrent feedback never loses an
 * increment.
 */
export function recordObservation(
  trx: Executor,
  variationId: string,
  update: { alpha: number; beta: number } | null,
) {
  return trx
    .updateTable('agent_variations')
    .set((eb) => ({
      feedback_count: eb('feedback_count', '+', 1),
      ...(update === null
        ? {}
        : {
            ts_alpha: eb('ts_alpha', '+', update.alpha),
            ts_beta: eb('ts_beta', '+', update.beta),
          }),
    }))
    .where('id', '=', variationId)
    .execute()
}

export interface FeedbackFilters {
  workspaceId: string
  objectiveId?: string
  agentId?: string
  variationId?: string
  createdAfter?: string
  createdBefore?: string
  query?: string
  sentiment?: 'positive' | 'negative' | 'neutral'
}

const likeContains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

export async function listFeedback(db: Executor, position: PagePosition, f: FeedbackFilters) {
  let base = db.selectFrom('objective_feedback').where('workspace_id', '=', f.workspaceId)
  if (f.objectiveId) base = base.where('objective_id', '=', f.objectiveId)
  if (f.agentId) base = base.where('agent_id', '=', f.agentId)
  if (f.variationId) base = base.where('variation_id', '=', f.variationId)
  if (f.createdAfter) base = base.where('created_at', '>', new Date(f.createdAfter))
  if (f.createdBefore) base = base.where('created_at', '<', new Date(f.createdBefore))
  if (f.query) base = base.where('comment', 'ilike', likeContains(f.query))
  if (f.sentiment === 'positive') base = base.where('score', '>', 0)
  if (f.sentiment === 'negative') base = base.where('score', '<', 0)
  if (f.sentiment === 'neutral') {
    base = base.where((eb) => eb.or([eb('score', '=', 0), eb('score', 'is', null)]))
  }
  return pageRows(base.selectAll(), position, 'id')
}

export function variationNames(db: Executor, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([])
  return db.selectFrom('agent_variations').select(['id', 'name']).where('id', 'in', ids).execute()
}
