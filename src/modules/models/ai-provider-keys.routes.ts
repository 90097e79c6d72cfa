import { route, type RouteDef } from '../route.ts'
import { Empty } from '../../lib/schemas.ts'
import {
  AiProviderKey,
  AiProviderKeyPage,
  AiProviderKeyParams,
  CreateAiProviderKeyBody,
  ListAiProviderKeysQuery,
  UpdateAiProviderKeyBody,
} from './ai-provider-key.schema.ts'
import * as keys from './ai-provider-key.service.ts'

const tags = ['AI provider keys']

export const aiProviderKeyRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/ai_provider_keys',
    scope: 'workspace',
    operationId: 'createAiProviderKey',
    summary: 'Store provider credentials (the API key is write-only)',
    tags,
    body: CreateAiProviderKeyBody,
    response: AiProviderKey,
    handler: ({ deps, scope, body }) => keys.createAiProviderKey(deps, scope, body),
  }),
  route({
    method: 'get',
    path: '/ai_provider_keys',
    scope: 'workspace',
    operationId: 'listAiProviderKeys',
    summary: 'List AI provider keys',
    tags,
    query: ListAiProviderKeysQuery,
    response: AiProviderKeyPage,
    handler: ({ deps, scope, query }) => keys.listAiProviderKeys(deps, scope, query),
  }),
  route({
    method: 'get',
    path: '/ai_provider_keys/{id}',
    scope: 'workspace',
    operationId: 'getAiProviderKey',
    summary: 'Get an AI provider key',
    tags,
    params: AiProviderKeyParams,
    response: AiProviderKey,
    handler: ({ deps, scope, params }) => keys.getAiProviderKey(deps, scope, params.id),
  }),
  route({
    method: 'patch',
    path: '/ai_provider_keys/{id}',
    alsoMethods: ['put'],
    scope: 'workspace',
    operationId: 'updateAiProviderKey',
    summary: 'Update an AI provider key (its models follow)',
    tags,
    params: AiProviderKeyParams,
    body: UpdateAiProviderKeyBody,
    response: AiProviderKey,
    handler: ({ deps, scope, params, body }) =>
      keys.updateAiProviderKey(deps, scope, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/ai_provider_keys/{id}',
    scope: 'workspace',
    operationId: 'deleteAiProviderKey',
    summary: 'Delete an AI provider key and the models it contributed',
    tags,
    params: AiProviderKeyParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      await keys.deleteAiProviderKey(deps, scope, params.id)
      return {}
    },
  }),
]
