import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import pg from 'pg'
import { startEmbeddedPostgres } from '../../src/db/embedded.ts'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
    srv.on('error', reject)
  })
}

let adminUrl: Promise<string> | undefined

/** The server tests create their databases in: the runner's, or one started for this process. */
function admin(): Promise<string> {
  adminUrl ??= (async () => {
    if (process.env.SORTIE_TEST_ADMIN_URL) return process.env.SORTIE_TEST_ADMIN_URL
    const dir = await mkdtemp(join(tmpdir(), 'sortie-pg-'))
    const server = await startEmbeddedPostgres({ dir, port: await freePort(), persistent: false })
    process.once('exit', () => void server.stop())
    return server.url
  })()
  return adminUrl
}

/** A new, empty database for one test file; returns its URL. */
export async function freshDatabase(): Promise<string> {
  const url = await admin()
  const name = `sortie_test_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(`CREATE DATABASE ${name}`)
  await client.end()
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}
