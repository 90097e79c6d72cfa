/**
 * Runs every test file with node's test runner against one Postgres: the embedded server (started
 * here, in a temporary directory) or the one named by DATABASE_URL. Each test file creates its own
 * fresh database in it (test/support/database.ts).
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

/** Node 20's test runner takes no globs: list every *.test.ts under src/ and test/ ourselves. */
function findTestFiles(): string[] {
  return ['src', 'test']
    .flatMap((dir) =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)),
    )
    .filter((f) => f.endsWith('.test.ts') && !f.includes('node_modules'))
    .sort()
}

const files = process.argv.slice(2)
const patterns = files.length ? files : findTestFiles()
let adminUrl = process.env.DATABASE_URL
let stop = async () => {}
if (!adminUrl) {
  const dir = await mkdtemp(join(tmpdir(), 'sortie-test-pg-'))
  const pg = await startEmbeddedPostgres({ dir, port: await freePort(), persistent: false })
  adminUrl = pg.url
  stop = async () => {
    await pg.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    // A test that hangs fails after 5 minutes instead of holding the whole run.
    '--test-timeout=300000',
    '--test-reporter=spec',
    ...patterns,
  ],
  {
    stdio: 'inherit',
    // Spawned Sortie processes inherit this: tests send requests as fast as they can.
    env: { SORTIE_RATE_LIMIT_RPS: '0', ...process.env, SORTIE_TEST_ADMIN_URL: adminUrl },
  },
)
const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)))
await stop()
process.exit(code)
