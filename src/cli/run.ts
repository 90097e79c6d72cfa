import { ApiError, type Client } from './client.ts'
import { formatEvent, formatStatus } from './format.ts'

export interface RunOptions {
  agent: string
  message: string
  variation?: string
  pollMs?: number
  write: (line: string) => void
  /** Resolved when the user interrupts (Ctrl-C); answers whether to cancel the objective. */
  interrupted?: Promise<boolean>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** An agent given by id or by external id. */
async function resolveAgentId(client: Client, ref: string): Promise<string> {
  try {
    const agent = await client<{ metadata: { id: string } }>(
      'GET',
      `/v1/agents/${encodeURIComponent(ref)}`,
    )
    return agent.metadata.id
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err
    const agent = await client<{ metadata: { id: string } }>(
      'GET',
      `/v1/agents/external_id:${encodeURIComponent(ref)}`,
    )
    return agent.metadata.id
  }
}

/** Exit codes: 0 when the agent finished its turn (or finalized), 1 failed, 2 cancelled, 130 detached. */
export const EXIT = { done: 0, failed: 1, cancelled: 2, detached: 130 } as const

/**
 * Creates an objective and prints its events as they happen. The implicit route family's state
 * says when a turn is over (STATE_COMPLETED); the workspace family's state is what gets printed.
 */
export async function runObjective(client: Client, opts: RunOptions): Promise<number> {
  const agentId = await resolveAgentId(client, opts.agent)
  const created = await client<any>('POST', '/v1/objectives', {
    agentId,
    data: { initialMessage: opts.message },
    metadata: {},
    ...(opts.variation ? { variationId: opts.variation } : {}),
  })
  const id: string = created.metadata.id
  const workspaceId: string = created.metadata.workspaceId
  opts.write(`objective ${id}`)
  let interrupted = false
  let cancelRequested = false
  void opts.interrupted?.then(async (cancel) => {
    interrupted = true
    if (cancel) {
      cancelRequested = true
      await client('POST', `/v1/objectives/${id}/cancel`, { reason: 'cancelled from the CLI' })
    }
  })

  let since = ''
  const drain = async () => {
    for (;;) {
      const qs = new URLSearchParams({ limit: '500', sortOrder: 'asc' })
      if (since) qs.set('sinceEventId', since)
      const page = await client<any>('GET', `/v1/objectives/${id}/events?${qs}`)
      for (const event of page.items) {
        since = event.metadata.id
        const line = formatEvent(event)
        if (line) opts.write(line)
      }
      if (page.items.length < 500) return
    }
  }

  for (;;) {
    await drain()
    const objective = await client<any>('GET', `/v1/objectives/${id}`)
    const state: string = objective.status.state
    if (state === 'STATE_COMPLETED' || state === 'STATE_FAILED' || state === 'STATE_CANCELLED') {
      await drain()
      const shown = await client<any>('GET', `/v1/workspaces/${workspaceId}/objectives/${id}`)
      opts.write(formatStatus(shown))
      if (state === 'STATE_COMPLETED') return EXIT.done
      return state === 'STATE_FAILED' ? EXIT.failed : EXIT.cancelled
    }
    if (interrupted && !cancelRequested) {
      opts.write(`detached: ${id} keeps running`)
      return EXIT.detached
    }
    await sleep(opts.pollMs ?? 250)
  }
}
