import { failedPrecondition, notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
import type { Actor, Deps } from '../deps.ts'
import { applyUpdate } from '../resource.ts'
import type {
  CreateWorkspaceBody,
  ListAccountWorkspacesQuery,
  UpdateWorkspaceBody,
  Workspace,
  WorkspaceSpec,
} from './account.schema.ts'
import { addMember } from './members.repository.ts'
import { parseLabelsFilter } from './labels-filter.ts'
import { ensureWorkspaceModels } from '../models/index.ts'
import * as repo from './workspaces.repository.ts'
import type { WorkspaceRow } from './workspaces.repository.ts'

/** The one row -> Workspace mapping; stored `WORKSPACE_STATUS_X` is `STATUS_X` on the wire. */
export function workspaceOf(row: WorkspaceRow): Workspace {
  const spec = row.spec as WorkspaceSpec
  return {
    metadata: {
      id: row.id,
      accountId: row.account_id,
      name: row.name,
      profileId: row.profile_id,
      externalId: row.external_id,
      labels: row.labels ?? {},
    },
    spec: { description: spec.description ?? '' },
    status: row.status.replace(/^WORKSPACE_/, '') as Workspace['status'],
  }
}

async function findWorkspaceRow(deps: Deps, actor: Actor, ref: string): Promise<WorkspaceRow> {
  const row = await repo.findWorkspace(deps.db, actor.accountId, parseIdRef(ref))
  if (!row) throw notFound('workspace', ref)
  return row
}

/** Workspaces with their `info` counts (`includeInfo=true`). */
async function withInfo(deps: Deps, rows: WorkspaceRow[]): Promise<Workspace[]> {
  const counts = await repo.countWorkspaceResources(
    deps.db,
    rows.map((r) => r.id),
  )
  const byId = new Map(counts.map((c) => [c.workspace_id, c]))
  return rows.map((row) => {
    const c = byId.get(row.id)
    return {
      ...workspaceOf(row),
      info: {
        totalAgents: c?.agents ?? 0,
        totalAgentVariations: c?.variations ?? 0,
        totalAvailableTools: c?.tools ?? 0,
        totalMemoryEntries: c?.memory_entries ?? 0,
      },
    }
  })
}

/** Maps a page of rows, with info when asked for. */
async function pageOfWorkspaces(
  deps: Deps,
  page: Page<WorkspaceRow>,
  includeInfo: boolean | undefined,
): Promise<Page<Workspace>> {
  const items = includeInfo ? await withInfo(deps, page.items) : page.items.map(workspaceOf)
  return { ...page, items }
}

/** Workspaces the calling key may act in (`GET /v1/workspaces`). */
export async function listMyWorkspaces(
  deps: Deps,
  actor: Actor,
  query: { cursor?: string; limit?: number; sortOrder?: 'asc' | 'desc'; includeInfo?: boolean },
): Promise<Page<Workspace>> {
  const position = decodePageRequest(query)
  const { rows, total } = await repo.listKeyWorkspaces(
    deps.db,
    {
      profileId: actor.profileId,
      accountId: actor.accountId,
      homeWorkspaceId: actor.homeWorkspaceId,
    },
    position,
  )
  return pageOfWorkspaces(
    deps,
    toPage(rows, position, total, (r) => r),
    query.includeInfo,
  )
}

/** The calling key's home workspace (`GET /v1/workspaces/current`). */
export async function getCurrentWorkspace(deps: Deps, actor: Actor): Promise<Workspace> {
  return workspaceOf(await findWorkspaceRow(deps, actor, actor.homeWorkspaceId))
}

/** Creates a workspace with its model catalogue; the creating key becomes a member of it. */
export async function createWorkspace(
  deps: Deps,
  actor: Actor,
  body: CreateWorkspaceBody,
): Promise<Workspace> {
  const row = await deps.db.transaction().execute(async (trx) => {
    const ws = await repo.insertWorkspace(trx, {
      id: deps.ids('workspace'),
      accountId: actor.accountId,
      profileId: actor.profileId,
      name: body.metadata.name,
      externalId: body.metadata.externalId ?? '',
      labels: body.metadata.labels ?? {},
      spec: { description: body.spec.description ?? '' },
    })
    await addMember(trx, {
      id: deps.ids('workspaceMember'),
      accountId: actor.accountId,
      workspaceId: ws.id,
      profileId: actor.profileId,
    })
    await ensureWorkspaceModels(trx, deps.ids, {
      workspaceId: ws.id,
      accountId: actor.accountId,
      profileId: actor.profileId,
    })
    return ws
  })
  return workspaceOf(row)
}

export async function getWorkspace(deps: Deps, actor: Actor, ref: string): Promise<Workspace> {
  return workspaceOf(await findWorkspaceRow(deps, actor, ref))
}

/** Every workspace of the account (`GET /v1/account/workspaces`). */
export async function listAccountWorkspaces(
  deps: Deps,
  actor: Actor,
  query: ListAccountWorkspacesQuery,
): Promise<Page<Workspace>> {
  const position = decodePageRequest(query)
  const { rows, total } = await repo.listAccountWorkspaces(deps.db, actor.accountId, position, {
    includeArchived: query.includeArchived ?? false,
    labels: parseLabelsFilter(query.labels),
  })
  return pageOfWorkspaces(
    deps,
    toPage(rows, position, total, (r) => r),
    query.includeInfo,
  )
}

export async function updateWorkspace(
  deps: Deps,
  actor: Actor,
  ref: string,
  body: UpdateWorkspaceBody,
): Promise<Workspace> {
  const row = await findWorkspaceRow(deps, actor, ref)
  const next = applyUpdate(workspaceOf(row), body, body.updateMask)
  const updated = await repo.updateWorkspace(deps.db, row.id, {
    name: next.metadata.name,
    externalId: next.metadata.externalId ?? '',
    labels: next.metadata.labels ?? {},
    spec: { description: next.spec.description ?? '' },
  })
  return workspaceOf(updated)
}

/**
 * Archives a workspace (soft delete; archiving twice is a no-op). The account keeps at least one
 * active workspace, and a key may not archive its own home workspace: it would lock itself out.
 */
export async function archiveWorkspace(deps: Deps, actor: Actor, ref: string): Promise<void> {
  const row = await findWorkspaceRow(deps, actor, ref)
  if (row.status === repo.WORKSPACE_ARCHIVED) return
  if (row.id === actor.homeWorkspaceId) {
    throw failedPrecondition(
      'a key cannot archive its own home workspace; use a key homed in another workspace',
    )
  }
  await deps.db.transaction().execute(async (trx) => {
    const active = await repo.lockActiveWorkspaceIds(trx, actor.accountId)
    if (!active.includes(row.id)) return
    if (active.length <= 1) {
      throw failedPrecondition("the account's last active workspace cannot be archived")
    }
    await repo.updateWorkspace(trx, row.id, { status: repo.WORKSPACE_ARCHIVED })
  })
}
