import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'

export function countVariations(db: Executor, agentIds: string[]) {
  if (agentIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('agent_variations')
    .select(['agent_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('agent_id', 'in', agentIds)
    .groupBy('agent_id')
    .execute()
}

export function findAssignments(db: Executor, variationIds: string[]) {
  if (variationIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('variation_assignments as a')
    .leftJoin('tools as t', 't.id', 'a.tool_id')
    .leftJoin('tool_sets as s', 's.id', 'a.tool_set_id')
    .leftJoin('agents as g', 'g.id', 'a.sub_agent_id')
    .select([
      'a.id',
      'a.variation_id',
      'a.tool_id',
      'a.tool_set_id',
      'a.sub_agent_id',
      't.name as tool_name',
      's.name as tool_set_name',
      'g.name as agent_name',
    ])
    .where('a.variation_id', 'in', variationIds)
    .orderBy('a.id')
    .execute()
}

/** The memory layers assigned to variations (migration 015), bottom of the stack first. */
export function findMemoryLayerAssignments(db: Executor, variationIds: string[]) {
  if (variationIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('variation_memory_layers as a')
    .innerJoin('memory_layers as l', 'l.id', 'a.memory_layer_id')
    .select(['a.id', 'a.variation_id', 'a.memory_layer_id', 'a.position', 'l.name'])
    .where('a.variation_id', 'in', variationIds)
    .orderBy('a.position')
    .execute()
}

export function findModelsByName(db: Executor, workspaceId: string, names: string[]) {
  if (names.length === 0) return Promise.resolve([])
  return db
    .selectFrom('models')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('name', 'in', names)
    .execute()
}

/**
 * What each variation of the agents cost over their objectives (each objective's own calls; a
 * sub-objective counts under its own agent). A variation none of whose calls had a known price
 * has a null cost.
 */
export async function variationCosts(db: Executor, workspaceId: string, agentIds: string[]) {
  if (agentIds.length === 0) return []
  const { rows } = await sql<{
    agent_id: string
    variation_id: string
    objectives: number
    cost: string | null
  }>`
    SELECT agent_id, variation_id, count(*)::int AS objectives, sum(total_cost_usd)::text AS cost
    FROM objectives
    WHERE workspace_id = ${workspaceId} AND agent_id = ANY(${agentIds}::text[])
    GROUP BY agent_id, variation_id
    ORDER BY agent_id, variation_id`.execute(db)
  return rows
}
