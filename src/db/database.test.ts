import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { sql } from 'kysely'
import { freshDatabase } from '../../test/support/database.ts'
import { createDb, prepared, preparedEnd, type Db } from './database.ts'
import { migrateToLatest } from './migrate.ts'

let db: Db
before(async () => {
  const url = await freshDatabase()
  db = createDb(url, 2).db
  await migrateToLatest(db, url)
})
after(() => db?.destroy())

async function preparedOnThisConnection(run: (trx: Db) => Promise<unknown>) {
  return db.transaction().execute(async (trx) => {
    await run(trx)
    const { rows } = await sql<{ statement: string }>`
      SELECT statement FROM pg_prepared_statements WHERE NOT from_sql`.execute(trx)
    return rows.map((r) => r.statement)
  })
}

test('a statement marked prepared runs as a named prepared statement, with its parameters', async () => {
  let value: unknown
  const statements = await preparedOnThisConnection(async (trx) => {
    const { rows } = await sql<{ x: number }>`${prepared}SELECT ${41}::int + 1 AS x`.execute(trx)
    value = rows[0]?.x
  })
  assert.equal(value, 42)
  assert.ok(
    statements.some((s) => s.includes('SELECT $1::int + 1 AS x')),
    String(statements),
  )
})

test('a query builder query marked with preparedEnd runs as a named prepared statement', async () => {
  let rows: unknown[] = []
  const statements = await preparedOnThisConnection(async (trx) => {
    rows = await trx
      .selectFrom('workspaces')
      .select(['id', 'status'])
      .where('id', '=', 'ws_none')
      .modifyEnd(preparedEnd)
      .execute()
  })
  assert.deepEqual(rows, [])
  assert.ok(
    statements.some((s) => s.includes('from "workspaces" where "id" = $1')),
    String(statements),
  )
})

test('an unmarked statement is not prepared', async () => {
  const statements = await preparedOnThisConnection((trx) =>
    sql`SELECT ${7}::int AS unmarked_statement`.execute(trx),
  )
  assert.ok(!statements.some((s) => s.includes('unmarked_statement')), String(statements))
})

test('a prepared statement that fails reports the error and runs again once fixed', async () => {
  await assert.rejects(
    sql`${prepared}SELECT 1 / ${0}::int AS broken`.execute(db),
    /division by zero/,
  )
  const { rows } = await sql<{ broken: number }>`${prepared}SELECT 1 / ${1}::int AS broken`.execute(
    db,
  )
  assert.equal(rows[0]?.broken, 1)
})
