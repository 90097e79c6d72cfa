import { randomFillSync } from 'node:crypto'
import { monotonicFactory } from 'ulid'
import { invalidArgument } from './errors.ts'

/** Prefixes of every id kind (docs/decisions.md decision 9). */
export const ID_PREFIX = {
  account: 'acct',
  workspace: 'ws',
  profile: 'prof',
  apiKey: 'apikey',
  workspaceMember: 'actor',
  agent: 'agent',
  variation: 'agentvar',
  assignment: 'vasg',
  toolSet: 'ts',
  toolSetEvent: 'tsevt',
  tool: 'tool',
  model: 'model',
  objective: 'obj',
  event: 'oevt',
  toolCall: 'otc',
  contextWindow: 'ocw',
  feedback: 'ofb',
  task: 'otask',
  webhookDelivery: 'whd',
  workspaceSecret: 'wsec',
  toolSetSecret: 'tssec',
  aiProviderKey: 'aipk',
  goal: 'goal',
  agentSchedule: 'as',
  memoryLayer: 'memlyr',
  memoryEntry: 'mement',
  memoryLayerAssignment: 'vmla',
  upload: 'upl',
  bulkApply: 'apply',
  bulkApplyResult: 'applyres',
} as const
export type IdKind = keyof typeof ID_PREFIX

export type IdGenerator = (kind: IdKind) => string

/**
 * Cryptographic random fractions in [0, 1) drawn from a pooled buffer: ulid asks for one per
 * character, and a system call per character (its default) was a visible share of engine CPU.
 */
export function pooledRandom(poolBytes = 4096): () => number {
  const pool = Buffer.alloc(poolBytes)
  let next = poolBytes
  return () => {
    if (next >= poolBytes) {
      randomFillSync(pool)
      next = 0
    }
    return pool[next++]! / 256
  }
}

/** Prefixed ULIDs; monotonic within a process so ids made in one millisecond still sort. */
export function createIdGenerator(): IdGenerator {
  const ulid = monotonicFactory(pooledRandom())
  return (kind) => `${ID_PREFIX[kind]}_${ulid()}`
}

/** A path `{id}` is an id, or `external_id:<value>` / `eid:<value>`. */
export type IdRef = { id: string } | { externalId: string }

/**
 * Reads a path or body reference. An empty external id is refused (400): every resource created
 * without one stores the default `""`, so `external_id:` would otherwise name whichever came first.
 */
export function parseIdRef(value: string): IdRef {
  for (const prefix of ['external_id:', 'eid:']) {
    if (!value.startsWith(prefix)) continue
    const externalId = value.slice(prefix.length)
    if (!externalId) {
      throw invalidArgument(`${JSON.stringify(value)} names no external id`, [
        { field: 'id', description: `"${prefix}" must be followed by an external id` },
      ])
    }
    return { externalId }
  }
  return { id: value }
}
