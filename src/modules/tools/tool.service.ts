import type { Selectable } from 'kysely'
import type { ToolTable } from '../../db/schema.ts'
import { deleteResource, findResource, insertResource, updateResource } from '../../db/resources.ts'
import { alreadyExists, notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
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
import { findToolSetRow, type ToolSetRow } from './tool-set.service.ts'
import {
  functionName,
  ToolSpec,
  type CreateToolBody,
  type ListToolsQuery,
  type Tool,
  type UpdateToolBody,
} from './tool.schema.ts'
import { validateToolSpec } from './tool-spec.validation.ts'
import { findToolSetsByIds, findToolsOfSet, lockToolSet } from './tools.repository.ts'
import { queryString } from './query-template.ts'
import { parseSpec } from './validate.ts'

export type ToolRow = Selectable<ToolTable>

const EMPTY_PARAMETERS = { type: 'object', properties: {} }

/** The one row -> Tool mapping. */
export function toolOf(row: ToolRow, info?: Tool['info']): Tool {
  const spec = row.spec as ToolSpec
  const http = spec.config?.http
  return {
    metadata: resourceMetadata(row),
    spec: {
      ...spec,
      config: {
        ...spec.config,
        ...(http
          ? {
              http: {
                ...http,
                path: http.path ?? '',
                query: queryString(http.query),
                headers: http.headers ?? {},
                requestBodyTemplate: http.requestBodyTemplate ?? '',
                requestBodyContentType: http.requestBodyContentType ?? '',
                toolName: http.toolName ?? '',
              },
            }
          : {}),
      },
      description: spec.description ?? '',
      parameters: spec.parameters ?? EMPTY_PARAMETERS,
      status:
        !spec.status || spec.status === 'TOOL_STATUS_UNSPECIFIED'
          ? 'TOOL_STATUS_AVAILABLE'
          : spec.status,
      requiresApproval: spec.requiresApproval ?? false,
    },
    ...(info ? { info } : {}),
  }
}

/** The name the model calls a tool by: unique within its tool set. */
export function toolFunctionName(tool: Pick<Tool, 'metadata' | 'spec'>): string {
  const config = tool.spec.config
  const raw =
    config.http?.toolName ||
    config.mcp?.toolName ||
    config.openapi?.operationId ||
    tool.metadata.name
  return functionName(raw, 'tool')
}

export { functionName }

/** Function names must stay unique in a tool set; the set row is locked by the caller. */
async function assertUniqueFunctionName(deps: Deps, tool: Tool, toolSetId: string): Promise<void> {
  const name = toolFunctionName(tool)
  const others = await findToolsOfSet(deps.db, toolSetId)
  const clash = others.find(
    (r) => r.id !== tool.metadata.id && toolFunctionName(toolOf(r)) === name,
  )
  if (clash) {
    throw alreadyExists(
      `tool ${JSON.stringify(clash.name)} in this tool set is already called ${JSON.stringify(name)}`,
    )
  }
}

async function withInfo(deps: Deps, rows: ToolRow[]): Promise<Tool[]> {
  const [profiles, toolSets] = await Promise.all([
    loadProfiles(
      deps,
      rows.map((r) => r.profile_id),
    ),
    findToolSetsByIds(deps.db, [...new Set(rows.map((r) => r.tool_set_id))]),
  ])
  const setOf = new Map(toolSets.map((s) => [s.id, resourceMetadata(s)]))
  return rows.map((row) =>
    toolOf(row, { createdBy: profiles.get(row.profile_id), toolSet: setOf.get(row.tool_set_id)! }),
  )
}

async function findToolRow(deps: Deps, toolSet: ToolSetRow, ref: string): Promise<ToolRow> {
  const row = await findResource(deps.db, 'tools', toolSet.workspace_id, parseIdRef(ref), (qb) =>
    qb.where('tool_set_id', '=', toolSet.id),
  )
  if (!row) throw notFound('tool', ref)
  return row
}

export async function createTool(
  deps: Deps,
  scope: Scope,
  toolSetRef: string,
  body: CreateToolBody,
): Promise<Tool> {
  const toolSet = await findToolSetRow(deps, scope, toolSetRef)
  validateToolSpec(body.spec, toolSet)
  const id = deps.ids('tool')
  const row = await deps.db
    .transaction()
    .execute(async (trx) => {
      await lockToolSet(trx, toolSet.id)
      const draft = { metadata: { id, name: body.metadata.name }, spec: body.spec }
      await assertUniqueFunctionName({ ...deps, db: trx }, draft as Tool, toolSet.id)
      return insertResource(trx, 'tools', {
        ...newResourceColumns(id, scope, body.metadata),
        tool_set_id: toolSet.id,
        spec: JSON.stringify(body.spec),
      })
    })
    .catch((err) => rethrowUnique(err, 'a tool'))
  return (await withInfo(deps, [row]))[0]!
}

export async function getTool(
  deps: Deps,
  scope: Scope,
  toolSetRef: string,
  ref: string,
): Promise<Tool> {
  const toolSet = await findToolSetRow(deps, scope, toolSetRef)
  return (await withInfo(deps, [await findToolRow(deps, toolSet, ref)]))[0]!
}

export async function listTools(
  deps: Deps,
  scope: Scope,
  toolSetRef: string,
  query: ListToolsQuery,
): Promise<Page<Tool>> {
  const toolSet = await findToolSetRow(deps, scope, toolSetRef)
  return listNamedResources(deps, 'tools', scope, query, {
    filter: (qb) => qb.where('tool_set_id', '=', toolSet.id),
    map: (r) => toolOf(r),
    withInfo: (rows) => withInfo(deps, rows),
  })
}

export async function updateTool(
  deps: Deps,
  scope: Scope,
  toolSetRef: string,
  ref: string,
  body: UpdateToolBody,
): Promise<Tool> {
  const toolSet = await findToolSetRow(deps, scope, toolSetRef)
  const row = await findToolRow(deps, toolSet, ref)
  const next = applyUpdate(toolOf(row), body, body.updateMask)
  const spec = parseSpec(ToolSpec, next.spec)
  validateToolSpec(spec, toolSet)
  const updated = await deps.db
    .transaction()
    .execute(async (trx) => {
      await lockToolSet(trx, toolSet.id)
      await assertUniqueFunctionName({ ...deps, db: trx }, { ...next, spec }, toolSet.id)
      return updateResource(trx, 'tools', row.id, {
        ...metadataColumns(next.metadata),
        spec: JSON.stringify(spec),
      })
    })
    .catch((err) => rethrowUnique(err, 'a tool'))
  return (await withInfo(deps, [updated]))[0]!
}

export async function deleteTool(
  deps: Deps,
  scope: Scope,
  toolSetRef: string,
  ref: string,
): Promise<void> {
  const toolSet = await findToolSetRow(deps, scope, toolSetRef)
  const row = await findToolRow(deps, toolSet, ref)
  await deleteResource(deps.db, 'tools', row.id)
}
