import { deleteResource, insertResource, updateResource } from '../../db/resources.ts'
import { compileJsonSchema } from '../../lib/json-schema.ts'
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
  Agent,
  AgentSpec,
  CreateAgentBody,
  ListAgentsQuery,
  UpdateAgentBody,
} from './agent.schema.ts'
import { countVariations, variationCosts } from './agents.repository.ts'
import { formatUsd, usdUnits } from '../models/index.ts'
import { findAgentRow, type AgentRow } from './rows.ts'
import { insertVariation } from './variation.service.ts'

/** The one row -> Agent mapping. */
export function agentOf(row: AgentRow, info?: Agent['info']): Agent {
  const spec = row.spec as AgentSpec
  return {
    metadata: resourceMetadata(row),
    spec: {
      ...spec,
      status: spec.status ?? 'AGENT_STATUS_DRAFT',
      variationSelectionMode: spec.variationSelectionMode ?? 'VARIATION_SELECTION_MODE_UNSPECIFIED',
      description: spec.description ?? '',
      webhookEventsUrl: spec.webhookEventsUrl ?? '',
    },
    ...(info ? { info } : {}),
  }
}

/** Rules an agent spec must meet beyond its shape (bulk applies check bundles with it too). */
export function validateAgentSpec(spec: AgentSpec): void {
  if (spec.inputDataSchema) compileJsonSchema(spec.inputDataSchema, 'spec.inputDataSchema')
  if (spec.outputDefinition) compileJsonSchema(spec.outputDefinition, 'spec.outputDefinition')
}

async function withInfo(deps: Deps, rows: AgentRow[]): Promise<Agent[]> {
  const ids = rows.map((r) => r.id)
  const [profiles, counts, costs] = await Promise.all([
    loadProfiles(
      deps,
      rows.map((r) => r.profile_id),
    ),
    countVariations(deps.db, ids),
    rows.length ? variationCosts(deps.db, rows[0]!.workspace_id, ids) : [],
  ])
  const countOf = new Map(counts.map((c) => [c.agent_id, Number(c.n)]))
  return rows.map((row) =>
    agentOf(row, {
      createdBy: profiles.get(row.profile_id),
      variationCount: countOf.get(row.id) ?? 0,
      variationCosts: costs
        .filter((c) => c.agent_id === row.id)
        .map((c) => ({
          variationId: c.variation_id,
          objectiveCount: c.objectives,
          ...(c.cost !== null ? { totalCostUsd: formatUsd(usdUnits(c.cost)) } : {}),
        })),
    }),
  )
}

export async function createAgent(deps: Deps, scope: Scope, body: CreateAgentBody): Promise<Agent> {
  validateAgentSpec(body.spec)
  const row = await deps.db
    .transaction()
    .execute(async (trx) => {
      const agent = await insertResource(trx, 'agents', {
        ...newResourceColumns(deps.ids('agent'), scope, body.metadata),
        spec: JSON.stringify(body.spec),
      })
      if (body.defaultVariation) {
        await insertVariation({ ...deps, db: trx }, scope, agent.id, body.defaultVariation)
      }
      return agent
    })
    .catch((err) => rethrowUnique(err, 'an agent'))
  return (await withInfo(deps, [row]))[0]!
}

export async function getAgent(deps: Deps, scope: Scope, ref: string): Promise<Agent> {
  return (await withInfo(deps, [await findAgentRow(deps, scope, ref)]))[0]!
}

export async function listAgents(
  deps: Deps,
  scope: Scope,
  query: ListAgentsQuery,
): Promise<Page<Agent>> {
  return listNamedResources(deps, 'agents', scope, query, {
    map: (r) => agentOf(r),
    withInfo: (rows) => withInfo(deps, rows),
  })
}

export async function updateAgent(
  deps: Deps,
  scope: Scope,
  ref: string,
  body: UpdateAgentBody,
): Promise<Agent> {
  const row = await findAgentRow(deps, scope, ref)
  const current = agentOf(row)
  const next = applyUpdate(current, body, body.updateMask)
  validateAgentSpec(next.spec)
  const updated = await updateResource(deps.db, 'agents', row.id, {
    ...metadataColumns(next.metadata),
    spec: JSON.stringify(next.spec),
  }).catch((err) => rethrowUnique(err, 'an agent'))
  return (await withInfo(deps, [updated]))[0]!
}

export async function deleteAgent(deps: Deps, scope: Scope, ref: string): Promise<void> {
  const row = await findAgentRow(deps, scope, ref)
  await deleteResource(deps.db, 'agents', row.id)
}
