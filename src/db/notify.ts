import pg from 'pg'
import type { Logger } from '../lib/logger.ts'

export type NotifyHandler = (payload: string) => void

/** Receives Postgres NOTIFY messages on a few channels, across reconnects. */
export interface NotifyBus {
  on(channel: string, handler: NotifyHandler): void
  start(): Promise<void>
  stop(): Promise<void>
}

const RECONNECT_DELAY_MS = 1000

/**
 * LISTENs on its own connection (a pooled one would lose its LISTENs when returned). A dropped
 * connection is re-opened after a second; messages sent meanwhile are lost, which is why every
 * consumer also polls: NOTIFY is the fast path, never the only one.
 */
export function createNotifyBus(url: string, logger: Logger): NotifyBus {
  const handlers = new Map<string, NotifyHandler[]>()
  let client: pg.Client | undefined
  let stopped = false
  let retry: NodeJS.Timeout | undefined

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: url })
    c.on('notification', (msg) => {
      for (const handler of handlers.get(msg.channel) ?? []) {
        try {
          handler(msg.payload ?? '')
        } catch (err) {
          logger.error({ err, channel: msg.channel }, 'notify handler failed')
        }
      }
    })
    c.on('error', (err) => {
      logger.warn({ err: err.message }, 'notify connection lost; reconnecting')
      void c.end().catch(() => {})
      if (client === c) client = undefined
      scheduleReconnect()
    })
    await c.connect()
    for (const channel of handlers.keys()) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
    if (stopped) {
      await c.end()
      return
    }
    client = c
  }

  function scheduleReconnect() {
    if (stopped || retry) return
    retry = setTimeout(() => {
      retry = undefined
      connect().catch((err) => {
        logger.warn({ err: (err as Error).message }, 'notify reconnect failed')
        scheduleReconnect()
      })
    }, RECONNECT_DELAY_MS)
    retry.unref()
  }

  return {
    on(channel, handler) {
      const list = handlers.get(channel)
      if (list) list.push(handler)
      else handlers.set(channel, [handler])
      if (client) void client.query(`LISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {})
    },
    start: connect,
    async stop() {
      stopped = true
      if (retry) clearTimeout(retry)
      const c = client
      client = undefined
      await c?.end().catch(() => {})
    },
  }
}
