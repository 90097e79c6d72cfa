import type { Kysely, SelectQueryBuilder, Selectable } from 'kysely'
import type { IdRef } from '../lib/ids.ts'
import type { PagePosition } from '../lib/pagination.ts'
import type { Executor } from './database.ts'
import { pageRows } from './paging.ts'
import type { Database, ResourceTable } from './schema.ts'

/**
 * Queries shared by every named-resource table (same column layout). Kysely cannot type a query over
 * a union of tables, so these run on an untyped view and return the table's row type.
 */
type Row<T extends ResourceTable> = Selectable<Database[T]>
type AnyQuery = SelectQueryBuilder<any, any, any>
export type Filter = (qb: AnyQuery) => AnyQuery

const untyped = (db: Executor) => db as unknown as Kysely<any>
const anyTable = (table: ResourceTable) => table as string

/** One resource of a workspace by id or external id, optionally narrowed by parent columns. */
export function findResource<T extends ResourceTable>(
  db: Executor,
  table: T,
  workspaceId: string,
  ref: IdRef,
  filter: Filter = (qb) => qb,
): Promise<Row<T> | undefined> {
  let qb = untyped(db)
    .selectFrom(anyTable(table))
    .selectAll()
    .where('workspace_id', '=', workspaceId)
  qb = 'id' in ref ? qb.where('id', '=', ref.id) : qb.where('external_id', '=', ref.externalId)
  return filter(qb).executeTakeFirst() as Promise<Row<T> | undefined>
}

/** A page of a workspace's resources in id (= creation) order, plus the filtered total. */
export async function listResources<T extends ResourceTable>(
  db: Executor,
  table: T,
  workspaceId: string,
  position: PagePosition,
  filter: Filter = (qb) => qb,
): Promise<{ rows: Row<T>[]; total: number }> {
  const base = filter(
    untyped(db).selectFrom(anyTable(table)).where('workspace_id', '=', workspaceId),
  )
  const { rows, total } = await pageRows(base.selectAll(), position, 'id')
  return { rows: rows as Row<T>[], total }
}

export function insertResource<T extends ResourceTable>(
  db: Executor,
  table: T,
  values: Record<string, unknown>,
): Promise<Row<T>> {
  return untyped(db)
    .insertInto(anyTable(table))
    .values(values)
    .returningAll()
    .executeTakeFirstOrThrow() as Promise<Row<T>>
}

export function updateResource<T extends ResourceTable>(
  db: Executor,
  table: T,
  id: string,
  values: Record<string, unknown>,
): Promise<Row<T>> {
  return untyped(db)
    .updateTable(anyTable(table))
    .set({ ...values, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow() as Promise<Row<T>>
}

export async function deleteResource(
  db: Executor,
  table: ResourceTable,
  id: string,
): Promise<void> {
  await untyped(db).deleteFrom(anyTable(table)).where('id', '=', id).execute()
}

/** Names starting with a prefix; LIKE wildcards in the prefix are matched literally. */
export function namePrefix(prefix: string | undefined): Filter {
  if (!prefix) return (qb) => qb
  const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`)
  return (qb) => qb.where('name', 'like', `${escaped}%`)
}
