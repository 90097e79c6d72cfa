import { route, type RouteDef } from '../route.ts'
import { Empty } from '../../lib/schemas.ts'
import {
  AddAssignmentBody,
  FlatAssignmentParams,
  FlatVariationParams,
  NestedAssignmentParams,
  NestedVariationParams,
  VariationAssignment,
} from './assignment.schema.ts'
import * as assignments from './assignment.service.ts'

const tags = ['Agent variations']

/** Assignments of tools, tool sets and sub-agents to variations, under both seed path shapes. */
export const assignmentRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/agent_variations/{agentVariationId}/assignments',
    scope: 'workspace',
    operationId: 'addVariationAssignment',
    summary: 'Assign a tool, tool set or sub-agent to a variation',
    tags,
    params: FlatVariationParams,
    body: AddAssignmentBody,
    response: VariationAssignment,
    handler: async ({ deps, scope, params, body }) => {
      const variation = await assignments.findVariationById(deps, scope, params.agentVariationId)
      return assignments.addAssignment(deps, scope, variation, body)
    },
  }),
  route({
    method: 'delete',
    path: '/agent_variations/{agentVariationId}/assignments/{id}',
    scope: 'workspace',
    operationId: 'removeVariationAssignment',
    summary: 'Remove an assignment from a variation',
    tags,
    params: FlatAssignmentParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      const variation = await assignments.findVariationById(deps, scope, params.agentVariationId)
      await assignments.removeAssignment(deps, scope, variation, params.id)
      return {}
    },
  }),
  route({
    method: 'post',
    path: '/agents/{agentId}/variations/{variationId}/assignments',
    scope: 'workspace',
    operationId: 'addAgentVariationAssignment',
    summary: 'Assign a tool, tool set or sub-agent to a variation',
    tags,
    params: NestedVariationParams,
    body: AddAssignmentBody,
    response: VariationAssignment,
    handler: async ({ deps, scope, params, body }) => {
      const variation = await assignments.findNestedVariation(
        deps,
        scope,
        params.agentId,
        params.variationId,
      )
      return assignments.addAssignment(deps, scope, variation, body)
    },
  }),
  route({
    method: 'delete',
    path: '/agents/{agentId}/variations/{variationId}/assignments/{id}',
    scope: 'workspace',
    operationId: 'removeAgentVariationAssignment',
    summary: 'Remove an assignment from a variation',
    tags,
    params: NestedAssignmentParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      const variation = await assignments.findNestedVariation(
        deps,
        scope,
        params.agentId,
        params.variationId,
      )
      await assignments.removeAssignment(deps, scope, variation, params.id)
      return {}
    },
  }),
]
