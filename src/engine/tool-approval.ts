import type { Tool, ToolSet } from '../modules/tools/index.ts'

interface Matcher {
  exact?: string
  startsWith?: string
  endsWith?: string
  contains?: string
  regex?: string
  caseSensitive?: boolean
}

interface Filter {
  operator?: string
  filters?: { attribute?: string; matcher?: Matcher }[]
}

interface ApprovalRules {
  always?: boolean
  only?: Filter
}

function attributeOf(tool: Tool, attribute: string | undefined): string {
  const mcp = tool.spec.config.mcp
  if (attribute === 'ATTRIBUTE_TITLE') return mcp?.toolTitle ?? ''
  if (attribute === 'ATTRIBUTE_DESCRIPTION')
    return mcp?.toolDescription || (tool.spec.description ?? '')
  return mcp?.toolName || tool.metadata.name
}

function matches(value: string, m: Matcher | undefined): boolean {
  if (!m) return true
  const fold = (s: string) => (m.caseSensitive ? s : s.toLowerCase())
  const v = fold(value)
  if (m.exact !== undefined && v !== fold(m.exact)) return false
  if (m.startsWith !== undefined && !v.startsWith(fold(m.startsWith))) return false
  if (m.endsWith !== undefined && !v.endsWith(fold(m.endsWith))) return false
  if (m.contains !== undefined && !v.includes(fold(m.contains))) return false
  if (m.regex !== undefined && !new RegExp(m.regex, m.caseSensitive ? '' : 'i').test(value)) {
    return false
  }
  return true
}

function filterMatches(tool: Tool, f: Filter): boolean {
  const results = (f.filters ?? []).map((x) => matches(attributeOf(tool, x.attribute), x.matcher))
  if (results.length === 0) return false
  // UNSPECIFIED reads as OR: a list of patterns, any of which selects the tool.
  return f.operator === 'OPERATOR_AND' ? results.every(Boolean) : results.some(Boolean)
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
  const rules = adapter?.mcp?.toolApprovals ?? adapter?.openapi?.toolApprovals
  if (!rules) return false
  if (rules.always) return true
  return rules.only ? filterMatches(tool, rules.only) : false
}
