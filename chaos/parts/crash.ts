/**
 * crash: objectives with several tool turns run on `sortie serve` and `sortie worker` processes
 * while one of them is SIGKILLed in each round (then restarted). Every objective must finish with
 * its exact event sequence (1..n, no gap, no duplicate, the expected types), each tool call must
 * be executed once at the tool backend (counted by Idempotency-Key), and the time from a kill to
 * the next step of an objective the killed process held is measured (target: lease + 1 s), taken
 * over by the surviving processes before the killed one is restarted.
 */
import pg from 'pg'
import { startFakeProvider } from '../../test/support/fake-provider.ts'
import { MODEL_OF, createAgent, providerEnv } from '../../test/support/objectives.ts'
import type { TestSortie } from '../../test/support/sortie.ts'
import type { ChaosPart } from '../part.ts'
import { startCluster, workerIdPattern, type Role, type SortieProcess } from '../lib/procs.ts'
import { chaosSeed, latencyFigures, seeded, sleep } from '../lib/seeded.ts'
import { startToolBackend } from '../lib/tool-backend.ts'

const LEASE_SECONDS = 2
const MODEL_DELAY_MS = 120
const TOOL_DELAY_MS = 150

export const part: ChaosPart = async ({ short, log }) => {
  const size = short
    ? { rounds: 2, perRound: 4, turns: 3, workers: 1 }
    : { rounds: 8, perRound: 8, turns: 4, workers: 2 }
  const seed = chaosSeed(11)
  const random = seeded(seed)
  const failures: string[] = []

  const fake = await startFakeProvider('openai')
  // Each objective looks up `turns` records (ids made of its task number and the turn), then answers.
  fake.setResponder((req) => {
    const messages = req.body.messages as { role: string; content: unknown }[]
    const task = /task (\d+)/.exec(JSON.stringify(messages))?.[1] ?? 'x'
    const results = messages.filter((m) => m.role === 'tool').length
    if (results >= size.turns) return { text: `task ${task} done`, delayMs: MODEL_DELAY_MS }
    return {
      toolCalls: [{ name: 'lookup', arguments: { id: `t${task}-${results}` } }],
      delayMs: MODEL_DELAY_MS,
    }
  })
  const tools = await startToolBackend(() => TOOL_DELAY_MS)
  const cluster = await startCluster({
    ...providerEnv([fake]),
    SORTIE_LEASE_SECONDS: String(LEASE_SECONDS),
    SORTIE_HEARTBEAT_SECONDS: '0.5',
    SORTIE_POLL_MS: '200',
  })
  const db = new pg.Pool({ connectionString: cluster.databaseUrl, max: 2 })
  const processes: SortieProcess[] = []
  const ids: string[] = []
  const recoveries: number[] = []
  const kills: Record<Role, number> = { serve: 0, worker: 0 }
  let affectedTotal = 0
  try {
    processes.push(await cluster.start('serve'))
    for (let i = 0; i < size.workers; i++) processes.push(await cluster.start('worker'))
    const client = { api: cluster.api } as unknown as TestSortie
    const { agentId } = await createAgent(client, {
      modelId: MODEL_OF.openai,
      toolBaseUrl: tools.baseUrl,
    })

    for (let round = 0; round < size.rounds; round++) {
      // A wave of objectives, then a kill once they are at work (model calls and tool requests
      // in flight, some steps committed).
      const before = fake.requests.length + tools.requests.length
      for (let i = 0; i < size.perRound; i++) {
        const res = await cluster.api('POST', '/v1/objectives', {
          agentId,
          data: { initialMessage: `task ${ids.length}` },
        })
        if (res.status !== 200) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`)
        ids.push(res.body.metadata.id)
      }
      const progress = size.perRound * (1 + Math.floor(random() * 3))
      const deadline = Date.now() + 20_000
      while (fake.requests.length + tools.requests.length - before < progress) {
        if (Date.now() > deadline) break
        await sleep(10)
      }
      await sleep(random() * 200)
      // Workers and the serve process in turn (serve every third round).
      const index = round % 3 === 1 ? 0 : 1 + (round % size.workers)
      const victim = processes[index]!
      const killedAt = Date.now()
      await victim.kill9()
      kills[victim.role]++
      // The victim is gone: what it held stays as it was until its lease expires.
      const { rows: held } = await db.query<{ id: string; seq: number }>(
        `SELECT o.id, coalesce((SELECT max(seq) FROM objective_events e WHERE e.objective_id = o.id), 0) AS seq
         FROM objectives o WHERE o.state = 'RUNNING' AND o.lease_owner LIKE $1`,
        [workerIdPattern(victim.pid)],
      )
      affectedTotal += held.length
      log(
        `round ${round + 1}: killed ${victim.role} ${victim.pid} holding ${held.length} objectives`,
      )
      // The surviving processes take over once the leases expire; the victim is restarted after
      // (its start-up would compete with them for the CPU and blur the figure).
      for (const h of held) {
        const next = await waitFor(async () => {
          const { rows } = await db.query<{ at: Date | null }>(
            'SELECT min(created_at) AS at FROM objective_events WHERE objective_id = $1 AND seq > $2',
            [h.id, h.seq],
          )
          return rows[0]?.at ?? undefined
        }, 60_000)
        if (next) recoveries.push(next.getTime() - killedAt)
        else
          failures.push(
            `objective ${h.id} made no step within 60 s of the kill in round ${round + 1}`,
          )
      }
      processes[index] = await cluster.start(victim.role)
    }

    // Every objective finishes.
    const finished = await waitFor(async () => {
      const { rows } = await db.query<{ state: string; n: string }>(
        'SELECT state, count(*) AS n FROM objectives WHERE id = ANY($1) GROUP BY state',
        [ids],
      )
      return rows.length === 1 && rows[0]!.state === 'WAITING' ? rows : undefined
    }, 120_000)
    const { rows: waiting } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM objectives WHERE id = ANY($1) AND state = 'WAITING'`,
      [ids],
    )
    if (!finished) {
      const { rows } = await db.query(
        'SELECT id, state, state_message FROM objectives WHERE id = ANY($1) AND state <> $2',
        [ids, 'WAITING'],
      )
      failures.push(`objectives not finished (WAITING): ${JSON.stringify(rows)}`)
    }

    // Exact event sequences.
    const expected = [
      'userMessage',
      ...Array.from({ length: size.turns }, () => [
        'assistantMessage',
        'toolCalled',
        'toolResult',
      ]).flat(),
      'assistantMessage',
    ]
    const { rows: events } = await db.query<{ objective_id: string; seq: number; type: string }>(
      'SELECT objective_id, seq, type FROM objective_events WHERE objective_id = ANY($1) ORDER BY objective_id, seq',
      [ids],
    )
    let badSequences = 0
    for (const id of ids) {
      const mine = events.filter((e) => e.objective_id === id)
      const gapless = mine.every((e, i) => e.seq === i + 1)
      const types = mine.map((e) => e.type)
      if (!gapless || JSON.stringify(types) !== JSON.stringify(expected)) {
        badSequences++
        failures.push(`objective ${id}: seq ${mine.map((e) => e.seq)} types ${types}`)
      }
    }

    // Each tool call executed once: the backend's keys are exactly the recorded tool calls.
    const { rows: calls } = await db.query<{ id: string; execution_status: string }>(
      'SELECT id, execution_status FROM objective_tool_calls WHERE objective_id = ANY($1)',
      [ids],
    )
    const recorded = new Set(calls.map((c) => c.id))
    const unkeyed = tools.requests.filter((r) => !r.key).length
    const extra = [...tools.executions.keys()].filter((k) => !recorded.has(k))
    const notExecuted = calls.filter((c) => tools.executions.get(c.id) !== 1)
    const answeredTwice = [...recorded].filter(
      (k) => tools.requests.filter((r) => r.key === k && !r.aborted).length > 1,
    ).length
    const repeated = tools.requests.length - new Set(tools.requests.map((r) => r.key)).size
    if (unkeyed) failures.push(`${unkeyed} tool requests without an Idempotency-Key`)
    if (extra.length) failures.push(`tool calls executed that no objective records: ${extra}`)
    if (notExecuted.length)
      failures.push(`recorded tool calls not executed once: ${JSON.stringify(notExecuted)}`)
    if (calls.length !== ids.length * size.turns) {
      failures.push(`${calls.length} tool calls recorded, ${ids.length * size.turns} expected`)
    }
    const target = LEASE_SECONDS * 1000 + 1000
    const over = recoveries.filter((r) => r >= target).length
    return {
      name: 'crash',
      ok: failures.length === 0,
      figures: {
        processes: `1 serve + ${size.workers} worker, lease ${LEASE_SECONDS} s, seed ${seed}`,
        objectives: ids.length,
        'tool turns per objective': size.turns,
        'kills (SIGKILL)': `${kills.serve + kills.worker} (serve ${kills.serve}, worker ${kills.worker})`,
        'objectives held by a killed process': affectedTotal,
        'objectives finished': Number(waiting[0]!.n),
        events: events.length,
        'event sequences with a gap, duplicate or wrong type': badSequences,
        'tool calls (recorded = executed by key)': `${calls.length} = ${[...tools.executions.keys()].length}`,
        'tool requests': tools.requests.length,
        'requests repeating a key (retries after a kill)': repeated,
        'calls a key-less backend would have run twice': answeredTwice,
        'duplicated tool executions':
          extra.length + notExecuted.filter((c) => (tools.executions.get(c.id) ?? 0) > 1).length,
        ...latencyFigures('recovery (kill -> next step)', recoveries),
        'recovery target (lease + 1 s)': `${target} ms; ${over} of ${recoveries.length} over`,
      },
      failures,
    }
  } finally {
    await db.end()
    await cluster.close()
    await tools.close()
    await fake.close()
  }
}

/** Polls `read` until it yields a value, or undefined after `ms`. */
async function waitFor<T>(read: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await read()
    if (value !== undefined) return value
    if (Date.now() > deadline) return undefined
    await sleep(25)
  }
}
