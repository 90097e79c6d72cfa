import { z } from 'zod'
import { ResourceMetadata } from '../../lib/schemas.ts'
import { ToolSet } from './tool-set.schema.ts'
import { Tool } from './tool.schema.ts'

export const SearchQuery = z.object({ query: z.string().max(200).optional() })
export type SearchQuery = z.infer<typeof SearchQuery>

// The agents module publishes the Agent type, not its schema: items are documented by their shell.
const AgentItem = z.looseObject({
  metadata: ResourceMetadata,
  spec: z.record(z.string(), z.unknown()),
})

export const SearchToolsOrToolSetsResponse = z
  .object({ agents: z.array(AgentItem), tools: z.array(Tool), toolSets: z.array(ToolSet) })
  .meta({ id: 'SearchToolsOrToolSetsResponse' })
