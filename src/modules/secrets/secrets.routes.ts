import { route, type RouteDef } from '../../http/router.ts'
import { Empty } from '../../lib/schemas.ts'
import {
  CreateSecretBody,
  ListSecretsQuery,
  SecretPage,
  SecretParams,
  UpdateSecretBody,
  WorkspaceSecret,
} from './secret.schema.ts'
import * as secrets from './secret.service.ts'

const tags = ['Workspace secrets']

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
    handler: ({ deps, scope, body }) => secrets.createSecret(deps, scope, body),
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
    handler: ({ deps, scope, query }) => secrets.listSecrets(deps, scope, query),
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
    handler: ({ deps, scope, params }) => secrets.getSecret(deps, scope, params.id),
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
    handler: ({ deps, scope, params, body }) => secrets.updateSecret(deps, scope, params.id, body),
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
      await secrets.deleteSecret(deps, scope, params.id)
      return {}
    },
  }),
]
