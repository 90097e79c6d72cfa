import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely'
import pg from 'pg'
import type { Database } from './schema.ts'

export type Db = Kysely<Database>
export type Trx = Transaction<Database>
/** A database handle or an open transaction: repositories take either. */
export type Executor = Kysely<Database>

// Postgres bigint (int8) and numeric come back as strings by default; our counters fit in a double.
pg.types.setTypeParser(20, (v) => Number(v))

const PREPARED_MARK = '/* prepared */ '

/**
 * Put first in a raw statement that runs on every engine step: it then runs as a named prepared
 * statement, parsed and planned once per connection instead of on every call (planning the step
 * statement was a fifth of Postgres' CPU per step). Only for statements whose text takes a small
 * number of shapes (row counts go in array parameters, not in the text), whose plan does not
 * depend on parameter values (no partial-index predicates on parameters), and which name their
 * result columns (a plan cached across a migration must not change its result type).
 */
export const prepared = sql.raw(PREPARED_MARK)

/**
 * The same mark for a query builder, which can only add SQL at its end:
 * `.modifyEnd(preparedEnd)`. The query must name its columns (no `selectAll`), for the reason above.
 */
export const preparedEnd = sql.raw(PREPARED_MARK.trim())

/** Statement names by text, shared by every pool of the process; bounded as a safety net. */
const statementNames = new Map<string, string>()
const MAX_PREPARED_STATEMENTS = 256

function statementName(text: string): string | undefined {
  let name = statementNames.get(text)
  if (!name && statementNames.size < MAX_PREPARED_STATEMENTS) {
    name = `sortie_${statementNames.size + 1}`
    statementNames.set(text, name)
  }
  return name
}

/** A pg client that runs statements marked `prepared` (or `preparedEnd`) as named prepared statements. */
class PreparingClient extends pg.Client {
  // pg's overloads can't be re-declared one by one; this forwards every form unchanged.
  override query(...args: any[]): any {
    const [text, values, callback] = args
    if (
      typeof text === 'string' &&
      (text.startsWith(PREPARED_MARK) || text.endsWith(PREPARED_MARK.trim()))
    ) {
      const name = statementName(text)
      if (name) return (super.query as any)({ name, text, values }, callback)
    }
    return (super.query as any)(...args)
  }
}

export function createDb(url: string, poolSize: number): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, Client: PreparingClient })
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => {})
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return { db, pool }
}
