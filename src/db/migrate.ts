import { Migrator, type Migration, type MigrationProvider } from 'kysely'
import pg from 'pg'
import type { Db } from './database.ts'
import * as m001 from './migrations/001_foundation.ts'
import * as m002 from './migrations/002_objectives.ts'
import * as m003 from './migrations/003_goals.ts'
import * as m005 from './migrations/005_steering.ts'
import * as m004 from './migrations/004_live.ts'
import * as m006 from './migrations/006_outcomes.ts'
import * as m007 from './migrations/007_tool_set_secrets.ts'
import * as m008 from './migrations/008_workspace_members.ts'
import * as m009 from './migrations/009_hot_steps.ts'
import * as m010 from './migrations/010_compaction_requests.ts'
import * as m011 from './migrations/011_account_admin_keys.ts'
import * as m012 from './migrations/012_webhook_backlog.ts'
import * as m013 from './migrations/013_tool_set_sync.ts'
import * as m014 from './migrations/014_agent_schedules.ts'
import * as m015 from './migrations/015_memory.ts'
import * as m016 from './migrations/016_inactivity_timeouts.ts'
import * as m017 from './migrations/017_cost_budgets.ts'
import * as m019 from './migrations/019_bulk_applies.ts'
import * as m021 from './migrations/021_challenge_token.ts'
import * as m023 from './migrations/023_hot_steps_inactivity.ts'

/** Every migration, in order. New ones are added here. */
const MIGRATIONS: Record<string, Migration> = {
  '001_foundation': m001,
  '002_objectives': m002,
  '003_goals': m003,
  '005_steering': m005,
  '004_live': m004,
  '006_outcomes': m006,
  '007_tool_set_secrets': m007,
  '008_workspace_members': m008,
  '009_hot_steps': m009,
  '010_compaction_requests': m010,
  '011_account_admin_keys': m011,
  '012_webhook_backlog': m012,
  '013_tool_set_sync': m013,
  '014_agent_schedules': m014,
  '015_memory': m015,
  '016_inactivity_timeouts': m016,
  '017_cost_budgets': m017,
  '019_bulk_applies': m019,
  '021_challenge_token': m021,
  '023_hot_steps_inactivity': m023,
}

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS }

// Any constant works; it only has to be the same in every Sortie process.
const MIGRATION_LOCK_KEY = 0x50727469

/**
 * Migrates to the latest version. Several processes may start at once: an advisory lock on its own
 * connection serialises them, and the later ones find nothing to do.
 */
export async function migrateToLatest(db: Db, url: string): Promise<void> {
  const lock = new pg.Client({ connectionString: url })
  await lock.connect()
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
    // Migrations are independent of each other's order (each module owns its tables), so one
    // numbered below an applied one still runs rather than stopping the server.
    const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true })
    const { error, results } = await migrator.migrateToLatest()
    const failed = results?.find((r) => r.status === 'Error')
    if (error || failed) {
      throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`)
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {})
    await lock.end()
  }
}
