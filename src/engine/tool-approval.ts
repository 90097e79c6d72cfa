import {
  approvalRequired,
  type ApprovalRules,
  type FilterSubject,
  type Tool,
  type ToolSet,
} from '../modules/tools/index.ts'

function subjectOf(tool: Tool): FilterSubject {
  const mcp = tool.spec.config.mcp
  return {
    name: mcp?.toolName || tool.spec.config.openapi?.operationId || tool.metadata.name,
    title: mcp?.toolTitle ?? '',
    description: mcp?.toolDescription || (tool.spec.description ?? ''),
  }
}

/**
 * Whether a call of this tool waits for a human: the tool says so, or its tool set's
 * `toolApprovals` rules (MCP and OpenAPI adapters) select it — `always`, or the `only` filter.
 */
export function needsApproval(tool: Tool, toolSet: ToolSet | undefined): boolean {
  if (tool.spec.requiresApproval) return true
  const adapter = toolSet?.spec.adapter as
    | { mcp?: { toolApprovals?: ApprovalRules }; openapi?: { toolApprovals?: ApprovalRules } }
    | undefined
  return approvalRequired(
    subjectOf(tool),
    adapter?.mcp?.toolApprovals ?? adapter?.openapi?.toolApprovals,
  )
}
