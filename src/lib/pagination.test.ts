import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AppError } from './errors.ts'
import { decodePageRequest, encodeCursor, toPage } from './pagination.ts'

test('a cursor decodes to the position it was made for', () => {
  const cursor = encodeCursor('agent_01', 'desc')
  assert.deepEqual(decodePageRequest({ cursor, limit: 10 }), {
    after: 'agent_01',
    limit: 10,
    sortOrder: 'desc',
  })
})

test('garbage cursors and negative limits are invalid arguments', () => {
  assert.throws(() => decodePageRequest({ cursor: 'nope' }), AppError)
  assert.throws(() => decodePageRequest({ limit: -1 }), AppError)
})

test('a limit above the maximum is lowered to it (AIP-158)', () => {
  assert.equal(decodePageRequest({ limit: 5000 }).limit, 500)
})

test('the last page has an empty cursor under both keys', () => {
  const page = toPage([{ id: 'a' }], { limit: 2, sortOrder: 'asc' }, 1, (r) => r)
  assert.equal(page.pagination.nextCursor, '')
  assert.equal(page.pagination.next_cursor, '')
  const more = toPage([{ id: 'a' }, { id: 'b' }], { limit: 1, sortOrder: 'asc' }, 2, (r) => r)
  assert.equal(more.items.length, 1)
  assert.equal(more.pagination.nextCursor, more.pagination.next_cursor)
  assert.notEqual(more.pagination.nextCursor, '')
})
