import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { IdRef } from '../../lib/ids.ts'
import type { PagePosition } from '../../lib/pagination.ts'
import { pageRows } from '../../db/paging.ts'

/** Stored workspace states (the wire names drop the `WORKSPACE_` prefix). */
export const WORKSPACE_ENABLED = 'WORKSPACE_STATUS_ENABLED'
export const WORKSPACE_ARCHIVED = 'WORKSPACE_STATUS_ARCHIVED'

export type WorkspaceRow = Awaited<ReturnType<typeof findWorkspace>> & {}

export function findWorkspace(db: Executor, accountId: string, ref: IdRef) {
  let qb = db.selectFrom('workspaces').selectAll().where('account_id', '=', accountId)
  qb = 'id' in ref ? qb.where('id', '=', ref.id) : qb.where('external_id', '=', ref.externalId)
  return qb.orderBy('id').executeTakeFirst()
}

export function findWorkspaceById(db: Executor, id: string) {
  return db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst()
}

/** The first workspace of the oldest account that still has an active one. */
export function findFirstActiveWorkspace(db: Executor) {
  return db
    .selectFrom('workspaces as w')
    .innerJoin('accounts as a', 'a.id', 'w.account_id')
    .selectAll('w')
    .where('w.status', '<>', WORKSPACE_ARCHIVED)
    .orderBy('a.created_at')
    .orderBy('a.id')
    .orderBy('w.id')
    .executeTakeFirst()
}

export function findWorkspacesOfAccount(db: Executor, accountId: string) {
  return db
    .selectFrom('workspaces')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('status', '<>', WORKSPACE_ARCHIVED)
    .orderBy('id')
    .execute()
}

/** Every workspace of the account (archived ones on request), optionally filtered by labels. */
export function listAccountWorkspaces(
  db: Executor,
  accountId: string,
  position: PagePosition,
  filter: { includeArchived: boolean; labels?: Record<string, string> },
) {
  let base = db.selectFrom('workspaces').selectAll().where('account_id', '=', accountId)
  if (!filter.includeArchived) base = base.where('status', '<>', WORKSPACE_ARCHIVED)
  if (filter.labels) base = base.where(sql<boolean>`labels @> ${JSON.stringify(filter.labels)}`)
  return pageRows<WorkspaceRow>(base, position, 'id')
}

/** The active workspaces a key may act in: its home workspace and those its profile is in. */
export function listKeyWorkspaces(
  db: Executor,
  key: { profileId: string; accountId: string; homeWorkspaceId: string },
  position: PagePosition,
  labels?: Record<string, string>,
) {
  const base = db
    .selectFrom('workspaces as w')
    .selectAll('w')
    .where('w.account_id', '=', key.accountId)
    .where('w.status', '<>', WORKSPACE_ARCHIVED)
    .where((eb) =>
      eb.or([
        eb('w.id', '=', key.homeWorkspaceId),
        eb.exists(
          eb
            .selectFrom('workspace_members as m')
            .select('m.id')
            .whereRef('m.workspace_id', '=', 'w.id')
            .where('m.profile_id', '=', key.profileId),
        ),
      ]),
    )
  const filtered = labels ? base.where(sql<boolean>`w.labels @> ${JSON.stringify(labels)}`) : base
  return pageRows<WorkspaceRow>(filtered, position, 'w.id')
}

export function insertWorkspace(
  db: Executor,
  row: {
    id: string
    accountId: string
    profileId: string
    name: string
    externalId: string
    labels: Record<string, string>
    spec: Record<string, unknown>
  },
) {
  return db
    .insertInto('workspaces')
    .values({
      id: row.id,
      account_id: row.accountId,
      profile_id: row.profileId,
      name: row.name,
      external_id: row.externalId,
      labels: JSON.stringify(row.labels),
      spec: JSON.stringify(row.spec),
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export function updateWorkspace(
  db: Executor,
  id: string,
  values: {
    name?: string
    externalId?: string
    labels?: Record<string, string>
    spec?: Record<string, unknown>
    status?: string
  },
) {
  return db
    .updateTable('workspaces')
    .set({
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.externalId !== undefined ? { external_id: values.externalId } : {}),
      ...(values.labels ? { labels: JSON.stringify(values.labels) } : {}),
      ...(values.spec ? { spec: JSON.stringify(values.spec) } : {}),
      ...(values.status ? { status: values.status } : {}),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Active workspaces of the account, locked so two archives cannot both pass the last-one check. */
export async function lockActiveWorkspaceIds(db: Executor, accountId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('workspaces')
    .select('id')
    .where('account_id', '=', accountId)
    .where('status', '<>', WORKSPACE_ARCHIVED)
    .forUpdate()
    .execute()
  return rows.map((r) => r.id)
}

/** Per workspace: its agents, variations and available tools (for `Workspace.info`). */
export function countWorkspaceResources(db: Executor, workspaceIds: string[]) {
  if (workspaceIds.length === 0) return Promise.resolve([])
  return sql<{
    workspace_id: string
    agents: number
    variations: number
    tools: number
    memory_entries: number
  }>`
    SELECT w.id AS workspace_id,
      (SELECT count(*) FROM agents a WHERE a.workspace_id = w.id)::int AS agents,
      (SELECT count(*) FROM agent_variations v WHERE v.workspace_id = w.id)::int AS variations,
      (SELECT count(*) FROM tools t WHERE t.workspace_id = w.id
        AND coalesce(t.spec->>'status', 'TOOL_STATUS_AVAILABLE')
          IN ('TOOL_STATUS_AVAILABLE', 'TOOL_STATUS_UNSPECIFIED'))::int AS tools,
      (SELECT count(*) FROM memory_entries m WHERE m.workspace_id = w.id
        AND (m.expires_at IS NULL OR m.expires_at > now()))::int AS memory_entries
    FROM workspaces w WHERE w.id IN (${sql.join(workspaceIds)})
  `
    .execute(db)
    .then((r) => r.rows)
}
