/** Agent and variation rows by reference (id or external id), for every use case that needs one. */
import type { Selectable } from 'kysely'
import type { AgentVariationTable, ResourceColumns } from '../../db/schema.ts'
import { findResource } from '../../db/resources.ts'
import { notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import type { Deps, Scope } from '../deps.ts'

export type AgentRow = Selectable<ResourceColumns>
export type VariationRow = Selectable<AgentVariationTable>

/** Loads an agent row of the scope's workspace by id or external id, or throws NotFound. */
export async function findAgentRow(deps: Deps, scope: Scope, ref: string): Promise<AgentRow> {
  const row = await findResource(deps.db, 'agents', scope.workspaceId, parseIdRef(ref))
  if (!row) throw notFound('agent', ref)
  return row
}

/** Loads a variation row of an agent by id or external id, or throws NotFound. */
export async function findVariationRow(
  deps: Deps,
  scope: Scope,
  agentId: string,
  ref: string,
): Promise<VariationRow> {
  const row = await findResource(
    deps.db,
    'agent_variations',
    scope.workspaceId,
    parseIdRef(ref),
    (qb) => qb.where('agent_id', '=', agentId),
  )
  if (!row) throw notFound('variation', ref)
  return row
}
