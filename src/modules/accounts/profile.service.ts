import type { Profile } from '../../lib/schemas.ts'
import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
import type { Actor, Deps } from '../deps.ts'
import type { ListProfilesQuery } from './account.schema.ts'
import { profileOf } from '../profiles/index.ts'
import { listProfiles as listProfileRows } from './profiles.repository.ts'

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
