import pg from 'pg'

/** Every row of every table, as JSON text by table and row key. */
export type Snapshot = Map<string, Map<string, Record<string, unknown>>>

export interface RowChange {
  table: string
  key: string
  kind: 'added' | 'removed' | 'changed'
  before?: Record<string, unknown>
  after?: Record<string, unknown>
}

/**
 * Columns that move without any request: leases the engine and the webhook dispatcher renew,
 * and the "last used" stamps of secrets a running tool reads.
 */
const VOLATILE = new Set(['lease_owner', 'lease_expires_at', 'last_used_at'])

/** Reads the whole database (it is small in these parts): the "before" or "after" of a run. */
export async function snapshot(databaseUrl: string): Promise<Snapshot> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const tables = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
          AND table_name NOT LIKE 'kysely_%' ORDER BY table_name`,
    )
    const out: Snapshot = new Map()
    for (const { table_name: table } of tables.rows) {
      const rows = await client.query<{ row: Record<string, unknown> }>(
        `SELECT to_jsonb(t) AS row FROM "${table}" t`,
      )
      const byKey = new Map<string, Record<string, unknown>>()
      for (const { row } of rows.rows) {
        for (const column of VOLATILE) delete row[column]
        const key = typeof row.id === 'string' || typeof row.id === 'number' ? String(row.id) : ''
        byKey.set(key || JSON.stringify(row), row)
      }
      out.set(table, byKey)
    }
    return out
  } finally {
    await client.end()
  }
}

/** Rows added, removed or changed between two snapshots. */
export function diff(before: Snapshot, after: Snapshot): RowChange[] {
  const changes: RowChange[] = []
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(table) ?? new Map()
    const a = after.get(table) ?? new Map()
    for (const [key, row] of b) {
      const now = a.get(key)
      if (!now) changes.push({ table, key, kind: 'removed', before: row })
      else if (JSON.stringify(now) !== JSON.stringify(row))
        changes.push({ table, key, kind: 'changed', before: row, after: now })
    }
    for (const [key, row] of a) {
      if (!b.has(key)) changes.push({ table, key, kind: 'added', after: row })
    }
  }
  return changes
}

/** One line per change, for failure reports. */
export function describeChange(c: RowChange): string {
  if (c.kind !== 'changed') return `${c.table} ${c.key} ${c.kind}`
  const columns = Object.keys({ ...c.before, ...c.after }).filter(
    (k) => JSON.stringify(c.before?.[k]) !== JSON.stringify(c.after?.[k]),
  )
  return `${c.table} ${c.key} changed (${columns.join(', ')})`
}
