import type { Selectable } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { pageRows } from '../../db/paging.ts'
import type { ObjectiveTaskTable } from '../../db/schema.steering.ts'
import type { PagePosition } from '../../lib/pagination.ts'

export type TaskRow = Selectable<ObjectiveTaskTable>

/** Task ids are ULIDs made in number order, so paging by id is paging by number. */
export async function listTasks(db: Executor, objectiveId: string, position: PagePosition) {
  const base = db.selectFrom('objective_tasks').where('objective_id', '=', objectiveId)
  return pageRows(base.selectAll(), position, 'id')
}

export function findTask(db: Executor, objectiveId: string, id: string) {
  return db
    .selectFrom('objective_tasks')
    .selectAll()
    .where('objective_id', '=', objectiveId)
    .where('id', '=', id)
    .executeTakeFirst()
}

export function allTasks(db: Executor, objectiveId: string) {
  return db
    .selectFrom('objective_tasks')
    .select(['number', 'task', 'completed'])
    .where('objective_id', '=', objectiveId)
    .orderBy('number')
    .execute()
}
