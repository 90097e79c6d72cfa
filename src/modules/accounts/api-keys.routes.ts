import { route, type RouteDef } from '../route.ts'
import { Empty } from '../../lib/schemas.ts'
import { WorkspacePage, ListKeyWorkspacesQuery } from './account.schema.ts'
import {
  ApiKey,
  ApiKeyPage,
  ApiKeyParams,
  CreateAccountApiKeyBody,
  CreateApiKeyBody,
  GrantParams,
  GrantWorkspaceBody,
  ListApiKeysQuery,
  UpdateApiKeyBody,
} from './api-key.schema.ts'
import * as access from './api-key-access.service.ts'
import * as keys from './api-key.service.ts'
import type { Scope } from '../deps.ts'

const tags = ['API keys']

/**
 * Read, update, delete and rotate, on both surfaces: seed-004 `/api_keys` (keys homed in the
 * request's workspace) and seed-003 `/account/api_keys` (every key of the account).
 */
function keyRoutes(surface: 'workspace' | 'account'): RouteDef[] {
  const base = surface === 'workspace' ? '/api_keys' : '/account/api_keys'
  const op = surface === 'workspace' ? 'ApiKey' : 'AccountApiKey'
  const within = (scope: Scope) => (surface === 'workspace' ? scope.workspaceId : undefined)
  return [
    route({
      method: 'get',
      path: base,
      scope: surface,
      operationId: `list${op}s`,
      summary: 'List API keys (tokens are never included)',
      tags,
      query: ListApiKeysQuery,
      response: ApiKeyPage,
      handler: ({ deps, scope, query }) => keys.listApiKeys(deps, scope, query, within(scope)),
    }),
    route({
      method: 'get',
      path: `${base}/{id}`,
      scope: surface,
      access: 'anyKey',
      operationId: `get${op}`,
      summary: 'Get an API key (its token is never included)',
      tags,
      params: ApiKeyParams,
      response: ApiKey,
      handler: ({ deps, scope, params }) => keys.getApiKey(deps, scope, params.id, within(scope)),
    }),
    route({
      method: 'patch',
      path: `${base}/{id}`,
      alsoMethods: ['put'],
      scope: surface,
      operationId: `update${op}`,
      summary: 'Update an API key (updateMask selects the fields)',
      tags,
      params: ApiKeyParams,
      body: UpdateApiKeyBody,
      response: ApiKey,
      handler: ({ deps, scope, params, body }) =>
        keys.updateApiKey(deps, scope, params.id, within(scope), body),
    }),
    route({
      method: 'delete',
      path: `${base}/{id}`,
      scope: surface,
      operationId: `delete${op}`,
      summary: 'Delete an API key; its token stops working (a key cannot delete itself)',
      tags,
      params: ApiKeyParams,
      response: Empty,
      handler: async ({ deps, scope, params }) => {
        await keys.deleteApiKey(deps, scope, params.id, within(scope))
        return {}
      },
    }),
    route({
      method: 'put',
      path: `${base}/{id}/rotate`,
      // POST serves the newest API's `api_keys/{id}:rotate` colon verb.
      alsoMethods: ['post'],
      scope: surface,
      access: 'anyKey',
      operationId: `rotate${op}`,
      summary: 'Issue a new token; the old one stops working at once',
      tags,
      params: ApiKeyParams,
      response: ApiKey,
      handler: ({ deps, scope, params }) =>
        keys.rotateApiKey(deps, scope, params.id, within(scope)),
    }),
    ...(['enable', 'disable'] as const).map((verb) =>
      route({
        method: 'post',
        path: `${base}/{id}/${verb}`,
        scope: surface,
        access: 'anyKey',
        operationId: `${verb}${op}`,
        summary:
          verb === 'enable'
            ? 'Enable an API key: its token works again'
            : 'Disable an API key: its token stops working until it is enabled (not the calling key)',
        tags,
        params: ApiKeyParams,
        response: ApiKey,
        handler: ({ deps, scope, params }) =>
          keys.setApiKeyEnabled(deps, scope, params.id, within(scope), verb === 'enable'),
      }),
    ),
  ]
}

export const apiKeyRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/api_keys',
    scope: 'workspace',
    operationId: 'createApiKey',
    summary: "Create an API key homed in the request's workspace; the token is shown once",
    tags,
    body: CreateApiKeyBody,
    response: ApiKey,
    handler: ({ deps, scope, body }) => keys.createApiKey(deps, scope, scope.workspaceId, body),
  }),
  ...keyRoutes('workspace'),
  route({
    method: 'post',
    path: '/account/api_keys',
    scope: 'account',
    operationId: 'createAccountApiKey',
    summary: "Create an API key (homed in workspaceId or the caller's workspace); token shown once",
    tags,
    body: CreateAccountApiKeyBody,
    response: ApiKey,
    handler: ({ deps, scope, body }) => access.createAccountApiKey(deps, scope, body),
  }),
  ...keyRoutes('account'),
  route({
    method: 'get',
    path: '/account/api_keys/{id}/workspaces',
    scope: 'account',
    access: 'anyKey',
    operationId: 'listApiKeyWorkspaces',
    summary: 'List the workspaces an API key may act in',
    tags,
    params: ApiKeyParams,
    query: ListKeyWorkspacesQuery,
    response: WorkspacePage,
    handler: ({ deps, scope, params, query }) =>
      access.listApiKeyWorkspaces(deps, scope, params.id, query),
  }),
  route({
    method: 'post',
    path: '/account/api_keys/{id}/workspaces',
    scope: 'account',
    operationId: 'grantApiKeyWorkspace',
    summary: 'Grant an API key access to a workspace (idempotent)',
    tags,
    params: ApiKeyParams,
    body: GrantWorkspaceBody,
    response: ApiKey,
    handler: ({ deps, scope, params, body }) =>
      access.grantApiKeyWorkspace(deps, scope, params.id, body.workspaceId),
  }),
  route({
    method: 'delete',
    path: '/account/api_keys/{id}/workspaces/{grantedWorkspaceId}',
    scope: 'account',
    operationId: 'revokeApiKeyWorkspace',
    summary: "Revoke an API key's access to a workspace (idempotent)",
    tags,
    params: GrantParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      await access.revokeApiKeyWorkspace(deps, scope, params.id, params.grantedWorkspaceId)
      return {}
    },
  }),
]
