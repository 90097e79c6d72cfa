import { sql, type SelectQueryBuilder } from 'kysely'
import type { SortOrder } from '../lib/pagination.ts'

type Untyped = SelectQueryBuilder<any, any, any>

/** Where a keyset page starts: after the row whose key column holds `after`, in `sortOrder`. */
export interface KeysetPosition {
  after?: string | number
  limit: number
  sortOrder: SortOrder
}

/**
 * The one keyset pager: `limit + 1` rows of `query` after `position.after` in `sortOrder` of
 * `keyColumn` (toPage() in lib/pagination.ts turns the extra row into `nextCursor`), and the
 * total of the same filtered query, counted in parallel. `query` holds the filters and the
 * selection and no order; `orderColumn` sorts when the key alone does not say the order the API
 * promises (both must then agree, as ULIDs and sequence numbers do).
 */
export async function pageRows<O>(
  query: SelectQueryBuilder<any, any, O>,
  position: KeysetPosition,
  keyColumn: string,
  orderColumn: string = keyColumn,
): Promise<{ rows: O[]; total: number }> {
  const base = query as unknown as Untyped
  let page = base.orderBy(orderColumn, position.sortOrder).limit(position.limit + 1)
  if (position.after !== undefined && position.after !== '') {
    page = page.where(keyColumn, position.sortOrder === 'asc' ? '>' : '<', position.after)
  }
  const [rows, count] = await Promise.all([
    page.execute(),
    base
      .clearSelect()
      .select(sql<string>`count(*)`.as('n'))
      .executeTakeFirstOrThrow(),
  ])
  return { rows: rows as O[], total: Number((count as { n: string }).n) }
}
