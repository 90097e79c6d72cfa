import { route, type RouteDef } from '../route.ts'
import { SearchQuery, SearchToolsOrToolSetsResponse } from './search.schema.ts'
import { searchToolsOrToolSets } from './search.service.ts'

export const searchRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/search/tools_or_tool_sets',
    scope: 'workspace',
    operationId: 'searchToolsOrToolSets',
    summary: 'Find agents, tools and tool sets by name or description',
    tags: ['Search'],
    query: SearchQuery,
    response: SearchToolsOrToolSetsResponse,
    handler: ({ deps, scope, query }) => searchToolsOrToolSets(deps, scope, query),
  }),
]
