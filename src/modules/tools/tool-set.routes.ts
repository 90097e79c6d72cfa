import { z } from 'zod'
import { route, type RouteDef } from '../route.ts'
import { Empty } from '../../lib/schemas.ts'
import {
  CreateToolSetBody,
  ListToolSetEventsQuery,
  ListToolSetsQuery,
  ToolSet,
  ToolSetChildParams,
  ToolSetEventPage,
  ToolSetIdParams,
  ToolSetPage,
  UpdateToolSetBody,
} from './tool-set.schema.ts'
import * as toolSets from './tool-set.service.ts'

const tags = ['Tool sets']

export const toolSetRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/tool_sets',
    scope: 'workspace',
    operationId: 'createToolSet',
    summary: 'Create a tool set (HTTP, MCP or OpenAPI adapter)',
    tags,
    body: CreateToolSetBody,
    response: ToolSet,
    handler: async ({ deps, scope, body, family }) =>
      toolSets.presentToolSet(await toolSets.createToolSet(deps, scope, body), family),
  }),
  route({
    method: 'get',
    path: '/tool_sets',
    scope: 'workspace',
    operationId: 'listToolSets',
    summary: 'List tool sets',
    tags,
    query: ListToolSetsQuery,
    response: ToolSetPage,
    handler: async ({ deps, scope, query, family }) => {
      const page = await toolSets.listToolSets(deps, scope, query)
      return { ...page, items: page.items.map((s) => toolSets.presentToolSet(s, family)) }
    },
  }),
  route({
    method: 'get',
    path: '/tool_sets/{id}',
    scope: 'workspace',
    operationId: 'getToolSet',
    summary: 'Get a tool set',
    tags,
    params: ToolSetIdParams,
    response: ToolSet,
    handler: async ({ deps, scope, params, family }) =>
      toolSets.presentToolSet(await toolSets.getToolSet(deps, scope, params.id), family),
  }),
  route({
    method: 'put',
    path: '/tool_sets/{id}',
    alsoMethods: ['patch'],
    scope: 'workspace',
    operationId: 'updateToolSet',
    summary: 'Update a tool set (updateMask selects the fields)',
    tags,
    params: ToolSetIdParams,
    body: UpdateToolSetBody,
    response: ToolSet,
    handler: async ({ deps, scope, params, body, family }) =>
      toolSets.presentToolSet(await toolSets.updateToolSet(deps, scope, params.id, body), family),
  }),
  route({
    method: 'delete',
    path: '/tool_sets/{id}',
    scope: 'workspace',
    operationId: 'deleteToolSet',
    summary: 'Delete a tool set, its tools and their assignments',
    tags,
    params: ToolSetIdParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      await toolSets.deleteToolSet(deps, scope, params.id)
      return {}
    },
  }),
  route({
    method: 'post',
    path: '/tool_sets/{id}/sync',
    scope: 'workspace',
    operationId: 'syncToolSet',
    summary: 'Sync an MCP or OpenAPI tool set from its server or document now (also `{id}:sync`)',
    tags,
    params: ToolSetIdParams,
    response: ToolSet,
    handler: async ({ deps, scope, params, family }) =>
      toolSets.presentToolSet(await toolSets.syncToolSetNow(deps, scope, params.id), family),
  }),
  route({
    method: 'get',
    path: '/tool_sets/{id}/openapi_spec',
    scope: 'workspace',
    operationId: 'getToolSetOpenApiSpec',
    summary: "The OpenAPI document of an OpenAPI tool set's last successful sync",
    tags,
    params: ToolSetIdParams,
    response: z.record(z.string(), z.unknown()),
    handler: ({ deps, scope, params }) => toolSets.getOpenApiSpec(deps, scope, params.id),
  }),
  route({
    method: 'get',
    path: '/tool_sets/{toolSetId}/events',
    scope: 'workspace',
    operationId: 'listToolSetEvents',
    summary: "List a tool set's sync events",
    tags,
    params: ToolSetChildParams,
    query: ListToolSetEventsQuery,
    response: ToolSetEventPage,
    handler: ({ deps, scope, params, query }) =>
      toolSets.listToolSetEvents(deps, scope, params.toolSetId, query),
  }),
]
