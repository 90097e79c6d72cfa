import { route, type RouteDef } from '../route.ts'
import { Empty } from '../../lib/schemas.ts'
import {
  CreateSecretBody,
  ListSecretsQuery,
  SecretPage,
  SecretParams,
  ToolSetSecret,
  ToolSetSecretPage,
  ToolSetSecretParams,
  ToolSetSecretsParams,
  UpdateSecretBody,
  WorkspaceSecret,
} from './secret.schema.ts'
import * as secrets from './secret.service.ts'
import { toolSetStore, workspaceStore } from './secret.service.ts'

const tags = ['Workspace secrets']
const toolSetTags = ['Tool set secrets']

export const secretRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/workspace_secrets',
    scope: 'workspace',
    operationId: 'createWorkspaceSecret',
    summary: 'Store a secret referenced as ${NAME} by tools (the value is write-only)',
    tags,
    body: CreateSecretBody,
    response: WorkspaceSecret,
    handler: ({ deps, scope, body }) => secrets.createSecret(deps, scope, workspaceStore, body),
  }),
  route({
    method: 'get',
    path: '/workspace_secrets',
    scope: 'workspace',
    operationId: 'listWorkspaceSecrets',
    summary: 'List workspace secrets (names only)',
    tags,
    query: ListSecretsQuery,
    response: SecretPage,
    handler: ({ deps, scope, query }) => secrets.listSecrets(deps, scope, workspaceStore, query),
  }),
  route({
    method: 'get',
    path: '/workspace_secrets/{id}',
    scope: 'workspace',
    operationId: 'getWorkspaceSecret',
    summary: 'Get a workspace secret (without its value)',
    tags,
    params: SecretParams,
    response: WorkspaceSecret,
    handler: ({ deps, scope, params }) => secrets.getSecret(deps, scope, workspaceStore, params.id),
  }),
  route({
    method: 'patch',
    path: '/workspace_secrets/{id}',
    alsoMethods: ['put'],
    scope: 'workspace',
    operationId: 'updateWorkspaceSecret',
    summary: 'Rename a workspace secret or replace its value',
    tags,
    params: SecretParams,
    body: UpdateSecretBody,
    response: WorkspaceSecret,
    handler: ({ deps, scope, params, body }) =>
      secrets.updateSecret(deps, scope, workspaceStore, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/workspace_secrets/{id}',
    scope: 'workspace',
    operationId: 'deleteWorkspaceSecret',
    summary: 'Delete a workspace secret',
    tags,
    params: SecretParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      await secrets.deleteSecret(deps, scope, workspaceStore, params.id)
      return {}
    },
  }),
  route({
    method: 'post',
    path: '/tool_sets/{toolSetId}/secrets',
    scope: 'workspace',
    operationId: 'createToolSetSecret',
    summary: "Store a secret for one tool set's tools (resolved before workspace secrets)",
    tags: toolSetTags,
    params: ToolSetSecretsParams,
    body: CreateSecretBody,
    response: ToolSetSecret,
    handler: async ({ deps, scope, params, body }) =>
      secrets.createSecret(deps, scope, await toolSetStore(deps, scope, params.toolSetId), body),
  }),
  route({
    method: 'get',
    path: '/tool_sets/{toolSetId}/secrets',
    scope: 'workspace',
    operationId: 'listToolSetSecrets',
    summary: 'List the secrets of a tool set (names only)',
    tags: toolSetTags,
    params: ToolSetSecretsParams,
    query: ListSecretsQuery,
    response: ToolSetSecretPage,
    handler: async ({ deps, scope, params, query }) =>
      secrets.listSecrets(deps, scope, await toolSetStore(deps, scope, params.toolSetId), query),
  }),
  route({
    method: 'get',
    path: '/tool_sets/{toolSetId}/secrets/{id}',
    scope: 'workspace',
    operationId: 'getToolSetSecret',
    summary: 'Get a tool set secret (without its value)',
    tags: toolSetTags,
    params: ToolSetSecretParams,
    response: ToolSetSecret,
    handler: async ({ deps, scope, params }) =>
      secrets.getSecret(deps, scope, await toolSetStore(deps, scope, params.toolSetId), params.id),
  }),
  route({
    method: 'patch',
    path: '/tool_sets/{toolSetId}/secrets/{id}',
    alsoMethods: ['put'],
    scope: 'workspace',
    operationId: 'updateToolSetSecret',
    summary: 'Rename a tool set secret or replace its value',
    tags: toolSetTags,
    params: ToolSetSecretParams,
    body: UpdateSecretBody,
    response: ToolSetSecret,
    handler: async ({ deps, scope, params, body }) =>
      secrets.updateSecret(
        deps,
        scope,
        await toolSetStore(deps, scope, params.toolSetId),
        params.id,
        body,
      ),
  }),
  route({
    method: 'delete',
    path: '/tool_sets/{toolSetId}/secrets/{id}',
    scope: 'workspace',
    operationId: 'deleteToolSetSecret',
    summary: 'Delete a tool set secret',
    tags: toolSetTags,
    params: ToolSetSecretParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      const store = await toolSetStore(deps, scope, params.toolSetId)
      await secrets.deleteSecret(deps, scope, store, params.id)
      return {}
    },
  }),
]
