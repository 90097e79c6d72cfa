import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { pageRows } from '../../db/paging.ts'
import type { PagePosition } from '../../lib/pagination.ts'

/** The tables a bundle owns rows of, and the result type each row is reported as. */
export const OWNED = {
  toolSet: 'tool_sets',
  tool: 'tools',
  agent: 'agents',
  agentVariation: 'agent_variations',
} as const

/**
 * Serialises applies of one bundle in one workspace until the transaction ends: the second sees
 * what the first committed, so it reconciles from there instead of racing it.
 */
export async function lockBundle(db: Executor, workspaceId: string, bundleKey: string) {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`bundle/${workspaceId}/${bundleKey}`}, 0))`.execute(
    db,
  )
}

/** Every row of `table` the bundle owns in the workspace, oldest first. */
export function findOwned<T extends (typeof OWNED)[keyof typeof OWNED]>(
  db: Executor,
  table: T,
  workspaceId: string,
  bundleKey: string,
) {
  return db
    .selectFrom(table as 'agents')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('bundle_key', '=', bundleKey)
    .orderBy('id')
    .execute()
}

export function findVariationAssignments(db: Executor, variationId: string) {
  return db
    .selectFrom('variation_assignments')
    .selectAll()
    .where('variation_id', '=', variationId)
    .orderBy('id')
    .execute()
}

export function findApplyRow(db: Executor, workspaceId: string, id: string) {
  return db
    .selectFrom('bulk_workspace_applies')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst()
}

export function listApplyRows(
  db: Executor,
  workspaceId: string,
  position: PagePosition,
  filter: { bundleKey?: string; state?: string },
) {
  let base = db.selectFrom('bulk_workspace_applies').where('workspace_id', '=', workspaceId)
  if (filter.bundleKey) base = base.where('bundle_key', '=', filter.bundleKey)
  if (filter.state) base = base.where('state', '=', filter.state)
  return pageRows(base.selectAll(), position, 'id')
}

export function listResultRows(
  db: Executor,
  applyId: string,
  position: PagePosition,
  filter: { action?: string; type?: string },
) {
  let base = db.selectFrom('bulk_workspace_apply_results').where('apply_id', '=', applyId)
  if (filter.action) base = base.where('action', '=', filter.action)
  if (filter.type) base = base.where('type', '=', filter.type)
  return pageRows(base.selectAll(), position, 'id')
}
