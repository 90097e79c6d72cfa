import { sql, type Selectable } from 'kysely'
import type { ToolSetTable } from '../../db/schema.ts'
import type { Executor } from '../../db/database.ts'
import { pageRows } from '../../db/paging.ts'
import type { PagePosition } from '../../lib/pagination.ts'

export type ToolSetRow = Selectable<ToolSetTable>

export function countToolsBySet(db: Executor, toolSetIds: string[]) {
  if (toolSetIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('tools')
    .select(['tool_set_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('tool_set_id', 'in', toolSetIds)
    .groupBy('tool_set_id')
    .execute()
}

/** Distinct agents whose variations use a tool set, directly or through one of its tools. */
export function countAgentsBySet(db: Executor, toolSetIds: string[]) {
  if (toolSetIds.length === 0) return Promise.resolve([])
  return db
    .selectFrom('variation_assignments as a')
    .innerJoin('agent_variations as v', 'v.id', 'a.variation_id')
    .leftJoin('tools as t', 't.id', 'a.tool_id')
    .select([
      sql<string>`coalesce(a.tool_set_id, t.tool_set_id)`.as('tool_set_id'),
      sql<number>`count(DISTINCT v.agent_id)`.as('n'),
    ])
    .where((eb) =>
      eb.or([eb('a.tool_set_id', 'in', toolSetIds), eb('t.tool_set_id', 'in', toolSetIds)]),
    )
    .groupBy(sql`coalesce(a.tool_set_id, t.tool_set_id)`)
    .execute()
}

/** Locks a tool set row so concurrent tool writes in it are checked one after another. */
export function lockToolSet(db: Executor, toolSetId: string) {
  return db
    .selectFrom('tool_sets')
    .select(['id', 'updated_at'])
    .where('id', '=', toolSetId)
    .forUpdate()
    .executeTakeFirst()
}

/** Records a successful sync (and the document it read); `updated_at` is the spec's, untouched. */
export function markToolSetSynced(db: Executor, toolSetId: string, document: string | undefined) {
  return db
    .updateTable('tool_sets')
    .set({
      last_sync_at: new Date(),
      sync_claimed_until: null,
      ...(document !== undefined ? { openapi_document: document } : {}),
    })
    .where('id', '=', toolSetId)
    .execute()
}

export function insertToolSetEvent(
  db: Executor,
  id: string,
  toolSet: { id: string; account_id: string; workspace_id: string },
  profileId: string,
  event: Record<string, unknown>,
) {
  return db
    .insertInto('tool_set_events')
    .values({
      id,
      account_id: toolSet.account_id,
      workspace_id: toolSet.workspace_id,
      profile_id: profileId,
      tool_set_id: toolSet.id,
      event: JSON.stringify(event),
    })
    .execute()
}

/**
 * Claims up to `limit` MCP and OpenAPI tool sets not synced for `intervalSeconds`, for
 * `leaseSeconds`: concurrent processes skip each other's claims, and a claim of a process that
 * died expires. Returns the claimed rows.
 */
export function claimDueToolSets(
  db: Executor,
  intervalSeconds: number,
  leaseSeconds: number,
  limit: number,
) {
  return db
    .updateTable('tool_sets')
    .set({ sync_claimed_until: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('tool_sets')
        .select('id')
        .where('archived_at', 'is', null)
        // Only MCP and OpenAPI sets sync: HTTP tools are edited, bare ones have no source.
        .where(
          sql<boolean>`(spec->'adapter'->'mcp' IS NOT NULL OR spec->'adapter'->'openapi' IS NOT NULL)`,
        )
        .where((w) =>
          w.or([
            w('last_sync_at', 'is', null),
            w('last_sync_at', '<', sql<Date>`now() - make_interval(secs => ${intervalSeconds})`),
          ]),
        )
        .where((w) =>
          w.or([
            w('sync_claimed_until', 'is', null),
            w('sync_claimed_until', '<', sql<Date>`now()`),
          ]),
        )
        .orderBy('last_sync_at', (ob) => ob.asc().nullsFirst())
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute()
}

/** A failed periodic sync is retried after the interval, not at the next tick. */
export function deferToolSetSync(db: Executor, toolSetId: string, seconds: number) {
  return db
    .updateTable('tool_sets')
    .set({ sync_claimed_until: sql`now() + make_interval(secs => ${seconds})` })
    .where('id', '=', toolSetId)
    .execute()
}

export function findToolsOfSet(db: Executor, toolSetId: string) {
  return db
    .selectFrom('tools')
    .selectAll()
    .where('tool_set_id', '=', toolSetId)
    .orderBy('id')
    .execute()
}

export function findToolSetsByIds(db: Executor, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([])
  return db.selectFrom('tool_sets').selectAll().where('id', 'in', ids).execute()
}

export async function listToolSetEventRows(
  db: Executor,
  toolSetId: string,
  position: PagePosition,
) {
  const base = db.selectFrom('tool_set_events').where('tool_set_id', '=', toolSetId)
  return pageRows(base.selectAll(), position, 'id')
}

/** A variation's assignments in creation order, with the tools of assigned tool sets. */
export function findVariationToolRows(db: Executor, workspaceId: string, variationId: string) {
  return db
    .selectFrom('variation_assignments as a')
    .innerJoin('tools as t', (join) =>
      join.on((eb) =>
        eb.or([
          eb('t.id', '=', eb.ref('a.tool_id')),
          eb('t.tool_set_id', '=', eb.ref('a.tool_set_id')),
        ]),
      ),
    )
    .selectAll('t')
    .select(['a.id as assignment_id'])
    .where('a.workspace_id', '=', workspaceId)
    .where('a.variation_id', '=', variationId)
    .orderBy('a.id')
    .orderBy('t.id')
    .execute()
}

/** Resources of a workspace whose name or description contains a text, case-insensitively. */
export function searchResources<T extends 'agents' | 'tools' | 'tool_sets'>(
  db: Executor,
  table: T,
  workspaceId: string,
  pattern: string,
  limit: number,
) {
  return db
    .selectFrom(table as 'tool_sets')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) =>
      eb.or([
        eb('name', 'ilike', pattern),
        eb(sql<string>`coalesce(spec->>'description', '')`, 'ilike', pattern),
      ]),
    )
    .orderBy('id')
    .limit(limit)
    .execute()
}
