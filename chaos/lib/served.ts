import { startFakeProvider, type FakeProvider } from '../../test/support/fake-provider.ts'
import { providerEnv } from '../../test/support/objectives.ts'
import { startTestSortie, type TestSortie } from '../../test/support/sortie.ts'
import { rawClient, type RawClient } from './http.ts'
import { startReceiver, type Receiver } from './receiver.ts'

/** Sortie in-process (worker on) on a fresh database, listening on 127.0.0.1, with its fakes. */
export interface Served {
  t: TestSortie
  baseUrl: string
  client: RawClient
  fake: FakeProvider
  /** A tool backend answering every request 200 `{"found": true}`. */
  tools: Receiver
  /** A webhook receiver answering 200. */
  hooks: Receiver
  /** Stops Sortie, then the fakes. */
  close(): Promise<void>
}

export async function startServed(env: Record<string, string> = {}): Promise<Served> {
  const fake = await startFakeProvider('openai')
  const tools = await startReceiver(() => ({ status: 200, body: '{"found":true}' }))
  const hooks = await startReceiver()
  const t = await startTestSortie(
    {
      ...providerEnv([fake]),
      SORTIE_ALLOW_PRIVATE_WEBHOOKS: '1',
      // short polls: the parts wait for objectives and deliveries to settle
      SORTIE_POLL_MS: '50',
      SORTIE_WEBHOOK_POLL_MS: '50',
      ...env,
    },
    { worker: true },
  )
  const address = await t.sortie.listen('127.0.0.1', 0)
  const baseUrl = `http://127.0.0.1:${address.port}`
  const client = rawClient(baseUrl, { streamMs: 150 })
  return {
    t,
    baseUrl,
    client,
    fake,
    tools,
    hooks,
    close: async () => {
      client.close()
      await t.sortie.stop()
      await Promise.all([fake.close(), tools.close(), hooks.close()])
    },
  }
}
