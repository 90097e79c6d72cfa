/**
 * Sortie as real processes for the reliability parts: `sortie serve` and `sortie worker` children
 * on one database, started, killed with SIGKILL and restarted, and an API client over the socket.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, freshDatabase } from '../../test/support/database.ts'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'sortie.js')
/** Output kept per process (the tail), for the failure message of a process that died early. */
const KEEP_OUTPUT = 16_384

export type Role = 'serve' | 'worker'

export interface SortieProcess {
  role: Role
  pid: number
  /** SIGKILL, resolving once the process is gone. */
  kill9(): Promise<void>
  /** SIGTERM (a clean stop), resolving once the process is gone. */
  stop(): Promise<void>
  alive(): boolean
  output(): string
}

export interface Cluster {
  databaseUrl: string
  token: string
  /** http://127.0.0.1:PORT of the serve process (the same port after each restart). */
  baseUrl: string
  /** Starts a process of `role` with the cluster's environment; resolves once it is ready. */
  start(role: Role): Promise<SortieProcess>
  /** Calls the API with the bootstrap token; JSON in and out. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>
  /** Stops every process still running (SIGKILL) and removes their data directories. */
  close(): Promise<void>
}

/**
 * A fresh database and the environment its processes share (`env`: fake providers, leases...).
 * `serveWorker: false` runs `serve --no-worker` (the API only).
 */
export async function startCluster(
  env: Record<string, string>,
  opts: { serveWorker?: boolean } = {},
): Promise<Cluster> {
  const databaseUrl = await freshDatabase()
  const token = `sk_test_${randomBytes(16).toString('hex')}`
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const shared = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: databaseUrl,
    SORTIE_SECRET_KEY: randomBytes(32).toString('hex'),
    SORTIE_BOOTSTRAP_TOKEN: token,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    // The parts measure Sortie, not its rate limit (off in tests and benchmarks too).
    SORTIE_RATE_LIMIT_RPS: '0',
    ...env,
  }
  const started: { proc: SortieProcess; child: ChildProcess; dir: string }[] = []

  async function start(role: Role): Promise<SortieProcess> {
    const dir = await mkdtemp(join(tmpdir(), `sortie-chaos-${role}-`))
    const args =
      role === 'serve'
        ? ['serve', ...(opts.serveWorker === false ? ['--no-worker'] : [])]
        : ['worker']
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...shared, SORTIE_DATA_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-KEEP_OUTPUT)
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const proc: SortieProcess = {
      role,
      pid: child.pid!,
      alive: () => child.exitCode === null && child.signalCode === null,
      output: () => output,
      kill9: async () => {
        if (proc.alive()) child.kill('SIGKILL')
        await exited
      },
      stop: async () => {
        if (proc.alive()) child.kill('SIGTERM')
        await exited
      },
    }
    started.push({ proc, child, dir })
    const readyLine = role === 'serve' ? 'sortie is serving' : 'sortie worker is running'
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${role} not ready in 60 s: ${output}`)),
        60_000,
      )
      child.stdout!.on('data', (d: Buffer) => {
        keep(d)
        if (output.includes(readyLine)) {
          clearTimeout(timer)
          resolve()
        }
      })
      child.stderr!.on('data', keep)
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`${role} exited (${code ?? signal}) before it was ready: ${output}`))
      })
    })
    // Only the ready line is needed; later output is kept for failures.
    child.stdout!.removeAllListeners('data')
    child.stdout!.on('data', keep)
    return proc
  }

  async function api(method: string, path: string, body?: unknown) {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as any }
  }

  return {
    databaseUrl,
    token,
    baseUrl,
    start,
    api,
    close: async () => {
      for (const { proc, dir } of started) {
        await proc.kill9()
        await rm(dir, { recursive: true, force: true })
      }
    },
  }
}

/** The lease owner prefix of the engine worker in process `pid` (src/engine/worker.ts ids). */
export const workerIdPattern = (pid: number) => `%:${pid}:%`
