import type { SelectQueryBuilder } from 'kysely'
import type { PagePosition } from '../../lib/pagination.ts'

type AnyQuery = SelectQueryBuilder<any, any, any>

/**
 * A page of an account-level query in id (= creation) order plus its total. The account tables
 * (workspaces, profiles, keys across workspaces) do not fit db/resources.ts, which is per workspace.
 */
export async function pageRows<R extends { id: string }>(
  base: AnyQuery,
  position: PagePosition,
  idColumn: string,
): Promise<{ rows: R[]; total: number }> {
  let page = base.orderBy(idColumn, position.sortOrder).limit(position.limit + 1)
  if (position.after) {
    page = page.where(idColumn, position.sortOrder === 'asc' ? '>' : '<', position.after)
  }
  const [rows, count] = await Promise.all([
    page.execute(),
    base
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ])
  return { rows: rows as R[], total: Number(count.n) }
}

/** Parses the `labels` list filter (`k=v,k2=v2`, all must match) into a jsonb containment. */
export function parseLabelsFilter(raw: string | undefined): Record<string, string> | undefined {
  if (!raw?.trim()) return undefined
  const out: Record<string, string> = {}
  for (const pair of raw.split(',')) {
    // The query schema (LabelsFilter) has already checked the `k=v` form.
    const at = pair.indexOf('=')
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim()
  }
  return out
}
