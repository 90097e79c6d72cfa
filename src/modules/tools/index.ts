/**
 * Tools: tool sets (HTTP, MCP, OpenAPI adapters), their tools, search over them, and what a
 * variation can call. The engine executes tools from the snapshots `loadVariationTools` returns.
 */
import type { RouteDef } from '../route.ts'
import { toolSetRoutes } from './tool-set.routes.ts'
import { searchRoutes } from './search.routes.ts'
import { toolItemRoutes } from './tool.routes.ts'

/** Every route of the module: tool sets, tools and search. */
export const toolRoutes: RouteDef[] = [...toolSetRoutes, ...toolItemRoutes, ...searchRoutes]

export { loadVariationTools, type ToolSnapshot } from './variation-tools.ts'
export { functionName, toolFunctionName, toolOf } from './tool.service.ts'
export {
  findToolSetRow,
  readDocumentFirst,
  toolSetOf,
  validateToolSetSpec,
  withInfoAfterSync,
  type ToolSetRow,
} from './tool-set.service.ts'
export { validateToolSpec } from './tool-spec.validation.ts'
export type { ToolRow } from './tool.service.ts'
export {
  approvalRequired,
  type ApprovalRules,
  type FilterSubject,
  type ToolFilterRules,
} from './tool-filter.ts'
export { connectMcp, type McpEndpoint } from './mcp-client.ts'
export type { OpenApiCall } from './openapi-document.ts'
export { ToolSetSyncer } from './sync-scheduler.ts'
export {
  parseToolTemplate,
  SECRET_REFERENCE,
  type TemplateEscape,
  type ToolTemplate,
} from './tool-template.ts'
export type { ToolSet, ToolSetSpec } from './tool-set.schema.ts'
export { ToolSet as ToolSetSchema, ToolSetSpec as ToolSetSpecSchema } from './tool-set.schema.ts'
export { Tool as ToolSchema, ToolSpec as ToolSpecSchema } from './tool.schema.ts'
export type { ConfigHTTP, Tool, ToolSpec, ToolStatus } from './tool.schema.ts'
export { queryPairs } from './query-template.ts'
