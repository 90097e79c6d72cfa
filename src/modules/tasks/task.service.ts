import type { Executor } from '../../db/database.ts'
import { notFound } from '../../lib/errors.ts'
import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
import type { Deps, Scope } from '../deps.ts'
import { findObjectiveRow } from '../objectives/index.ts'
import type { ListTasksQuery, ObjectiveTask } from './task.schema.ts'
import * as repo from './tasks.repository.ts'

/** The one row -> ObjectiveTask mapping. */
export function taskOf(row: repo.TaskRow): ObjectiveTask {
  return {
    metadata: { id: row.id },
    data: {
      number: row.number,
      task: row.task,
      completed: row.completed,
      ...(row.completed_at ? { completedAt: row.completed_at.toISOString() } : {}),
    },
  }
}

export async function listObjectiveTasks(
  deps: Deps,
  scope: Scope,
  objectiveRef: string,
  query: ListTasksQuery,
): Promise<Page<ObjectiveTask>> {
  const objective = await findObjectiveRow(deps, scope, objectiveRef)
  const position = decodePageRequest(query)
  const { rows, total } = await repo.listTasks(deps.db, objective.id, position)
  return toPage(rows, position, total, taskOf)
}

export async function getObjectiveTask(
  deps: Deps,
  scope: Scope,
  objectiveRef: string,
  id: string,
): Promise<ObjectiveTask> {
  const objective = await findObjectiveRow(deps, scope, objectiveRef)
  const row = await repo.findTask(deps.db, objective.id, id)
  if (!row) throw notFound('task', id)
  return taskOf(row)
}

/** The whole list in number order, as the engine's task tool works on it. */
export function loadTaskItems(
  db: Executor,
  objectiveId: string,
): Promise<{ number: number; task: string; completed: boolean }[]> {
  return repo.allTasks(db, objectiveId)
}
