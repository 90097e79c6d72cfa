/**
 * The web console (console/, built by `npm install` into console/dist) served at /console. It is
 * static files only: the console talks to the same public API as any client, with the API key
 * the operator pastes, so this mount needs no authentication of its own. Files are read once and
 * kept in memory with their gzip form (the build is a few hundred KB).
 */
import { readFile } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { Context, Hono } from 'hono'
import type { HttpEnv } from './context.ts'

export const CONSOLE_DIR = fileURLToPath(new URL('../../console/dist/', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

/**
 * The console renders model output (sanitised Markdown); this policy is the second wall: no
 * script, frame or connection outside this origin.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

interface CachedFile {
  body: Buffer
  gzip?: Buffer
  type: string
}

export function mountConsole(app: Hono<HttpEnv>, dir = CONSOLE_DIR): void {
  const cache = new Map<string, CachedFile>()
  const load = async (rel: string): Promise<CachedFile | undefined> => {
    const hit = cache.get(rel)
    if (hit) return hit
    const path = resolve(dir, rel)
    if (!path.startsWith(dir.endsWith(sep) ? dir : dir + sep)) return undefined
    let body: Buffer
    try {
      body = await readFile(path)
    } catch {
      return undefined
    }
    const type = TYPES[extname(path)] ?? 'application/octet-stream'
    const file: CachedFile = { body, type }
    if (body.length > 1024 && /text|javascript|json|svg/.test(type)) file.gzip = gzipSync(body)
    cache.set(rel, file)
    return file
  }

  const send = (c: Context<HttpEnv>, file: CachedFile, cacheControl: string) => {
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      'content-type': file.type,
      'cache-control': cacheControl,
      vary: 'accept-encoding',
    }
    if (file.gzip && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      headers['content-encoding'] = 'gzip'
      return c.body(new Uint8Array(file.gzip), 200, headers)
    }
    return c.body(new Uint8Array(file.body), 200, headers)
  }

  const index = async (c: Context<HttpEnv>) => {
    const file = await load('index.html')
    if (!file) {
      return c.html(
        '<!doctype html><title>Sortie console</title><p>The console is not built. Run ' +
          '<code>npm install</code> (or <code>npm run build:console</code>) and reload.</p>',
        503,
      )
    }
    return send(c, file, 'no-cache')
  }

  app.get('/console', index)
  app.get('/console/*', async (c) => {
    let rel: string
    try {
      rel = decodeURIComponent(c.req.path.slice('/console/'.length))
    } catch {
      return c.text('bad path', 400)
    }
    // Hashed build files: cache forever. Anything else is a console route: the app decides.
    if (rel.startsWith('assets/')) {
      const file = rel.includes('\0') ? undefined : await load(rel)
      if (!file) return c.text('not found', 404)
      return send(c, file, 'public, max-age=31536000, immutable')
    }
    return index(c)
  })
}
