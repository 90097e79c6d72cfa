import type { Executor } from '../../db/database.ts'

export function findProfiles(db: Executor, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([])
  return db.selectFrom('profiles').selectAll().where('id', 'in', ids).execute()
}
