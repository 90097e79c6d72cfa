import { agentOf, type Agent } from '../agents/index.ts'
import type { Deps, Scope } from '../deps.ts'
import type { SearchQuery } from './search.schema.ts'
import type { ToolSet } from './tool-set.schema.ts'
import type { Tool } from './tool.schema.ts'
import { toolSetOf } from './tool-set.service.ts'
import { toolOf } from './tool.service.ts'
import { searchResources } from './tools.repository.ts'
import { likeContains } from './validate.ts'

/** Each kind of result is capped: the search is not paginated. */
export const MAX_SEARCH_RESULTS = 50

/** Agents, tools and tool sets whose name or description contains the query (any case). */
export async function searchToolsOrToolSets(
  deps: Deps,
  scope: Scope,
  query: SearchQuery,
): Promise<{ agents: Agent[]; tools: Tool[]; toolSets: ToolSet[] }> {
  const pattern = likeContains((query.query ?? '').trim())
  const find = <T extends 'agents' | 'tools' | 'tool_sets'>(table: T) =>
    searchResources(deps.db, table, scope.workspaceId, pattern, MAX_SEARCH_RESULTS)
  const [agents, tools, toolSets] = await Promise.all([
    find('agents'),
    find('tools'),
    find('tool_sets'),
  ])
  return {
    agents: agents.map((r) => agentOf(r)),
    tools: tools.map((r) => toolOf(r as unknown as Parameters<typeof toolOf>[0])),
    toolSets: toolSets.map((r) => toolSetOf(r)),
  }
}
