import type { Executor } from '../../db/database.ts'
import type { PagePosition } from '../../lib/pagination.ts'
import { pageRows } from '../../db/paging.ts'

/** Adds a profile to a workspace; adding it twice keeps the first membership. */
export async function addMember(
  db: Executor,
  row: { id: string; accountId: string; workspaceId: string; profileId: string },
): Promise<void> {
  await db
    .insertInto('workspace_members')
    .values({
      id: row.id,
      account_id: row.accountId,
      workspace_id: row.workspaceId,
      profile_id: row.profileId,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'profile_id']).doNothing())
    .execute()
}

export async function removeMember(
  db: Executor,
  workspaceId: string,
  profileId: string,
): Promise<void> {
  await db
    .deleteFrom('workspace_members')
    .where('workspace_id', '=', workspaceId)
    .where('profile_id', '=', profileId)
    .execute()
}

/** Ends every membership of a profile (its API key was deleted). */
export async function removeProfileMemberships(db: Executor, profileId: string): Promise<void> {
  await db.deleteFrom('workspace_members').where('profile_id', '=', profileId).execute()
}

const memberColumns = [
  'm.id',
  'm.profile_id',
  'm.created_at',
  'p.name',
  'p.email',
  'p.type',
] as const

export type MemberRow = {
  id: string
  profile_id: string
  created_at: Date
  name: string
  email: string | null
  type: string
}

export function findMember(db: Executor, workspaceId: string, profileId: string) {
  return db
    .selectFrom('workspace_members as m')
    .innerJoin('profiles as p', 'p.id', 'm.profile_id')
    .select(memberColumns)
    .where('m.workspace_id', '=', workspaceId)
    .where('m.profile_id', '=', profileId)
    .executeTakeFirst()
}

/** A workspace's members with their profiles, in the order they were added. */
export function listMembers(db: Executor, workspaceId: string, position: PagePosition) {
  const base = db
    .selectFrom('workspace_members as m')
    .innerJoin('profiles as p', 'p.id', 'm.profile_id')
    .select(memberColumns)
    .where('m.workspace_id', '=', workspaceId)
  return pageRows<MemberRow>(base, position, 'm.id')
}

/** The ids of the workspaces a profile is a member of. */
export function workspaceIdsOfProfile(db: Executor, profileId: string) {
  return db
    .selectFrom('workspace_members')
    .select('workspace_id as id')
    .where('profile_id', '=', profileId)
    .execute()
}
