/**
 * `npm run chaos [-- <part> ...] [--short]` runs the reliability suite: every part in
 * chaos/parts/ (all when none is named), one after another, each bounded and loopback only.
 * Each part's figures replace its section of RELIABILITY.md; the exit code is 1 when any rule
 * did not hold. Postgres is the embedded server (started here) or the one DATABASE_URL names;
 * parts create their own databases in it (test/support/database.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEmbeddedPostgres } from '../src/db/embedded.ts'
import { freePort } from '../test/support/database.ts'
import { loadParts } from './parts.ts'
import { writeReliabilitySection } from './report.ts'

// Parts send requests as fast as they can; processes they spawn inherit this.
process.env.SORTIE_RATE_LIMIT_RPS ??= '0'
const args = process.argv.slice(2)
const short = args.includes('--short')
const names = args.filter((a) => !a.startsWith('-'))
const parts = await loadParts()
const unknown = names.filter((n) => !parts.has(n))
if (unknown.length) {
  console.error(`unknown part ${unknown.join(', ')}; known: ${[...parts.keys()].join(', ')}`)
  process.exit(2)
}

let stop = async () => {}
if (!process.env.SORTIE_TEST_ADMIN_URL) {
  if (process.env.DATABASE_URL) {
    process.env.SORTIE_TEST_ADMIN_URL = process.env.DATABASE_URL
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'sortie-chaos-pg-'))
    const pg = await startEmbeddedPostgres({ dir, port: await freePort(), persistent: false })
    process.env.SORTIE_TEST_ADMIN_URL = pg.url
    stop = async () => {
      await pg.stop()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

let failed = false
const command = [
  'npm run chaos',
  ...(names.length || short ? ['--'] : []),
  ...names,
  ...(short ? ['--short'] : []),
].join(' ')
for (const [name, part] of parts) {
  if (names.length && !names.includes(name)) continue
  console.error(`== ${name}`)
  const started = Date.now()
  const result = await part({ short, log: (line) => console.error(`  ${line}`) })
  const seconds = (Date.now() - started) / 1000
  for (const [label, value] of Object.entries(result.figures)) console.error(`  ${label}: ${value}`)
  for (const failure of result.failures) console.error(`  FAILED: ${failure}`)
  console.error(`  ${result.ok ? 'ok' : 'NOT OK'} (${seconds.toFixed(1)} s)`)
  failed ||= !result.ok
  // Only full-size runs are figures worth recording; --short is the quick check npm test runs.
  if (!short) await writeReliabilitySection(result, { command: command.trim(), seconds })
}
await stop()
process.exit(failed ? 1 : 0)
