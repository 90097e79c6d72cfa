import type { Selectable } from 'kysely'
import { parse as parseYaml } from 'yaml'
import type { ToolSetEventTable } from '../../db/schema.ts'
import type { ApiFamily } from '../../lib/api-family.ts'
import { deleteResource, findResource, insertResource, updateResource } from '../../db/resources.ts'
import { failedPrecondition, fieldError, notFound } from '../../lib/errors.ts'
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
import {
  countAgentsBySet,
  countToolsBySet,
  listToolSetEventRows,
  type ToolSetRow,
} from './tools.repository.ts'
import { parseSpec } from './validate.ts'
import {
  applySync,
  fetchToolSetTools,
  SyncError,
  syncToolSet,
  type FetchedTools,
} from './sync.service.ts'

export type { ToolSetRow }

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

/**
 * A tool set as a family serves it: the workspace family (the newest API's paths) adds the
 * adapter's union tag `type`; the implicit family serves the adapter exactly as written
 * (docs/decisions.md decision 21).
 */
export function presentToolSet(toolSet: ToolSet, family: ApiFamily): ToolSet {
  if (family !== 'workspace') return toolSet
  const { http, mcp, openapi } = toolSet.spec.adapter
  const type = http ? 'http' : mcp ? 'mcp' : openapi ? 'openapi' : undefined
  if (!type) return toolSet
  return { ...toolSet, spec: { ...toolSet.spec, adapter: { type, ...toolSet.spec.adapter } } }
}

/** A spec as stored: the adapter's union `type` is derived from its key, so it is not kept. */
function storedSpec(spec: ToolSetSpec): ToolSetSpec {
  const { type: _type, ...adapter } = spec.adapter
  return { ...spec, adapter }
}

/** Header values are templates too (secret references, arguments): reject ones that cannot parse. */
export function validateToolSetSpec(spec: ToolSetSpec): void {
  for (const kind of ['http', 'mcp', 'openapi'] as const) {
    const adapter = spec.adapter[kind]
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
      ...(row.last_sync_at ? { lastSync: row.last_sync_at.toISOString() } : {}),
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
  const document = await readDocumentFirst(deps, scope.workspaceId, undefined, body.spec)
  const row = await insertResource(deps.db, 'tool_sets', {
    ...newResourceColumns(deps.ids('toolSet'), scope, body.metadata),
    spec: JSON.stringify(storedSpec(body.spec)),
  }).catch((err) => rethrowUnique(err, 'a tool set'))
  return withInfoAfterSync(deps, row, scope.profileId, document)
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
  const current = toolSetOf(row)
  current.spec = storedSpec(current.spec)
  const next = applyUpdate(current, body, body.updateMask)
  const spec = storedSpec(parseSpec(ToolSetSpec, next.spec))
  validateToolSetSpec(spec)
  const document = await readDocumentFirst(deps, scope.workspaceId, row.id, spec)
  const updated = await updateResource(deps.db, 'tool_sets', row.id, {
    ...metadataColumns(next.metadata),
    spec: JSON.stringify(spec),
  }).catch((err) => rethrowUnique(err, 'a tool set'))
  return withInfoAfterSync(deps, updated, scope.profileId, document)
}

/**
 * An OpenAPI document is read and parsed before a create or update writes anything: a document
 * that cannot be used is a 400 with the parser's message, and nothing changes.
 */
export async function readDocumentFirst(
  deps: Deps,
  workspaceId: string,
  toolSetId: string | undefined,
  spec: ToolSetSpec,
): Promise<FetchedTools | undefined> {
  const openapi = spec.adapter.openapi
  if (!openapi) return undefined
  if (!openapi.url) {
    throw fieldError(
      'spec.adapter.openapi.uploadId',
      'uploads are not available in this server: give the document as url',
    )
  }
  try {
    return await fetchToolSetTools(deps, workspaceId, toolSetId, spec)
  } catch (err) {
    if (err instanceof SyncError) throw fieldError('spec.adapter.openapi.url', err.message)
    throw err
  }
}

/**
 * After a create or update, an MCP or OpenAPI set is synced before the answer, so the client
 * sees its tools. An MCP server that cannot be reached is not an error here: the failure is a
 * `sync_failed` event and the tools already synced stay.
 */
export async function withInfoAfterSync(
  deps: Deps,
  row: ToolSetRow,
  profileId: string,
  document: FetchedTools | undefined,
): Promise<ToolSet> {
  const { mcp } = (row.spec as ToolSetSpec).adapter
  if (document) await applySync(deps, row, document, profileId)
  else if (mcp) await syncToolSet(deps, row, profileId)
  const fresh = await findResource(deps.db, 'tool_sets', row.workspace_id, { id: row.id })
  return (await withInfo(deps, [fresh ?? row]))[0]!
}

/** `POST .../tool_sets/{id}/sync`: syncs now; a failure is recorded and answered as an error. */
export async function syncToolSetNow(deps: Deps, scope: Scope, ref: string): Promise<ToolSet> {
  const row = await findToolSetRow(deps, scope, ref)
  const { mcp, openapi } = (row.spec as ToolSetSpec).adapter
  if (!mcp && !openapi) {
    throw failedPrecondition('only MCP and OpenAPI tool sets are synced; HTTP tools are edited')
  }
  const result = await syncToolSet(deps, row, scope.profileId)
  if (!result.ok) {
    throw failedPrecondition(`sync failed, the previous tools are kept: ${result.message}`)
  }
  return getToolSet(deps, scope, row.id)
}

/** The OpenAPI document of the last successful sync, as JSON (a YAML document is converted). */
export async function getOpenApiSpec(
  deps: Deps,
  scope: Scope,
  ref: string,
): Promise<Record<string, unknown>> {
  const row = await findToolSetRow(deps, scope, ref)
  if (!(row.spec as ToolSetSpec).adapter.openapi) {
    throw failedPrecondition(`tool set ${row.id} is not an OpenAPI tool set`)
  }
  if (row.openapi_document === null) {
    throw failedPrecondition(`tool set ${row.id} has no synced document yet`)
  }
  const text = row.openapi_document
  return text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text)
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
