import { route, type RouteDef } from '../route.ts'
import { Empty } from '../../lib/schemas.ts'
import {
  AgentSchedule,
  CreateScheduleBody,
  ListSchedulesQuery,
  ScheduleListParams,
  SchedulePage,
  ScheduleParams,
  ScheduleVerbBody,
  UpdateScheduleBody,
} from './schedule.schema.ts'
import * as schedules from './schedule.service.ts'
import type { StoredStatus } from './schedule-spec.ts'

const tags = ['Agent schedules']

/** :pause, :resume and :archive (newest API), served as POST .../{id}/<verb> after the rewrite. */
function statusVerb(verb: string, to: StoredStatus, summary: string): RouteDef {
  return route({
    method: 'post',
    path: `/agents/{agentId}/schedules/{id}/${verb}`,
    scope: 'workspace',
    operationId: `${verb}AgentSchedule`,
    summary,
    tags,
    params: ScheduleParams,
    body: ScheduleVerbBody,
    response: AgentSchedule,
    handler: ({ deps, scope, params }) =>
      schedules.setScheduleStatus(deps, scope, params.agentId, params.id, to),
  })
}

export const scheduleRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/agents/{agentId}/schedules',
    scope: 'workspace',
    operationId: 'createAgentSchedule',
    summary: 'Create a schedule that runs the agent on calendars and intervals',
    tags,
    params: ScheduleListParams,
    body: CreateScheduleBody,
    response: AgentSchedule,
    handler: ({ deps, scope, params, body }) =>
      schedules.createSchedule(deps, scope, params.agentId, body),
  }),
  route({
    method: 'get',
    path: '/agents/{agentId}/schedules',
    scope: 'workspace',
    operationId: 'listAgentSchedules',
    summary: 'List schedules of an agent ("-" for every agent)',
    tags,
    params: ScheduleListParams,
    query: ListSchedulesQuery,
    response: SchedulePage,
    handler: ({ deps, scope, params, query }) =>
      schedules.listSchedules(deps, scope, params.agentId, query),
  }),
  route({
    method: 'get',
    path: '/agents/{agentId}/schedules/{id}',
    scope: 'workspace',
    operationId: 'getAgentSchedule',
    summary: 'Get a schedule, with its next fire time',
    tags,
    params: ScheduleParams,
    response: AgentSchedule,
    handler: ({ deps, scope, params }) =>
      schedules.getSchedule(deps, scope, params.agentId, params.id),
  }),
  route({
    method: 'patch',
    path: '/agents/{agentId}/schedules/{id}',
    alsoMethods: ['put'],
    scope: 'workspace',
    operationId: 'updateAgentSchedule',
    summary: 'Update a schedule (updateMask selects the fields)',
    tags,
    params: ScheduleParams,
    body: UpdateScheduleBody,
    response: AgentSchedule,
    handler: ({ deps, scope, params, body }) =>
      schedules.updateSchedule(deps, scope, params.agentId, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/agents/{agentId}/schedules/{id}',
    scope: 'workspace',
    operationId: 'deleteAgentSchedule',
    summary: 'Delete a schedule (the objectives it created stay)',
    tags,
    params: ScheduleParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      await schedules.deleteSchedule(deps, scope, params.agentId, params.id)
      return {}
    },
  }),
  statusVerb('pause', 'PAUSED', 'Pause a schedule: it does not fire until resumed'),
  statusVerb('resume', 'ACTIVE', 'Resume a schedule from now (missed fires do not run)'),
  statusVerb('archive', 'ARCHIVED', 'Archive a schedule: it never fires again'),
]
