import { route, type RouteDef } from '../route.ts'
import {
  CreateFeedbackBody,
  FeedbackAgentParams,
  FeedbackObjectiveParams,
  FeedbackPage,
  ListAgentFeedbackQuery,
  ListFeedbackQuery,
  ObjectiveFeedback,
} from './feedback.schema.ts'
import { createFeedback, listAgentFeedback, listObjectiveFeedback } from './feedback.service.ts'

const tags = ['Feedback']

export const feedbackRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/objectives/{objectiveId}/feedback',
    scope: 'workspace',
    operationId: 'createObjectiveFeedback',
    summary: "Score an objective; the score moves its variation's selection odds",
    tags,
    params: FeedbackObjectiveParams,
    body: CreateFeedbackBody,
    response: ObjectiveFeedback,
    handler: ({ deps, scope, params, body }) =>
      createFeedback(deps, scope, params.objectiveId, body),
  }),
  route({
    method: 'get',
    path: '/objectives/{objectiveId}/feedback',
    scope: 'workspace',
    operationId: 'listObjectiveFeedback',
    summary: 'List the feedback given on an objective',
    tags,
    params: FeedbackObjectiveParams,
    query: ListFeedbackQuery,
    response: FeedbackPage,
    handler: ({ deps, scope, params, query }) =>
      listObjectiveFeedback(deps, scope, params.objectiveId, query),
  }),
  route({
    method: 'get',
    path: '/agents/{agentId}/feedback',
    scope: 'workspace',
    operationId: 'listAgentFeedback',
    summary: "List feedback on an agent's objectives (variation, time, text and sentiment filters)",
    tags,
    params: FeedbackAgentParams,
    query: ListAgentFeedbackQuery,
    response: FeedbackPage,
    handler: ({ deps, scope, params, query }) =>
      listAgentFeedback(deps, scope, params.agentId, query),
  }),
]
