import { route, type RouteDef } from '../route.ts'
import { decideToolCall } from './decide-tool-call.service.ts'
import {
  ApproveToolCallBody,
  DenyToolCallBody,
  ObjectiveToolCall,
  ToolCallParams,
} from './objective.schema.ts'

const tags = ['Objectives']

/** Human approval of tool calls; POST serves the `:approve` / `:deny` colon-verb aliases. */
export const toolCallDecisionRoutes: RouteDef[] = [
  route({
    method: 'put',
    alsoMethods: ['post'],
    path: '/objectives/{objectiveId}/tool_calls/{toolCallId}/approve',
    scope: 'workspace',
    operationId: 'approveObjectiveToolCall',
    summary: 'Approve a tool call waiting for approval; the objective resumes once all are decided',
    tags,
    params: ToolCallParams,
    body: ApproveToolCallBody,
    response: ObjectiveToolCall,
    handler: ({ deps, scope, params }) =>
      decideToolCall(deps, scope, params.objectiveId, params.toolCallId, { approve: true }),
  }),
  route({
    method: 'put',
    alsoMethods: ['post'],
    path: '/objectives/{objectiveId}/tool_calls/{toolCallId}/deny',
    scope: 'workspace',
    operationId: 'denyObjectiveToolCall',
    summary: 'Deny a tool call waiting for approval; the memo goes to the model as its result',
    tags,
    params: ToolCallParams,
    body: DenyToolCallBody,
    response: ObjectiveToolCall,
    handler: ({ deps, scope, params, body }) =>
      decideToolCall(deps, scope, params.objectiveId, params.toolCallId, {
        approve: false,
        memo: body.memo ?? '',
      }),
  }),
]
