import { route, type RouteDef } from '../route.ts'
import {
  ListTasksQuery,
  ObjectiveTask,
  TaskListParams,
  TaskPage,
  TaskParams,
} from './task.schema.ts'
import { getObjectiveTask, listObjectiveTasks } from './task.service.ts'

const tags = ['Objectives']

export const taskRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/objectives/{objectiveId}/tasks',
    scope: 'workspace',
    operationId: 'listObjectiveTasks',
    summary: "List the to-do items an objective's model keeps with the task tool",
    tags,
    params: TaskListParams,
    query: ListTasksQuery,
    response: TaskPage,
    handler: ({ deps, scope, params, query }) =>
      listObjectiveTasks(deps, scope, params.objectiveId, query),
  }),
  route({
    method: 'get',
    path: '/objectives/{objectiveId}/tasks/{id}',
    scope: 'workspace',
    operationId: 'getObjectiveTask',
    summary: 'Get one to-do item of an objective',
    tags,
    params: TaskParams,
    response: ObjectiveTask,
    handler: ({ deps, scope, params }) =>
      getObjectiveTask(deps, scope, params.objectiveId, params.id),
  }),
]
