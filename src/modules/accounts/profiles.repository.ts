import type { Selectable } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { ProfileTable } from '../../db/schema.ts'
import type { PagePosition } from '../../lib/pagination.ts'
import { pageRows } from './paging.ts'

export function findProfiles(db: Executor, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([])
  return db.selectFrom('profiles').selectAll().where('id', 'in', ids).execute()
}

/** Profiles of the account, filtered by type and by a case-insensitive name/email substring. */
export function listProfiles(
  db: Executor,
  accountId: string,
  position: PagePosition,
  filter: { type?: string; query?: string },
) {
  let base = db.selectFrom('profiles').selectAll().where('account_id', '=', accountId)
  if (filter.type && filter.type !== 'PROFILE_TYPE_UNSPECIFIED') {
    base = base.where('type', '=', filter.type)
  }
  if (filter.query) {
    const pattern = `%${filter.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    base = base.where((eb) => eb.or([eb('name', 'ilike', pattern), eb('email', 'ilike', pattern)]))
  }
  return pageRows<Selectable<ProfileTable>>(base, position, 'id')
}
