import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, freshDatabase } from '../../test/support/database.ts'
import { rawClient, type RawClient } from './http.ts'
import type { Api } from './populate.ts'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'sortie.js')

/** `sortie serve` as a child process on a fresh database, with everything it prints kept. */
export interface ServeProcess {
  baseUrl: string
  token: string
  workspaceId: string
  databaseUrl: string
  client: RawClient
  /** JSON calls with the bootstrap token (or `token`). */
  api: Api
  apiAs(token: string): Api
  /** Everything the process wrote to stdout and stderr so far. */
  output(): { stdout: string; stderr: string }
  /** SIGTERM, then waits for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>
}

export async function startServe(env: Record<string, string>): Promise<ServeProcess> {
  const databaseUrl = await freshDatabase()
  const port = await freePort()
  const token = `sk_chaos_${randomBytes(16).toString('hex')}`
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-chaos-serve-')),
      SORTIE_SECRET_KEY: randomBytes(32).toString('hex'),
      SORTIE_BOOTSTRAP_TOKEN: token,
      SORTIE_RATE_LIMIT_RPS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const baseUrl = `http://127.0.0.1:${port}`
  const client = rawClient(baseUrl, { streamMs: 3000 })
  const stop = async () => {
    client.close()
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
  }
  const apiAs =
    (as: string): Api =>
    async (method, path, body) => {
      const res = await client.send({
        method,
        path,
        headers: {
          authorization: `Bearer ${as}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return { status: res.status, body: res.json ?? res.text }
    }
  try {
    const deadline = Date.now() + 60_000
    for (;;) {
      if (child.exitCode !== null) throw new Error(`serve exited early: ${stderr.slice(-2000)}`)
      const res = await fetch(`${baseUrl}/healthz`).catch(() => undefined)
      if (res?.status === 200) break
      if (Date.now() > deadline)
        throw new Error(`serve did not become healthy: ${stderr.slice(-2000)}`)
      await new Promise((r) => setTimeout(r, 200))
    }
    const api = apiAs(token)
    const current = await api('GET', '/v1/workspaces/current')
    if (current.status !== 200)
      throw new Error(`workspaces/current: ${JSON.stringify(current.body)}`)
    return {
      baseUrl,
      token,
      workspaceId: current.body.metadata.id,
      databaseUrl,
      client,
      api,
      apiAs,
      output: () => ({ stdout, stderr }),
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
