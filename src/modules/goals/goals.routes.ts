import { route, type RouteDef } from '../route.ts'
import { Empty } from '../../lib/schemas.ts'
import {
  AgentRefBody,
  CreateGoalBody,
  GenerateGoalBody,
  Goal,
  GoalIdParams,
  GoalMetricPage,
  GoalPage,
  GoalProposal,
  ListGoalMetricsQuery,
  ListGoalsQuery,
  UpdateGoalBody,
} from './goal.schema.ts'
import { attachGoal, detachGoal } from './attach.service.ts'
import { generateGoal } from './generate.service.ts'
import * as goals from './goal.service.ts'
import { listGoalMetrics } from './metrics.service.ts'

const tags = ['Goals']

export const goalRoutes: RouteDef[] = [
  // Registered before `/goals/{id}`: `goals:generate` arrives here rewritten to `goals/generate`.
  route({
    method: 'post',
    path: '/goals/generate',
    scope: 'workspace',
    operationId: 'generateGoal',
    summary: 'Propose a goal from a description with the workspace default model (not saved)',
    tags,
    body: GenerateGoalBody,
    response: GoalProposal,
    handler: ({ deps, scope, body }) => generateGoal(deps, scope, body),
  }),
  route({
    method: 'post',
    path: '/goals',
    scope: 'workspace',
    operationId: 'createGoal',
    summary: 'Create a goal',
    tags,
    body: CreateGoalBody,
    response: Goal,
    handler: ({ deps, scope, body }) => goals.createGoal(deps, scope, body),
  }),
  route({
    method: 'get',
    path: '/goals',
    scope: 'workspace',
    operationId: 'listGoals',
    summary: 'List goals',
    tags,
    query: ListGoalsQuery,
    response: GoalPage,
    handler: ({ deps, scope, query }) => goals.listGoals(deps, scope, query),
  }),
  route({
    method: 'get',
    path: '/goals/{id}',
    scope: 'workspace',
    operationId: 'getGoal',
    summary: 'Get a goal',
    tags,
    params: GoalIdParams,
    response: Goal,
    handler: ({ deps, scope, params }) => goals.getGoal(deps, scope, params.id),
  }),
  route({
    method: 'patch',
    path: '/goals/{id}',
    alsoMethods: ['put'],
    scope: 'workspace',
    operationId: 'updateGoal',
    summary: 'Update a goal (updateMask selects the fields)',
    tags,
    params: GoalIdParams,
    body: UpdateGoalBody,
    response: Goal,
    handler: ({ deps, scope, params, body }) => goals.updateGoal(deps, scope, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/goals/{id}',
    scope: 'workspace',
    operationId: 'deleteGoal',
    summary: 'Delete a goal (its attachments and metric history go with it)',
    tags,
    params: GoalIdParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      await goals.deleteGoal(deps, scope, params.id)
      return {}
    },
  }),
  route({
    method: 'post',
    path: '/goals/{id}/attach',
    scope: 'workspace',
    operationId: 'attachGoal',
    summary: "Attach a goal to an agent (replaces the agent's previous goal)",
    tags,
    params: GoalIdParams,
    body: AgentRefBody,
    response: Goal,
    handler: async ({ deps, scope, params, body }) =>
      (await attachGoal(deps, scope, params.id, body.agentId)).goal,
  }),
  route({
    method: 'post',
    path: '/goals/{id}/detach',
    scope: 'workspace',
    operationId: 'detachGoal',
    summary: 'Detach a goal from an agent',
    tags,
    params: GoalIdParams,
    body: AgentRefBody,
    response: Goal,
    handler: async ({ deps, scope, params, body }) =>
      (await detachGoal(deps, scope, params.id, body.agentId)).goal,
  }),
  route({
    method: 'get',
    path: '/goals/{id}/metrics',
    scope: 'workspace',
    operationId: 'listGoalMetrics',
    summary: "A goal's metric history (every change kept)",
    tags,
    params: GoalIdParams,
    query: ListGoalMetricsQuery,
    response: GoalMetricPage,
    handler: ({ deps, scope, params, query }) => listGoalMetrics(deps, scope, params.id, query),
  }),
]
