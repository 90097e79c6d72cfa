import type { Deps } from '../deps.ts'
import type { OpenApiCall } from './openapi-document.ts'
import type { ToolSet } from './tool-set.schema.ts'
import { toolSetOf } from './tool-set.service.ts'
import type { Tool } from './tool.schema.ts'
import { toolOf } from './tool.service.ts'
import { findToolSetsByIds, findVariationToolRows } from './tools.repository.ts'

/** A tool as the engine runs it: the tool and the tool set that says where and how to call it. */
export interface ToolSnapshot {
  tool: Tool
  toolSet: ToolSet
  /** Where the arguments of a tool synced from an OpenAPI document go. */
  openapiCall?: OpenApiCall
}

/**
 * The tools a variation can call: directly assigned tools plus every tool of assigned tool sets,
 * each once, in assignment order then tool order. Only AVAILABLE tools are callable; archived,
 * filtered and omitted ones are left out even when assigned directly.
 */
export async function loadVariationTools(
  deps: Deps,
  workspaceId: string,
  variationId: string,
): Promise<ToolSnapshot[]> {
  const rows = await findVariationToolRows(deps.db, workspaceId, variationId)
  const toolSets = await findToolSetsByIds(deps.db, [...new Set(rows.map((r) => r.tool_set_id))])
  const setOf = new Map(toolSets.map((s) => [s.id, toolSetOf(s)]))
  const seen = new Set<string>()
  const snapshots: ToolSnapshot[] = []
  for (const row of rows) {
    if (seen.has(row.id)) continue
    seen.add(row.id)
    const tool = toolOf(row)
    const toolSet = setOf.get(row.tool_set_id)
    if (tool.spec.status !== 'TOOL_STATUS_AVAILABLE' || !toolSet) continue
    if (toolSet.state === 'TOOL_SET_STATE_ARCHIVED') continue
    const openapiCall = row.openapi_call as OpenApiCall | null
    snapshots.push({ tool, toolSet, ...(openapiCall ? { openapiCall } : {}) })
  }
  return snapshots
}
