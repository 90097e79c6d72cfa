import { listResources, namePrefix, type Filter } from '../db/resources.ts'
import type { Selectable } from 'kysely'
import type { Database, ResourceTable } from '../db/schema.ts'
import { snakeToCamel } from '../lib/case.ts'
import { alreadyExists, invalidArgument } from '../lib/errors.ts'
import { decodePageRequest, toPage, type Page, type PageRequest } from '../lib/pagination.ts'
import type { ResourceMetadata } from '../lib/schemas.ts'
import type { Deps, Scope } from './deps.ts'

/** Rows of the shared resource layout (db/schema.ts ResourceColumns), as read. */
export interface ResourceRow {
  id: string
  account_id: string
  workspace_id: string
  profile_id: string
  name: string
  external_id: string
  labels: Record<string, string>
  created_at: Date
  /** Set on the tables a bundle can own (migration 019). */
  bundle_key?: string | null
}

export function resourceMetadata(row: ResourceRow): ResourceMetadata {
  return {
    id: row.id,
    accountId: row.account_id,
    workspaceId: row.workspace_id,
    profileId: row.profile_id,
    name: row.name,
    externalId: row.external_id,
    labels: row.labels ?? {},
    createdAt: row.created_at.toISOString(),
    ...(row.bundle_key ? { bundleKey: row.bundle_key } : {}),
  }
}

type Doc = Record<string, unknown>

function getPath(doc: Doc | undefined, path: string[]): unknown {
  let cur: unknown = doc
  for (const key of path) {
    if (!cur || typeof cur !== 'object') return undefined
    cur = (cur as Doc)[key]
  }
  return cur
}

function setPath(doc: Doc, path: string[], value: unknown): void {
  let cur = doc
  for (const key of path.slice(0, -1)) {
    if (!cur[key] || typeof cur[key] !== 'object') cur[key] = {}
    cur = cur[key] as Doc
  }
  const last = path[path.length - 1]!
  if (value === undefined) delete cur[last]
  else cur[last] = value
}

/**
 * Applies an update request to a resource's `{metadata, spec}`. With an `updateMask`, exactly the
 * listed paths are replaced (a listed path absent from the body is cleared); without one, every
 * field present in the body replaces the stored one.
 */
export function applyUpdate<T extends { metadata: Doc; spec: Doc }>(
  current: T,
  patch: { metadata?: Doc; spec?: Doc },
  updateMask: string | undefined,
  allowedRoots: string[] = ['metadata', 'spec'],
): T {
  const next = structuredClone(current) as T
  if (updateMask && updateMask.trim()) {
    for (const raw of updateMask.split(',')) {
      const path = raw.trim().split('.').map(snakeToCamel)
      if (!path[0] || !allowedRoots.includes(path[0]) || path.length < 2) {
        throw invalidArgument(`updateMask: unknown field path ${JSON.stringify(raw.trim())}`, [
          { field: 'updateMask', description: `unknown field path ${raw.trim()}` },
        ])
      }
      setPath(next as Doc, path, structuredClone(getPath(patch as Doc, path)))
    }
    return next
  }
  for (const root of ['metadata', 'spec'] as const) {
    for (const [key, value] of Object.entries(patch[root] ?? {})) {
      if (value !== undefined) (next[root] as Doc)[key] = structuredClone(value)
    }
  }
  return next
}

/** Turns a unique-index violation into AlreadyExists; anything else is rethrown. */
export function rethrowUnique(err: unknown, what: string): never {
  const e = err as { code?: string; constraint?: string }
  if (e?.code === '23505') {
    const field = e.constraint?.endsWith('external_id') ? 'externalId' : 'name'
    throw alreadyExists(`${what} with this ${field} already exists`)
  }
  throw err
}

/** The shared columns of a new named-resource row: who created it, where, and its metadata. */
export function newResourceColumns(
  id: string,
  scope: Scope,
  metadata: { name: string; externalId?: string; labels?: Record<string, string> },
): Record<string, unknown> {
  return {
    id,
    account_id: scope.accountId,
    workspace_id: scope.workspaceId,
    profile_id: scope.profileId,
    ...metadataColumns(metadata),
  }
}

/** The metadata columns of a named-resource row. */
export function metadataColumns(metadata: {
  name: string
  externalId?: string
  labels?: Record<string, string>
}): { name: string; external_id: string; labels: string } {
  return {
    name: metadata.name,
    external_id: metadata.externalId ?? '',
    labels: JSON.stringify(metadata.labels ?? {}),
  }
}

/**
 * A page of a workspace's named resources (optionally narrowed by `filter` and a name prefix),
 * each mapped plainly or, with `includeInfo`, with its info.
 */
export async function listNamedResources<T extends ResourceTable, D>(
  deps: Deps,
  table: T,
  scope: Scope,
  query: PageRequest & { prefix?: string; includeInfo?: boolean },
  opts: {
    filter?: Filter
    map: (row: Selectable<Database[T]>) => D
    withInfo: (rows: Selectable<Database[T]>[]) => Promise<D[]>
  },
): Promise<Page<D>> {
  const position = decodePageRequest(query)
  const prefix = namePrefix(query.prefix)
  const { rows, total } = await listResources(deps.db, table, scope.workspaceId, position, (qb) =>
    prefix(opts.filter ? opts.filter(qb) : qb),
  )
  type Row = Selectable<Database[T]>
  const page = toPage(rows as (Row & { id: string })[], position, total, (r): Row => r)
  const items = query.includeInfo ? await opts.withInfo(page.items) : page.items.map(opts.map)
  return { ...page, items }
}
