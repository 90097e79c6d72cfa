/** A small client of Sortie's own HTTP API, used by the CLI commands that talk to a running server. */
export interface ClientOptions {
  baseUrl: string
  token: string
  fetch?: typeof fetch
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { code?: number; message?: string } | undefined,
  ) {
    super(body?.message ?? `HTTP ${status}`)
  }
}

export function createClient(opts: ClientOptions) {
  const doFetch = opts.fetch ?? fetch
  const base = opts.baseUrl.replace(/\/+$/, '')
  return async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${opts.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    const parsed = text ? JSON.parse(text) : undefined
    if (!res.ok) throw new ApiError(res.status, parsed)
    return parsed as T
  }
}

export type Client = ReturnType<typeof createClient>

/** Server URL and token from flags or the environment (SORTIE_URL, SORTIE_TOKEN). */
export function clientFromEnv(flags: { url?: string; token?: string }): Client {
  const token = flags.token ?? process.env.SORTIE_TOKEN ?? process.env.SORTIE_API_KEY
  if (!token) {
    throw new Error(
      'no API key: pass --token or set SORTIE_TOKEN (printed by the server at first start)',
    )
  }
  const baseUrl =
    flags.url ??
    process.env.SORTIE_URL ??
    `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? 8787}`
  return createClient({ baseUrl, token })
}
