import { route, type RouteDef } from '../route.ts'
import {
  ApplyBundleBody,
  ApplyChildParams,
  ApplyIdParams,
  BulkWorkspaceApply,
  BulkWorkspaceApplyPage,
  BulkWorkspaceApplyResultPage,
  ListAppliesQuery,
  ListResultsQuery,
} from './bundle.schema.ts'
import * as bundles from './bundle.service.ts'

const tags = ['Bulk workspace applies']

/**
 * An apply writes agents and tool sets, so it needs write on both families; its record shows
 * them, so reading it needs read on both (docs/decisions.md decision 19).
 */
const WRITE = ['agents:write', 'tools:write']
const READ = ['agents:read', 'tools:read']

export const bundleRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/bulk_workspace_applies',
    scope: 'workspace',
    permission: WRITE,
    operationId: 'applyBulkWorkspaceResources',
    summary: 'Apply a bundle of agents, variations, tool sets and tools in one transaction',
    tags,
    body: ApplyBundleBody,
    response: BulkWorkspaceApply,
    handler: ({ deps, scope, body }) => bundles.applyBundle(deps, scope, body),
  }),
  route({
    method: 'get',
    path: '/bulk_workspace_applies',
    scope: 'workspace',
    permission: READ,
    operationId: 'listBulkWorkspaceApplies',
    summary: 'List the bulk applies of the workspace',
    tags,
    query: ListAppliesQuery,
    response: BulkWorkspaceApplyPage,
    handler: ({ deps, scope, query }) => bundles.listApplies(deps, scope, query),
  }),
  route({
    method: 'get',
    path: '/bulk_workspace_applies/{id}',
    scope: 'workspace',
    permission: READ,
    operationId: 'getBulkWorkspaceApply',
    summary: 'Get a bulk apply',
    tags,
    params: ApplyIdParams,
    response: BulkWorkspaceApply,
    handler: ({ deps, scope, params }) => bundles.getApply(deps, scope, params.id),
  }),
  route({
    method: 'get',
    path: '/bulk_workspace_applies/{bulkWorkspaceApplyId}/results',
    scope: 'workspace',
    permission: READ,
    operationId: 'listBulkWorkspaceApplyResults',
    summary: 'List what a bulk apply did to each resource',
    tags,
    params: ApplyChildParams,
    query: ListResultsQuery,
    response: BulkWorkspaceApplyResultPage,
    handler: ({ deps, scope, params, query }) =>
      bundles.listResults(deps, scope, params.bulkWorkspaceApplyId, query),
  }),
]
