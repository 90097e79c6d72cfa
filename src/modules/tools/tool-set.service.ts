import type { Selectable } from 'kysely'
import type { ResourceColumns, ToolSetEventTable } from '../../db/schema.ts'
import { deleteResource, findResource, insertResource, updateResource } from '../../db/resources.ts'
import { notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
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
import {
  ToolSetSpec,
  type CreateToolSetBody,
  type ListToolSetEventsQuery,
  type ListToolSetsQuery,
  type ToolSet,
  type ToolSetEvent,
  type UpdateToolSetBody,
} from './tool-set.schema.ts'
import { checkToolTemplate } from './tool-template.ts'
import { countAgentsBySet, countToolsBySet, listToolSetEventRows } from './tools.repository.ts'
import { parseSpec } from './validate.ts'

export type ToolSetRow = Selectable<ResourceColumns>

/** The one row -> ToolSet mapping. */
export function toolSetOf(row: ToolSetRow, info?: ToolSet['info']): ToolSet {
  const spec = row.spec as ToolSetSpec
  const { http, mcp, openapi } = spec.adapter
  return {
    metadata: resourceMetadata(row),
    spec: {
      ...spec,
      description: spec.description ?? '',
      adapter: {
        ...(http ? { http: { ...http, headers: http.headers ?? {} } } : {}),
        ...(mcp ? { mcp: { ...mcp, headers: mcp.headers ?? {} } } : {}),
        ...(openapi ? { openapi: { ...openapi, headers: openapi.headers ?? {} } } : {}),
      },
    },
    ...(info ? { info } : {}),
  }
}

/** Header values are templates too (secret references, arguments): reject ones that cannot parse. */
function validateToolSetSpec(spec: ToolSetSpec): void {
  for (const [kind, adapter] of Object.entries(spec.adapter)) {
    for (const [name, value] of Object.entries(adapter?.headers ?? {})) {
      checkToolTemplate(value, 'none', `spec.adapter.${kind}.headers.${name}`)
    }
  }
}

async function withInfo(deps: Deps, rows: ToolSetRow[]): Promise<ToolSet[]> {
  const ids = rows.map((r) => r.id)
  const [profiles, tools, agents] = await Promise.all([
    loadProfiles(
      deps,
      rows.map((r) => r.profile_id),
    ),
    countToolsBySet(deps.db, ids),
    countAgentsBySet(deps.db, ids),
  ])
  const toolCount = new Map(tools.map((c) => [c.tool_set_id, Number(c.n)]))
  const agentCount = new Map(agents.map((c) => [c.tool_set_id, Number(c.n)]))
  return rows.map((row) =>
    toolSetOf(row, {
      agentCount: agentCount.get(row.id) ?? 0,
      createdBy: profiles.get(row.profile_id),
      toolCount: toolCount.get(row.id) ?? 0,
    }),
  )
}

/** Loads a tool set row of the scope's workspace by id or external id, or throws NotFound. */
export async function findToolSetRow(deps: Deps, scope: Scope, ref: string): Promise<ToolSetRow> {
  const row = await findResource(deps.db, 'tool_sets', scope.workspaceId, parseIdRef(ref))
  if (!row) throw notFound('tool set', ref)
  return row
}

export async function createToolSet(
  deps: Deps,
  scope: Scope,
  body: CreateToolSetBody,
): Promise<ToolSet> {
  validateToolSetSpec(body.spec)
  const row = await insertResource(deps.db, 'tool_sets', {
    ...newResourceColumns(deps.ids('toolSet'), scope, body.metadata),
    spec: JSON.stringify(body.spec),
  }).catch((err) => rethrowUnique(err, 'a tool set'))
  return (await withInfo(deps, [row]))[0]!
}

export async function getToolSet(deps: Deps, scope: Scope, ref: string): Promise<ToolSet> {
  return (await withInfo(deps, [await findToolSetRow(deps, scope, ref)]))[0]!
}

export async function listToolSets(
  deps: Deps,
  scope: Scope,
  query: ListToolSetsQuery,
): Promise<Page<ToolSet>> {
  return listNamedResources(deps, 'tool_sets', scope, query, {
    map: (r) => toolSetOf(r),
    withInfo: (rows) => withInfo(deps, rows),
  })
}

export async function updateToolSet(
  deps: Deps,
  scope: Scope,
  ref: string,
  body: UpdateToolSetBody,
): Promise<ToolSet> {
  const row = await findToolSetRow(deps, scope, ref)
  const next = applyUpdate(toolSetOf(row), body, body.updateMask)
  const spec = parseSpec(ToolSetSpec, next.spec)
  validateToolSetSpec(spec)
  const updated = await updateResource(deps.db, 'tool_sets', row.id, {
    ...metadataColumns(next.metadata),
    spec: JSON.stringify(spec),
  }).catch((err) => rethrowUnique(err, 'a tool set'))
  return (await withInfo(deps, [updated]))[0]!
}

export async function deleteToolSet(deps: Deps, scope: Scope, ref: string): Promise<void> {
  const row = await findToolSetRow(deps, scope, ref)
  await deleteResource(deps.db, 'tool_sets', row.id)
}

type ToolSetEventRow = Selectable<ToolSetEventTable>

function toolSetEventOf(row: ToolSetEventRow, info?: ToolSetEvent['info']): ToolSetEvent {
  return {
    metadata: {
      id: row.id,
      accountId: row.account_id,
      workspaceId: row.workspace_id,
      profileId: row.profile_id,
      externalId: '',
      labels: {},
      createdAt: row.created_at.toISOString(),
    },
    toolSetId: row.tool_set_id,
    event: row.event as ToolSetEvent['event'],
    ...(info ? { info } : {}),
  }
}

/** Sync history of a tool set (MCP/OpenAPI syncs write it; HTTP tool sets have none). */
export async function listToolSetEvents(
  deps: Deps,
  scope: Scope,
  toolSetRef: string,
  query: ListToolSetEventsQuery,
): Promise<Page<ToolSetEvent>> {
  const toolSet = await findToolSetRow(deps, scope, toolSetRef)
  const position = decodePageRequest(query)
  const { rows, total } = await listToolSetEventRows(deps.db, toolSet.id, position)
  const page = toPage(rows, position, total, (r) => r)
  if (!query.includeInfo) return { ...page, items: page.items.map((r) => toolSetEventOf(r)) }
  const profiles = await loadProfiles(
    deps,
    page.items.map((r) => r.profile_id),
  )
  const toolSetMetadata = resourceMetadata(toolSet)
  return {
    ...page,
    items: page.items.map((r) =>
      toolSetEventOf(r, { createdBy: profiles.get(r.profile_id), toolSet: toolSetMetadata }),
    ),
  }
}
