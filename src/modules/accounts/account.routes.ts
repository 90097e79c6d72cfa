import { route, type RouteDef } from '../route.ts'
import { Empty } from '../../lib/schemas.ts'
import {
  Account,
  AddMemberBody,
  ChallengeToken,
  CreateWorkspaceBody,
  IdParams,
  ListAccountWorkspacesQuery,
  ListProfilesQuery,
  ListMembersQuery,
  ListWorkspacesQuery,
  MemberPage,
  MemberParams,
  ProfilePage,
  UpdateWorkspaceBody,
  WebhookSigningKey,
  Workspace,
  WorkspaceMember,
  WorkspacePage,
} from './account.schema.ts'
import * as accounts from './account.service.ts'
import * as members from './member.service.ts'
import { listProfiles } from './profile.service.ts'
import * as workspaces from './workspace.service.ts'

const tags = ['Account']

/**
 * Account-level routes, served once under /v1. Administering the account needs an account-admin
 * key (`account:manage`, accounts/permissions.ts); the routes marked `anyKey` serve every key what
 * is its own: the account without its signing secret, and the workspaces the key may act in.
 */
export const accountRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/account',
    scope: 'account',
    access: 'anyKey',
    operationId: 'getAccount',
    summary: 'Get the account, its workspaces and its webhook signing secret',
    tags,
    response: Account,
    handler: ({ deps, scope }) => accounts.getAccount(deps, scope),
  }),
  route({
    method: 'post',
    path: '/account/rotate_webhook_signing_key',
    scope: 'account',
    operationId: 'rotateWebhookSigningKey',
    summary: 'Replace the webhook signing secret',
    tags,
    response: WebhookSigningKey,
    handler: ({ deps, scope }) => accounts.rotateWebhookSigningKey(deps, scope),
  }),
  route({
    method: 'post',
    path: '/account/rotateChallengeToken',
    scope: 'account',
    operationId: 'rotateChallengeToken',
    summary: 'Replace the challenge token (newest API: POST /v1/account:rotateChallengeToken)',
    tags,
    response: ChallengeToken,
    handler: ({ deps, scope }) => accounts.rotateChallengeToken(deps, scope),
  }),
  route({
    method: 'get',
    path: '/account/profiles',
    scope: 'account',
    operationId: 'listProfiles',
    summary: "List the account's profiles",
    tags,
    query: ListProfilesQuery,
    response: ProfilePage,
    handler: ({ deps, scope, query }) => listProfiles(deps, scope, query),
  }),
  route({
    method: 'get',
    path: '/workspaces',
    scope: 'account',
    access: 'anyKey',
    operationId: 'listWorkspaces',
    summary: 'List the workspaces the API key may act in',
    tags: ['Workspaces'],
    query: ListWorkspacesQuery,
    response: WorkspacePage,
    handler: ({ deps, scope, query }) => workspaces.listMyWorkspaces(deps, scope, query),
  }),
  route({
    method: 'get',
    path: '/workspaces/current',
    scope: 'account',
    access: 'anyKey',
    operationId: 'getCurrentWorkspace',
    summary: "Get the API key's own workspace",
    tags: ['Workspaces'],
    response: Workspace,
    handler: ({ deps, scope }) => workspaces.getCurrentWorkspace(deps, scope),
  }),
  route({
    method: 'post',
    path: '/account/workspaces',
    scope: 'account',
    operationId: 'createWorkspace',
    summary: 'Create a workspace (the calling key is granted access to it)',
    tags: ['Workspaces'],
    body: CreateWorkspaceBody,
    response: Workspace,
    handler: ({ deps, scope, body }) => workspaces.createWorkspace(deps, scope, body),
  }),
  route({
    method: 'get',
    path: '/account/workspaces',
    scope: 'account',
    operationId: 'listAccountWorkspaces',
    summary: 'List every workspace of the account',
    tags: ['Workspaces'],
    query: ListAccountWorkspacesQuery,
    response: WorkspacePage,
    handler: ({ deps, scope, query }) => workspaces.listAccountWorkspaces(deps, scope, query),
  }),
  route({
    method: 'get',
    path: '/account/workspaces/{id}',
    scope: 'account',
    operationId: 'getAccountWorkspace',
    summary: 'Get a workspace of the account',
    tags: ['Workspaces'],
    params: IdParams,
    response: Workspace,
    handler: ({ deps, scope, params }) => workspaces.getWorkspace(deps, scope, params.id),
  }),
  route({
    method: 'patch',
    path: '/account/workspaces/{id}',
    alsoMethods: ['put'],
    scope: 'account',
    operationId: 'updateAccountWorkspace',
    summary: 'Update a workspace (updateMask selects the fields)',
    tags: ['Workspaces'],
    params: IdParams,
    body: UpdateWorkspaceBody,
    response: Workspace,
    handler: ({ deps, scope, params, body }) =>
      workspaces.updateWorkspace(deps, scope, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/account/workspaces/{id}',
    scope: 'account',
    operationId: 'archiveAccountWorkspace',
    summary: 'Archive a workspace (requests scoped to it are refused from then on)',
    tags: ['Workspaces'],
    params: IdParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      await workspaces.archiveWorkspace(deps, scope, params.id)
      return {}
    },
  }),
  route({
    method: 'get',
    path: '/account/workspaces/{id}/members',
    scope: 'account',
    operationId: 'listWorkspaceMembers',
    summary: 'List the profiles that may act in a workspace',
    tags: ['Workspaces'],
    params: IdParams,
    query: ListMembersQuery,
    response: MemberPage,
    handler: ({ deps, scope, params, query }) => members.listMembers(deps, scope, params.id, query),
  }),
  route({
    method: 'post',
    path: '/account/workspaces/{id}/members',
    scope: 'account',
    operationId: 'addWorkspaceMember',
    summary: 'Add a profile (by profileId, or by email: resolved or invited) to a workspace',
    tags: ['Workspaces'],
    params: IdParams,
    body: AddMemberBody,
    response: WorkspaceMember,
    handler: ({ deps, scope, params, body }) => members.addMember(deps, scope, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/account/workspaces/{id}/members/{profileId}',
    scope: 'account',
    operationId: 'removeWorkspaceMember',
    summary: "Remove a profile's access to a workspace (the profile itself stays)",
    tags: ['Workspaces'],
    params: MemberParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      await members.removeMember(deps, scope, params.id, params.profileId)
      return {}
    },
  }),
]
