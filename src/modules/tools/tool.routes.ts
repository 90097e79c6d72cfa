import { route, type RouteDef } from '../route.ts'
import { Empty } from '../../lib/schemas.ts'
import { ToolSetChildParams } from './tool-set.schema.ts'
import {
  CreateToolBody,
  ListToolsQuery,
  Tool,
  ToolPage,
  ToolParams,
  UpdateToolBody,
} from './tool.schema.ts'
import * as tools from './tool.service.ts'

const tags = ['Tools']

export const toolItemRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/tool_sets/{toolSetId}/tools',
    scope: 'workspace',
    operationId: 'createTool',
    summary: 'Create a tool in a tool set',
    tags,
    params: ToolSetChildParams,
    body: CreateToolBody,
    response: Tool,
    handler: ({ deps, scope, params, body }) =>
      tools.createTool(deps, scope, params.toolSetId, body),
  }),
  route({
    method: 'get',
    path: '/tool_sets/{toolSetId}/tools',
    scope: 'workspace',
    operationId: 'listTools',
    summary: "List a tool set's tools",
    tags,
    params: ToolSetChildParams,
    query: ListToolsQuery,
    response: ToolPage,
    handler: ({ deps, scope, params, query }) =>
      tools.listTools(deps, scope, params.toolSetId, query),
  }),
  route({
    method: 'get',
    path: '/tool_sets/{toolSetId}/tools/{id}',
    scope: 'workspace',
    operationId: 'getTool',
    summary: 'Get a tool',
    tags,
    params: ToolParams,
    response: Tool,
    handler: ({ deps, scope, params }) => tools.getTool(deps, scope, params.toolSetId, params.id),
  }),
  route({
    method: 'put',
    path: '/tool_sets/{toolSetId}/tools/{id}',
    alsoMethods: ['patch'],
    scope: 'workspace',
    operationId: 'updateTool',
    summary: 'Update a tool (updateMask selects the fields)',
    tags,
    params: ToolParams,
    body: UpdateToolBody,
    response: Tool,
    handler: ({ deps, scope, params, body }) =>
      tools.updateTool(deps, scope, params.toolSetId, params.id, body),
  }),
  ...(['omit', 'restore'] as const).map((verb) =>
    route({
      method: 'post',
      path: `/tool_sets/{toolSetId}/tools/{id}/${verb}`,
      scope: 'workspace',
      operationId: `${verb}Tool`,
      summary:
        verb === 'omit'
          ? 'Omit a tool: agents are no longer offered it (spec.status TOOL_STATUS_OMITTED)'
          : 'Restore an omitted tool (spec.status TOOL_STATUS_AVAILABLE)',
      tags,
      params: ToolParams,
      response: Tool,
      handler: ({ deps, scope, params }) =>
        tools.updateTool(deps, scope, params.toolSetId, params.id, {
          spec: { status: verb === 'omit' ? 'TOOL_STATUS_OMITTED' : 'TOOL_STATUS_AVAILABLE' },
          updateMask: 'spec.status',
        }),
    }),
  ),
  route({
    method: 'delete',
    path: '/tool_sets/{toolSetId}/tools/{id}',
    scope: 'workspace',
    operationId: 'deleteTool',
    summary: 'Delete a tool',
    tags,
    params: ToolParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      await tools.deleteTool(deps, scope, params.toolSetId, params.id)
      return {}
    },
  }),
]
