/**
 * The McpToolFilter of MCP and OpenAPI adapters (`includeTools`, `excludeTools`,
 * `toolApprovals.only`): a list of matchers over a tool's name, title or description, joined by
 * AND or OR. Syncs use it to set each tool's status and approval; the engine re-checks approvals.
 */
export interface ToolMatcher {
  exact?: string
  startsWith?: string
  endsWith?: string
  contains?: string
  regex?: string
  caseSensitive?: boolean
}

export interface ToolFilterRules {
  operator?: string
  filters?: { attribute?: string; matcher?: ToolMatcher }[]
}

export interface ApprovalRules {
  always?: boolean
  only?: ToolFilterRules
}

/** What filters read of a tool: for MCP the server's name, title and description. */
export interface FilterSubject {
  name: string
  title: string
  description: string
}

function attributeOf(tool: FilterSubject, attribute: string | undefined): string {
  if (attribute === 'ATTRIBUTE_TITLE') return tool.title
  if (attribute === 'ATTRIBUTE_DESCRIPTION') return tool.description
  return tool.name
}

function matches(value: string, m: ToolMatcher | undefined): boolean {
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

/** Whether a filter selects a tool; a filter without matchers selects nothing. */
export function filterMatches(tool: FilterSubject, f: ToolFilterRules): boolean {
  const results = (f.filters ?? []).map((x) => matches(attributeOf(tool, x.attribute), x.matcher))
  if (results.length === 0) return false
  // UNSPECIFIED reads as OR: a list of patterns, any of which selects the tool.
  return f.operator === 'OPERATOR_AND' ? results.every(Boolean) : results.some(Boolean)
}

/** `always`, or the `only` filter selects the tool. */
export function approvalRequired(tool: FilterSubject, rules: ApprovalRules | undefined): boolean {
  if (!rules) return false
  if (rules.always) return true
  return rules.only ? filterMatches(tool, rules.only) : false
}
