import { route, type RouteDef } from '../route.ts'
import { Empty } from '../../lib/schemas.ts'
import {
  Agent,
  AgentChildParams,
  AgentIdParams,
  AgentPage,
  AgentVariation,
  CreateAgentBody,
  CreateVariationBody,
  ListAgentsQuery,
  ListVariationsQuery,
  UpdateAgentBody,
  UpdateVariationBody,
  VariationPage,
  VariationParams,
} from './agent.schema.ts'
import * as agents from './agent.service.ts'
import * as variations from './variation.service.ts'
import { presentVariation } from './discovery-names.ts'

const tags = ['Agents']

export const agentRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/agents',
    scope: 'workspace',
    operationId: 'createAgent',
    summary: 'Create an agent, optionally with a default variation',
    tags,
    body: CreateAgentBody,
    response: Agent,
    handler: ({ deps, scope, body }) => agents.createAgent(deps, scope, body),
  }),
  route({
    method: 'get',
    path: '/agents',
    scope: 'workspace',
    operationId: 'listAgents',
    summary: 'List agents',
    tags,
    query: ListAgentsQuery,
    response: AgentPage,
    handler: ({ deps, scope, query }) => agents.listAgents(deps, scope, query),
  }),
  route({
    method: 'get',
    path: '/agents/{id}',
    scope: 'workspace',
    operationId: 'getAgent',
    summary: 'Get an agent',
    tags,
    params: AgentIdParams,
    response: Agent,
    handler: ({ deps, scope, params }) => agents.getAgent(deps, scope, params.id),
  }),
  route({
    method: 'patch',
    path: '/agents/{id}',
    alsoMethods: ['put'],
    scope: 'workspace',
    operationId: 'updateAgent',
    summary: 'Update an agent (updateMask selects the fields)',
    tags,
    params: AgentIdParams,
    body: UpdateAgentBody,
    response: Agent,
    handler: ({ deps, scope, params, body }) => agents.updateAgent(deps, scope, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/agents/{id}',
    scope: 'workspace',
    operationId: 'deleteAgent',
    summary: 'Delete an agent and its variations',
    tags,
    params: AgentIdParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      await agents.deleteAgent(deps, scope, params.id)
      return {}
    },
  }),
  route({
    method: 'post',
    path: '/agents/{agentId}/variations',
    scope: 'workspace',
    operationId: 'createAgentVariation',
    summary: 'Create a variation of an agent',
    tags,
    params: AgentChildParams,
    body: CreateVariationBody,
    response: AgentVariation,
    handler: async ({ deps, scope, params, body, family }) =>
      presentVariation(await variations.createVariation(deps, scope, params.agentId, body), family),
  }),
  route({
    method: 'get',
    path: '/agents/{agentId}/variations',
    scope: 'workspace',
    operationId: 'listAgentVariations',
    summary: "List an agent's variations",
    tags,
    params: AgentChildParams,
    query: ListVariationsQuery,
    response: VariationPage,
    handler: async ({ deps, scope, params, query, family }) => {
      const page = await variations.listVariations(deps, scope, params.agentId, query)
      return { ...page, items: page.items.map((v) => presentVariation(v, family)) }
    },
  }),
  route({
    method: 'get',
    path: '/agents/{agentId}/variations/{id}',
    scope: 'workspace',
    operationId: 'getAgentVariation',
    summary: 'Get a variation',
    tags,
    params: VariationParams,
    response: AgentVariation,
    handler: async ({ deps, scope, params, family }) =>
      presentVariation(
        await variations.getVariation(deps, scope, params.agentId, params.id),
        family,
      ),
  }),
  route({
    method: 'patch',
    path: '/agents/{agentId}/variations/{id}',
    alsoMethods: ['put'],
    scope: 'workspace',
    operationId: 'updateAgentVariation',
    summary: 'Update a variation (updateMask selects the fields)',
    tags,
    params: VariationParams,
    body: UpdateVariationBody,
    response: AgentVariation,
    handler: async ({ deps, scope, params, body, family }) =>
      presentVariation(
        await variations.updateVariation(deps, scope, params.agentId, params.id, body),
        family,
      ),
  }),
  route({
    method: 'delete',
    path: '/agents/{agentId}/variations/{id}',
    scope: 'workspace',
    operationId: 'deleteAgentVariation',
    summary: 'Delete a variation',
    tags,
    params: VariationParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      await variations.deleteVariation(deps, scope, params.agentId, params.id)
      return {}
    },
  }),
]
