import { deleteResource, insertResource, updateResource } from '../../db/resources.ts'
import type { Page } from '../../lib/pagination.ts'
import { loadProfiles } from '../profiles/index.ts'
import type { Deps, Scope } from '../deps.ts'
import {
  applyUpdate,
  listNamedResources,
  metadataColumns,
  newResourceColumns,
  resourceMetadata,
  rethrowUnique,
} from '../resource.ts'
import type {
  AgentVariation,
  AgentVariationSpec,
  ListAgentsQuery,
  UpdateVariationBody,
  VariationAssignment,
} from './agent.schema.ts'
import {
  findAssignments,
  findMemoryLayerAssignments,
  findModelsByName,
} from './agents.repository.ts'
import { posteriorMean } from './thompson.ts'
import { findAgentRow, findVariationRow, type VariationRow } from './rows.ts'
import { servedVariationSpec, storedUpdateMask, storedVariationSpec } from './variation-spec.ts'

/** The one row -> AgentVariation mapping. */
export function variationOf(row: VariationRow, info?: AgentVariation['info']): AgentVariation {
  return {
    metadata: resourceMetadata(row),
    spec: servedVariationSpec(row.spec as AgentVariationSpec),
    ...(info ? { info } : {}),
  }
}

async function withInfo(deps: Deps, rows: VariationRow[]): Promise<AgentVariation[]> {
  if (rows.length === 0) return []
  const modelIds = rows
    .map((r) => (r.spec as AgentVariationSpec).modelConfig?.modelId)
    .filter((id): id is string => !!id)
  const ids = rows.map((r) => r.id)
  const [profiles, assignments, models, memory] = await Promise.all([
    loadProfiles(
      deps,
      rows.map((r) => r.profile_id),
    ),
    findAssignments(
      deps.db,
      rows.map((r) => r.id),
    ),
    findModelsByName(deps.db, rows[0]!.workspace_id, [...new Set(modelIds)]),
    findMemoryLayerAssignments(deps.db, ids),
  ])
  const modelByName = new Map(models.map((m) => [m.name, resourceMetadata(m)]))
  return rows.map((row) => {
    const own = assignments.filter((a) => a.variation_id === row.id)
    const list: VariationAssignment[] = own.map((a) => ({
      id: a.id,
      type: a.tool_id ? 'tool' : a.tool_set_id ? 'toolSet' : 'agent',
      ...(a.tool_id ? { tool: { id: a.tool_id, name: a.tool_name ?? '' } } : {}),
      ...(a.tool_set_id ? { toolSet: { id: a.tool_set_id, name: a.tool_set_name ?? '' } } : {}),
      ...(a.sub_agent_id ? { agent: { id: a.sub_agent_id, name: a.agent_name ?? '' } } : {}),
    }))
    const modelId = (row.spec as AgentVariationSpec).modelConfig?.modelId
    return variationOf(row, {
      assignments: list,
      createdBy: profiles.get(row.profile_id),
      feedbackCount: row.feedback_count,
      ...(modelId && modelByName.has(modelId) ? { model: modelByName.get(modelId) } : {}),
      score: posteriorMean(row),
      subAgentCount: own.filter((a) => a.sub_agent_id).length,
      toolCount: own.filter((a) => a.tool_id).length,
      toolSetCount: own.filter((a) => a.tool_set_id).length,
      ...memoryLayersOf(memory.filter((m) => m.variation_id === row.id)),
    })
  })
}

/** Seed 003: the variation's baseline memory stack, ascending `position` (bottom -> top). */
function memoryLayersOf(own: Awaited<ReturnType<typeof findMemoryLayerAssignments>>) {
  return {
    memoryLayerAssignments: own.map((m) => ({
      id: m.id,
      memoryLayer: { id: m.memory_layer_id, name: m.name },
      position: m.position,
    })),
    memoryLayerCount: own.length,
  }
}

/** Inserts a variation of an agent already checked to be in the scope's workspace. */
export function insertVariation(
  deps: Deps,
  scope: Scope,
  agentId: string,
  body: {
    metadata: { name: string; externalId?: string; labels?: Record<string, string> }
    spec: AgentVariationSpec
  },
): Promise<VariationRow> {
  return insertResource(deps.db, 'agent_variations', {
    ...newResourceColumns(deps.ids('variation'), scope, body.metadata),
    agent_id: agentId,
    spec: JSON.stringify(storedVariationSpec(body.spec)),
  })
}

export async function createVariation(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  body: Parameters<typeof insertVariation>[3],
): Promise<AgentVariation> {
  const agent = await findAgentRow(deps, scope, agentRef)
  const row = await insertVariation(deps, scope, agent.id, body).catch((err) =>
    rethrowUnique(err, 'a variation'),
  )
  return (await withInfo(deps, [row]))[0]!
}

export async function getVariation(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  ref: string,
): Promise<AgentVariation> {
  const agent = await findAgentRow(deps, scope, agentRef)
  return (await withInfo(deps, [await findVariationRow(deps, scope, agent.id, ref)]))[0]!
}

export async function listVariations(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  query: ListAgentsQuery,
): Promise<Page<AgentVariation>> {
  const agent = await findAgentRow(deps, scope, agentRef)
  return listNamedResources(deps, 'agent_variations', scope, query, {
    filter: (qb) => qb.where('agent_id', '=', agent.id),
    map: (r) => variationOf(r),
    withInfo: (rows) => withInfo(deps, rows),
  })
}

export async function updateVariation(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  ref: string,
  body: UpdateVariationBody,
): Promise<AgentVariation> {
  const agent = await findAgentRow(deps, scope, agentRef)
  const row = await findVariationRow(deps, scope, agent.id, ref)
  // The stored spec (one name per field) takes the patch with its newest names folded in.
  const current = { metadata: resourceMetadata(row), spec: row.spec as AgentVariationSpec }
  const patch = { ...body, ...(body.spec ? { spec: storedVariationSpec(body.spec) } : {}) }
  const next = applyUpdate(current, patch, storedUpdateMask(body.updateMask))
  const updated = await updateResource(deps.db, 'agent_variations', row.id, {
    ...metadataColumns(next.metadata),
    spec: JSON.stringify(next.spec),
  }).catch((err) => rethrowUnique(err, 'a variation'))
  return (await withInfo(deps, [updated]))[0]!
}

export async function deleteVariation(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  ref: string,
): Promise<void> {
  const agent = await findAgentRow(deps, scope, agentRef)
  const row = await findVariationRow(deps, scope, agent.id, ref)
  await deleteResource(deps.db, 'agent_variations', row.id)
}
