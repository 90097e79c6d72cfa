import { getObjectiveDiagnostics, ObjectiveDiagnostics } from './diagnostics.service.ts'
import { route, type RouteDef } from '../route.ts'
import { ListQuery } from '../../lib/schemas.ts'
import { cancelObjective } from './cancel-objective.service.ts'
import { continueObjective } from './continue-objective.service.ts'
import { compactObjective } from './compact.service.ts'
import { createObjective } from './create-objective.service.ts'
import {
  CancelObjectiveBody,
  CompactObjectiveBody,
  CompactObjectiveResponse,
  ContextWindowPage,
  ContinueObjectiveBody,
  CreateObjectiveBody,
  EventPage,
  ListEventsQuery,
  ListObjectivesQuery,
  ListToolCallsQuery,
  Objective,
  ObjectiveEvent,
  ObjectiveIdParams,
  ObjectivePage,
  ObjectiveParams,
  ObjectiveToolCall,
  ObjectiveToolPage,
  ToolCallPage,
  ToolCallParams,
} from './objective.schema.ts'
import * as read from './read-objective.service.ts'

const tags = ['Objectives']

export const objectiveRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/objectives',
    scope: 'workspace',
    operationId: 'createObjective',
    summary: 'Launch an objective: an initial message for an agent',
    tags,
    body: CreateObjectiveBody,
    response: Objective,
    handler: ({ deps, scope, body, family }) => createObjective(deps, scope, body, family),
  }),
  route({
    method: 'get',
    path: '/objectives',
    scope: 'workspace',
    operationId: 'listObjectives',
    summary: 'List objectives',
    tags,
    query: ListObjectivesQuery,
    response: ObjectivePage,
    handler: ({ deps, scope, query, family }) => read.listObjectives(deps, scope, query, family),
  }),
  route({
    method: 'get',
    path: '/objectives/{id}',
    scope: 'workspace',
    operationId: 'getObjective',
    summary: 'Get an objective with its info and last five context windows',
    tags,
    params: ObjectiveIdParams,
    response: Objective,
    handler: ({ deps, scope, params, family }) => read.getObjective(deps, scope, params.id, family),
  }),
  route({
    method: 'post',
    path: '/objectives/{objectiveId}/cancel',
    scope: 'workspace',
    operationId: 'cancelObjective',
    summary: 'Cancel an objective; in-flight model and tool requests are aborted',
    tags,
    params: ObjectiveParams,
    body: CancelObjectiveBody,
    response: Objective,
    handler: ({ deps, scope, params, body, family }) =>
      cancelObjective(deps, scope, params.objectiveId, body.reason, family),
  }),
  route({
    method: 'post',
    path: '/objectives/{objectiveId}/continue',
    scope: 'workspace',
    operationId: 'continueObjective',
    summary: 'Continue an objective with a user message (enqueue while it runs)',
    tags,
    params: ObjectiveParams,
    body: ContinueObjectiveBody,
    response: ObjectiveEvent,
    handler: ({ deps, scope, params, body, family }) =>
      continueObjective(deps, scope, params.objectiveId, body, family),
  }),
  route({
    method: 'post',
    path: '/objectives/{objectiveId}/compact',
    scope: 'workspace',
    operationId: 'compactObjective',
    summary:
      'Compact the context window of an objective into a new window (a RUNNING one by its worker)',
    tags,
    params: ObjectiveParams,
    body: CompactObjectiveBody,
    response: CompactObjectiveResponse,
    handler: ({ deps, scope, params, body }) =>
      compactObjective(deps, scope, params.objectiveId, body),
  }),
  route({
    method: 'get',
    path: '/objectives/{objectiveId}/events',
    scope: 'workspace',
    operationId: 'listObjectiveEvents',
    summary: "List an objective's events in sequence order",
    tags,
    params: ObjectiveParams,
    query: ListEventsQuery,
    response: EventPage,
    handler: ({ deps, scope, params, query, family }) =>
      read.listEvents(deps, scope, params.objectiveId, query, family),
  }),
  route({
    method: 'get',
    path: '/objectives/{objectiveId}/tool_calls',
    scope: 'workspace',
    operationId: 'listObjectiveToolCalls',
    summary: "List an objective's tool calls",
    tags,
    params: ObjectiveParams,
    query: ListToolCallsQuery,
    response: ToolCallPage,
    handler: ({ deps, scope, params, query }) =>
      read.listToolCalls(deps, scope, params.objectiveId, query),
  }),
  route({
    method: 'get',
    path: '/objectives/{objectiveId}/tool_calls/{toolCallId}',
    scope: 'workspace',
    operationId: 'getObjectiveToolCall',
    summary: 'Get one tool call of an objective',
    tags,
    params: ToolCallParams,
    response: ObjectiveToolCall,
    handler: ({ deps, scope, params }) =>
      read.getToolCall(deps, scope, params.objectiveId, params.toolCallId),
  }),
  route({
    method: 'get',
    path: '/objectives/{objectiveId}/tools',
    scope: 'workspace',
    operationId: 'listObjectiveTools',
    summary: 'List the tools frozen into an objective at its start',
    tags,
    params: ObjectiveParams,
    query: ListQuery,
    response: ObjectiveToolPage,
    handler: ({ deps, scope, params, query }) =>
      read.listObjectiveTools(deps, scope, params.objectiveId, query),
  }),
  route({
    method: 'get',
    path: '/objectives/{objectiveId}/diagnostics',
    scope: 'workspace',
    operationId: 'getObjectiveDiagnostics',
    summary: "An objective's context length by component and its last model call's input tokens",
    tags,
    params: ObjectiveParams,
    response: ObjectiveDiagnostics,
    handler: ({ deps, scope, params }) => getObjectiveDiagnostics(deps, scope, params.objectiveId),
  }),
  route({
    method: 'get',
    path: '/objectives/{objectiveId}/context_windows',
    scope: 'workspace',
    operationId: 'listObjectiveContextWindows',
    summary: "List an objective's context windows",
    tags,
    params: ObjectiveParams,
    query: ListQuery,
    response: ContextWindowPage,
    handler: ({ deps, scope, params, query }) =>
      read.listContextWindows(deps, scope, params.objectiveId, query),
  }),
]
