import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(async () => {
  await t?.sortie.stop()
})

/** The columns an engine step writes on its objective row (src/engine/journal.ts, group-commit.ts). */
const STEP_COLUMNS = [
  'version',
  'event_seq',
  'total_events',
  'total_input_tokens',
  'total_output_tokens',
  'total_tool_calls',
  'refused_tool_calls',
  'limit_strikes',
  'updated_at',
]

describe('hot steps', () => {
  it('no index of objectives covers a column every engine step writes, so a step updates its row in place (HOT)', async () => {
    // Key columns, expression and predicate columns alike: any of them makes an update non-HOT.
    const { rows } = await sql<{ index: string; column: string }>`
      SELECT i.indexrelid::regclass::text AS index, a.attname AS column
      FROM pg_index i
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum > 0
      WHERE i.indrelid = 'objectives'::regclass
        AND (a.attnum = ANY(i.indkey)
          OR pg_get_expr(i.indpred, i.indrelid) ~ ('\\m' || a.attname || '\\M')
          OR pg_get_expr(i.indexprs, i.indrelid) ~ ('\\m' || a.attname || '\\M'))`.execute(
      t.sortie.deps.db,
    )
    assert.ok(rows.length > 0, 'the catalog lists the indexes of objectives')
    const offending = rows.filter((r) => STEP_COLUMNS.includes(r.column))
    assert.deepEqual(offending, [])
  })
})
