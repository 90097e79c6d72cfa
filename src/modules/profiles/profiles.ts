import type { Selectable } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { ProfileTable } from '../../db/schema.ts'
import type { Profile } from '../../lib/schemas.ts'
import type { Deps } from '../deps.ts'

/** The one row -> Profile mapping. */
export function profileOf(row: Selectable<ProfileTable>): Profile {
  return {
    metadata: {
      id: row.id,
      accountId: row.account_id,
      name: row.name,
      profileId: row.profile_id,
      externalId: row.external_id,
      labels: row.labels ?? {},
    },
    spec: {
      type: row.type as Profile['spec']['type'],
      name: row.name,
      // Always present (the newest API reads it on every Profile): "" for a key or system profile.
      email: row.email ?? '',
    },
  }
}

function findProfiles(db: Executor, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([])
  return db.selectFrom('profiles').selectAll().where('id', 'in', ids).execute()
}

/** Profiles by id, for `info.createdBy` of many rows at once. */
export async function loadProfiles(
  deps: Pick<Deps, 'db'>,
  ids: string[],
): Promise<Map<string, Profile>> {
  const rows = await findProfiles(deps.db, [...new Set(ids)])
  return new Map(rows.map((row) => [row.id, profileOf(row)]))
}
