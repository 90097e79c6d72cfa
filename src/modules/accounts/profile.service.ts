import type { Selectable } from 'kysely'
import type { ProfileTable } from '../../db/schema.ts'
import type { Profile } from '../../lib/schemas.ts'
import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
import type { Actor, Deps } from '../deps.ts'
import type { ListProfilesQuery } from './account.schema.ts'
import { findProfiles, listProfiles as listProfileRows } from './profiles.repository.ts'

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
      ...(row.email ? { email: row.email } : {}),
    },
  }
}

/** Profiles by id, for `info.createdBy` of many rows at once. */
export async function loadProfiles(
  deps: Pick<Deps, 'db'>,
  ids: string[],
): Promise<Map<string, Profile>> {
  const rows = await findProfiles(deps.db, [...new Set(ids)])
  return new Map(rows.map((row) => [row.id, profileOf(row)]))
}

/** The account's profiles (`GET /v1/account/profiles`): users, API keys and system principals. */
export async function listProfiles(
  deps: Pick<Deps, 'db'>,
  actor: Actor,
  query: ListProfilesQuery,
): Promise<Page<Profile>> {
  const position = decodePageRequest(query)
  const { rows, total } = await listProfileRows(deps.db, actor.accountId, position, {
    type: query.type,
    query: query.query?.trim(),
  })
  return toPage(rows, position, total, profileOf)
}
