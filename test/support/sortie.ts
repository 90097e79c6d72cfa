import { randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSortie, type Sortie } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { ModelCaller } from '../../src/providers/index.ts'
import type { Clock } from '../../src/lib/clock.ts'
import { createLogger } from '../../src/lib/logger.ts'
import { freshDatabase } from './database.ts'

export interface ApiResponse<T = any> {
  status: number
  headers: Headers
  body: T
}

export interface TestSortie {
  sortie: Sortie
  token: string
  workspaceId: string
  accountId: string
  databaseUrl: string
  /** Calls the API in-process (no socket) with the admin token unless `token` is given. */
  api<T = any>(
    method: string,
    path: string,
    body?: unknown,
    opts?: { token?: string | null; headers?: Record<string, string>; rawBody?: string },
  ): Promise<ApiResponse<T>>
}

export interface TestSortieOptions {
  /** Runs an engine worker in-process (default false: most API tests need none). */
  worker?: boolean
  /** Overrides the model caller / the fetch of HTTP tools. */
  callModel?: ModelCaller
  fetch?: typeof fetch
  /** Uses this database instead of a fresh one (several processes on one database). */
  databaseUrl?: string
  /** What "now" is for the server (default the system clock). */
  clock?: Clock
  /** Fires agent schedules in-process (default: with the worker). */
  scheduler?: boolean
}

/**
 * Starts Sortie on a fresh database with a known bootstrap token; the caller stops it. `env` is
 * both the configuration and the environment providers read credentials from (OPENAI_BASE_URL of
 * a fake provider...), so tests never touch process.env.
 */
export async function startTestSortie(
  env: Record<string, string> = {},
  opts: TestSortieOptions = {},
): Promise<TestSortie> {
  const databaseUrl = opts.databaseUrl ?? (await freshDatabase())
  const token = `sk_test_${randomBytes(16).toString('hex')}`
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    SORTIE_DATA_DIR: await mkdtemp(join(tmpdir(), 'sortie-data-')),
    SORTIE_BOOTSTRAP_TOKEN: token,
    SORTIE_SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
    // Tests send requests as fast as they can; the rate limit has tests of its own.
    SORTIE_RATE_LIMIT_RPS: '0',
    ...env,
  })
  const sortie = await createSortie(config, {
    logger: createLogger('silent', false),
    env: { ...env },
    worker: opts.worker,
    callModel: opts.callModel,
    fetch: opts.fetch,
    clock: opts.clock,
    scheduler: opts.scheduler,
  })
  if (!sortie.bootstrap) throw new Error('fresh database did not bootstrap')
  const api: TestSortie['api'] = async (method, path, body, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers }
    const auth = opts.token === undefined ? token : opts.token
    if (auth) headers.authorization = `Bearer ${auth}`
    let payload: string | undefined = opts.rawBody
    if (body !== undefined) {
      payload = JSON.stringify(body)
      headers['content-type'] = 'application/json'
    }
    const res = await sortie.http.app.request(path, { method, headers, body: payload })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as any }
  }
  return {
    sortie,
    token,
    workspaceId: sortie.bootstrap.workspaceId,
    accountId: sortie.bootstrap.accountId,
    databaseUrl,
    api,
  }
}
