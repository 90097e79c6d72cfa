import { route, type RouteDef } from '../route.ts'
import { decideToolCall } from './decide-tool-call.service.ts'
import { setToolCallContent } from './tool-call-content.service.ts'
import { SetToolCallContentBody } from './tool-content.ts'
import {
  ApproveToolCallBody,
  DenyToolCallBody,
  ObjectiveToolCall,
  ToolCallParams,
} from './objective.schema.ts'

const tags = ['Objectives']

/**
 * Human answers to tool calls: approval (POST serves the `:approve` / `:deny` colon-verb aliases)
 * and the content of a bare tool's call (`:setContent`).
 */
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
  route({
    method: 'post',
    path: '/objectives/{objectiveId}/tool_calls/{toolCallId}/setContent',
    scope: 'workspace',
    operationId: 'setObjectiveToolCallContent',
    summary:
      "Give a bare tool's call its result (text and image parts); the objective resumes with it",
    tags,
    params: ToolCallParams,
    body: SetToolCallContentBody,
    response: ObjectiveToolCall,
    handler: ({ deps, scope, params, body }) =>
      setToolCallContent(deps, scope, params.objectiveId, params.toolCallId, body.content),
  }),
]
