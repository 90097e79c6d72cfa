import { fieldError } from './errors.ts'

export const DEFAULT_PAGE_SIZE = 50
export const MAX_PAGE_SIZE = 500

export type SortOrder = 'asc' | 'desc'

export interface PageRequest {
  cursor?: string
  limit?: number
  sortOrder?: SortOrder
}

/** Where a page starts: after `after` (an id) in `sortOrder`. */
export interface PagePosition {
  after?: string
  limit: number
  sortOrder: SortOrder
}

export interface Page<T> {
  items: T[]
  pagination: { nextCursor: string; next_cursor: string; total: number }
}

/**
 * Cursors are opaque: base64url of the last id seen and the order they were made for. Ids are
 * ULIDs, so "after this id" stays correct while rows are inserted concurrently.
 */
export function encodeCursor(lastId: string, sortOrder: SortOrder): string {
  return Buffer.from(JSON.stringify({ a: lastId, o: sortOrder })).toString('base64url')
}

export function decodePageRequest(req: PageRequest): PagePosition {
  const requested = req.limit ?? DEFAULT_PAGE_SIZE
  if (!Number.isInteger(requested) || requested < 0) {
    throw fieldError(
      'limit',
      `must be a non-negative integer (at most ${MAX_PAGE_SIZE} are returned)`,
    )
  }
  // As AIP-158 asks of gRPC APIs, a page size above the maximum is coerced to it, not refused.
  const limit = Math.min(requested, MAX_PAGE_SIZE)
  const sortOrder = req.sortOrder ?? 'asc'
  if (!req.cursor) return { limit: limit || DEFAULT_PAGE_SIZE, sortOrder }
  let parsed: { a?: unknown; o?: unknown }
  try {
    parsed = JSON.parse(Buffer.from(req.cursor, 'base64url').toString('utf8'))
  } catch {
    throw fieldError('cursor', 'is not a cursor returned by this API')
  }
  if (typeof parsed?.a !== 'string' || (parsed.o !== 'asc' && parsed.o !== 'desc')) {
    throw fieldError('cursor', 'is not a cursor returned by this API')
  }
  if (req.sortOrder && req.sortOrder !== parsed.o) {
    throw fieldError('cursor', 'was made for another sortOrder')
  }
  return { after: parsed.a, limit: limit || DEFAULT_PAGE_SIZE, sortOrder: parsed.o }
}

/**
 * Builds the envelope from `limit + 1` fetched rows (db/paging.ts fetches them); the cursor holds
 * the last row's key, its id unless the page is keyed otherwise (events: their sequence).
 */
export function toPage<R extends { id: string }, T>(
  rows: R[],
  position: Pick<PagePosition, 'limit' | 'sortOrder'>,
  total: number,
  map: (row: R) => T,
  cursorKey: (row: R) => string = (row) => row.id,
): Page<T> {
  const hasMore = rows.length > position.limit
  const pageRows = hasMore ? rows.slice(0, position.limit) : rows
  const last = pageRows[pageRows.length - 1]
  const nextCursor = hasMore && last ? encodeCursor(cursorKey(last), position.sortOrder) : ''
  return { items: pageRows.map(map), pagination: { nextCursor, next_cursor: nextCursor, total } }
}
