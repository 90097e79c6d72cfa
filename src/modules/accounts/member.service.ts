import { failedPrecondition, invalidArgument, notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import { decodePageRequest, toPage, type Page, type PageRequest } from '../../lib/pagination.ts'
import type { Actor, Deps } from '../deps.ts'
import type { AddMemberBody, WorkspaceMember } from './account.schema.ts'
import * as members from './members.repository.ts'
import type { MemberRow } from './members.repository.ts'
import * as profiles from './profiles.repository.ts'
import * as workspaces from './workspaces.repository.ts'

/**
 * Workspace membership (`/v1/account/workspaces/{id}/members`): the profiles that may act in a
 * workspace. An API key acts through its own profile, so adding a key's profile grants the key
 * the workspace, exactly as `POST /v1/account/api_keys/{id}/workspaces` does.
 */

/** The one row -> WorkspaceMember mapping. */
function memberOf(row: MemberRow): WorkspaceMember {
  return {
    actorId: row.id,
    profileId: row.profile_id,
    addedAt: row.created_at.toISOString(),
    ...(row.email ? { email: row.email } : {}),
    name: row.name,
  }
}

async function findWorkspaceRow(deps: Deps, actor: Actor, ref: string) {
  const row = await workspaces.findWorkspace(deps.db, actor.accountId, parseIdRef(ref))
  if (!row) throw notFound('workspace', ref)
  return row
}

export async function listMembers(
  deps: Deps,
  actor: Actor,
  workspaceRef: string,
  query: PageRequest,
): Promise<Page<WorkspaceMember>> {
  const ws = await findWorkspaceRow(deps, actor, workspaceRef)
  const position = decodePageRequest(query)
  const { rows, total } = await members.listMembers(deps.db, ws.id, position)
  return toPage(rows, position, total, memberOf)
}

/** The profile to add: an existing one by id, or the one with this email, invited if new. */
async function resolveProfile(deps: Deps, actor: Actor, body: AddMemberBody): Promise<string> {
  if (body.profileId) {
    const profile = await profiles.findProfile(deps.db, actor.accountId, parseIdRef(body.profileId))
    if (!profile) throw notFound('profile', body.profileId)
    return profile.id
  }
  const email = body.email!
  await profiles.insertUserProfile(deps.db, {
    id: deps.ids('profile'),
    accountId: actor.accountId,
    creatorProfileId: actor.profileId,
    email,
    name: email.slice(0, email.indexOf('@')),
  })
  const profile = await profiles.findProfileByEmail(deps.db, actor.accountId, email)
  return profile!.id
}

/** Adds a profile to a workspace; adding a member again returns the existing membership. */
export async function addMember(
  deps: Deps,
  actor: Actor,
  workspaceRef: string,
  body: AddMemberBody,
): Promise<WorkspaceMember> {
  if (!body.profileId === !body.email) {
    const description = 'exactly one of profileId or email must be set'
    throw invalidArgument(description, [
      { field: 'profileId', description },
      { field: 'email', description },
    ])
  }
  const ws = await findWorkspaceRow(deps, actor, workspaceRef)
  if (ws.status === workspaces.WORKSPACE_ARCHIVED) {
    throw failedPrecondition(`workspace ${ws.id} is archived`)
  }
  const profileId = await resolveProfile(deps, actor, body)
  await members.addMember(deps.db, {
    id: deps.ids('workspaceMember'),
    accountId: actor.accountId,
    workspaceId: ws.id,
    profileId,
  })
  return memberOf((await members.findMember(deps.db, ws.id, profileId))!)
}

/**
 * Removes a profile's access to a workspace at once (its profile stays); removing a non-member
 * is a no-op. An API key's home workspace cannot be taken from it: delete the key instead.
 */
export async function removeMember(
  deps: Deps,
  actor: Actor,
  workspaceRef: string,
  profileRef: string,
): Promise<void> {
  const ws = await findWorkspaceRow(deps, actor, workspaceRef)
  const profile = await profiles.findProfile(deps.db, actor.accountId, parseIdRef(profileRef))
  if (!profile) throw notFound('profile', profileRef)
  if (await profiles.isApiKeyHomedIn(deps.db, profile.id, ws.id)) {
    throw failedPrecondition(
      'an API key cannot be removed from its home workspace; delete the key instead',
    )
  }
  await members.removeMember(deps.db, ws.id, profile.id)
}
