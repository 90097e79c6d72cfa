import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { AppError, BAD_REQUEST_TYPE, Code, fieldError, invalidArgument } from '../../lib/errors.ts'
import { parseIdRef, type IdGenerator, type IdRef } from '../../lib/ids.ts'
import type { Deps, Scope } from '../deps.ts'
import { MAX_STACK } from './assignment.service.ts'
import { keyProblems } from './entry-key.ts'
import { EPISODIC } from './layer.service.ts'

/** A layer, or one pinned entry of it, on an objective's memory stack (seed 003 MemoryReference). */
export interface MemoryReference {
  memoryLayerId: string
  memoryEntryId?: string
}

/** What an objective keeps of its memory, frozen at creation (docs/api.md section 3.11). */
export interface StoredMemory {
  /** The create body's `memoryStack`, resolved to ids. */
  memoryStack: MemoryReference[]
  /**
   * The variation's layers by position, then `memoryStack` in order (push order: last = top),
   * then the episodic layer on top of everything.
   */
  effective: MemoryReference[]
  episodic?: { key: string; memoryLayerId: string; ttlSeconds: number }
}

/** The manifest's bounds (docs/api.md section 3.11): past them it says how much it left out. */
export const MANIFEST_MAX_ENTRIES = 200
export const MANIFEST_MAX_CHARS = 32_000
const TITLE_MAX = 200
const DESCRIPTION_MAX = 500
/** A memory_save body; larger memories belong in an upload. */
export const SAVE_MAX_CHARS = 64 * 1024

export interface StackInput {
  agentId: string
  variationId: string
  memoryStack?: MemoryReference[]
  /** HEAD's `episodicMemory.key`, or the seed-era key (see create-objective.service.ts). */
  episodicKey?: string
  /** The variation's `episodicMemoryTtl`, in seconds (0 = entries never expire). */
  episodicTtlSeconds?: number
  /**
   * Where the stack sits in the request, for field violations: the seed `data.memoryStack`
   * (default), or the newest `memoryCascade`, whose index `i` of the stack is `n - 1 - i`.
   */
  field?: { list: string; item: (i: number) => string }
}

const SEED_FIELD = { list: 'data.memoryStack', item: (i: number) => `data.memoryStack.${i}` }

function codeNine(field: string, description: string): AppError {
  return new AppError(Code.FAILED_PRECONDITION, `${field}: ${description}`, [
    { '@type': BAD_REQUEST_TYPE, fieldViolations: [{ field, description }] },
  ])
}

/**
 * Checks an objective's memory and snapshots its stack. Reads only, except the episodic layer of
 * (agent, key), created on first use or slid forward (its expiry is `ttl` after this objective):
 * it is upserted last, once every other check has passed.
 */
export async function resolveMemoryStack(
  deps: Deps,
  scope: Scope,
  input: StackInput,
): Promise<StoredMemory | undefined> {
  const refs = input.memoryStack ?? []
  const layerRefs = refs.map((r) => parseIdRef(r.memoryLayerId))
  const entryRefs = refs.map((r) => (r.memoryEntryId ? parseIdRef(r.memoryEntryId) : undefined))
  // Two or three queries whatever the stack's size: objectives are created at a high rate.
  const [baseline, layers, entries] = await Promise.all([
    deps.db
      .selectFrom('variation_memory_layers')
      .select(['memory_layer_id'])
      .where('variation_id', '=', input.variationId)
      .orderBy('position')
      .execute(),
    findByRefs(deps.db, 'memory_layers', scope.workspaceId, layerRefs),
    findByRefs(deps.db, 'memory_entries', scope.workspaceId, entryRefs),
  ])
  const pushed: MemoryReference[] = []
  // Every reference is checked, so one answer names each that does not resolve.
  const missing: { field: string; description: string }[] = []
  const fields = input.field ?? SEED_FIELD
  for (const [i, ref] of refs.entries()) {
    const field = fields.item(i)
    const layer = pick(layers, layerRefs[i]!)
    if (!layer) {
      missing.push({
        field: `${field}.memoryLayerId`,
        description: `${ref.memoryLayerId} is not a memory layer of this workspace`,
      })
      continue
    }
    if (layer.system_managed) {
      throw codeNine(
        `${field}.memoryLayerId`,
        'a system-managed (episodic) layer attaches itself through episodicMemory',
      )
    }
    const entryRef = entryRefs[i]
    if (!entryRef) {
      pushed.push({ memoryLayerId: layer.id })
      continue
    }
    const entry = pick(entries, entryRef, layer.id)
    if (!entry) {
      missing.push({
        field: `${field}.memoryEntryId`,
        description: `is not an entry of memory layer ${layer.id}`,
      })
      continue
    }
    pushed.push({ memoryLayerId: layer.id, memoryEntryId: entry.id })
  }
  if (missing.length) {
    throw invalidArgument(`${missing[0]!.field}: ${missing[0]!.description}`, missing)
  }
  if (baseline.length + pushed.length > MAX_STACK) {
    throw invalidArgument(
      `the effective memory stack would hold ${baseline.length + pushed.length} layers; at most ${MAX_STACK}`,
      [
        {
          field: fields.list,
          description: `the variation assigns ${baseline.length} layers: at most ${MAX_STACK - baseline.length} more`,
        },
      ],
    )
  }
  const effective = [...baseline.map((b) => ({ memoryLayerId: b.memory_layer_id })), ...pushed]
  let episodic: StoredMemory['episodic']
  if (input.episodicKey !== undefined) {
    const key = input.episodicKey
    if (!key.trim() || key.length > 512) {
      throw fieldError('episodicMemory.key', 'must be 1 to 512 characters')
    }
    const ttlSeconds = input.episodicTtlSeconds ?? 0
    const layerId = await episodicLayer(deps, scope, input.agentId, key, ttlSeconds)
    episodic = { key, memoryLayerId: layerId, ttlSeconds }
    effective.push({ memoryLayerId: layerId })
  }
  if (!effective.length) return undefined
  return { memoryStack: pushed, effective, ...(episodic ? { episodic } : {}) }
}

interface RefRow {
  id: string
  external_id: string
  system_managed?: boolean
  layer_id?: string
}

/** The rows named by id or external id, in one query (refs may hold holes). */
async function findByRefs(
  db: Executor,
  table: 'memory_layers' | 'memory_entries',
  workspaceId: string,
  refs: (IdRef | undefined)[],
): Promise<RefRow[]> {
  const ids = refs.flatMap((r) => (r && 'id' in r ? [r.id] : []))
  const externalIds = refs.flatMap((r) => (r && 'externalId' in r ? [r.externalId] : []))
  if (!ids.length && !externalIds.length) return []
  const columns =
    table === 'memory_layers'
      ? sql`id, external_id, system_managed`
      : sql`id, external_id, layer_id`
  // An external id is never '' here (parseIdRef refuses it), so '' cannot match unnamed rows.
  const { rows } = await sql<RefRow>`
    SELECT ${columns} FROM ${sql.table(table)}
    WHERE workspace_id = ${workspaceId}
      AND (id = ANY(${ids}::text[]) OR external_id = ANY(${externalIds}::text[]))`.execute(db)
  return rows
}

/** The row a reference names; an entry must belong to `layerId`. */
function pick(rows: RefRow[], ref: IdRef, layerId?: string): RefRow | undefined {
  return rows.find(
    (r) =>
      ('id' in ref ? r.id === ref.id : r.external_id === ref.externalId) &&
      (layerId === undefined || r.layer_id === layerId),
  )
}

/** The one system-managed EPISODIC layer of (agent, key): created once, its expiry slid forward. */
async function episodicLayer(
  deps: Deps,
  scope: Scope,
  agentId: string,
  key: string,
  ttlSeconds: number,
): Promise<string> {
  const expires = ttlSeconds > 0 ? sql`now() + make_interval(secs => ${ttlSeconds})` : sql`NULL`
  const { rows } = await sql<{ id: string }>`
    INSERT INTO memory_layers (id, account_id, workspace_id, profile_id, name, spec, type,
      system_managed, agent_id, episodic_key, ttl_seconds, expires_at)
    VALUES (${deps.ids('memoryLayer')}, ${scope.accountId}, ${scope.workspaceId}, ${scope.profileId},
      ${`episodic ${key}`.slice(0, 200)},
      ${JSON.stringify({ description: `Episodic memory of agent ${agentId} for key ${key}` })}::jsonb,
      ${EPISODIC}, true, ${agentId}, ${key}, ${ttlSeconds}, ${expires})
    ON CONFLICT (agent_id, episodic_key) WHERE episodic_key IS NOT NULL
    DO UPDATE SET ttl_seconds = EXCLUDED.ttl_seconds, expires_at = EXCLUDED.expires_at,
      updated_at = now()
    RETURNING id`.execute(deps.db)
  return rows[0]!.id
}

/** Entries not expired, of layers not expired, of the given layers. */
function liveEntries(db: Executor, layerIds: string[]) {
  return db
    .selectFrom('memory_entries as e')
    .innerJoin('memory_layers as l', 'l.id', 'e.layer_id')
    .where('e.layer_id', 'in', layerIds)
    .where((eb) =>
      eb.or([eb('e.expires_at', 'is', null), eb('e.expires_at', '>', sql<Date>`now()`)]),
    )
    .where((eb) =>
      eb.or([eb('l.expires_at', 'is', null), eb('l.expires_at', '>', sql<Date>`now()`)]),
    )
}

/** Whether `row` resolves at stack position `ref` (a pinned reference is a one-entry layer). */
const resolvesAt = (ref: MemoryReference, row: { id: string; layer_id: string }) =>
  row.layer_id === ref.memoryLayerId && (!ref.memoryEntryId || ref.memoryEntryId === row.id)

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s)

/**
 * The skills manifest put into the system prompt: each entry the stack resolves (the topmost of
 * each key), its key, title and description, top of the stack first. At most
 * MANIFEST_MAX_ENTRIES entries and MANIFEST_MAX_CHARS characters (titles and descriptions
 * clipped); past that a last line says how many were left out, which stay loadable by key.
 * Postgres resolves each key to its topmost entry and returns only the entries listed: a stack of
 * 10 layers × 1,000 entries sends 200 rows, not 10,000.
 */
export async function buildManifest(db: Executor, stack: MemoryReference[]): Promise<string> {
  if (!stack.length) return ''
  // A manifest is cached by its stack and the versions of its layers: any write to a layer or
  // its entries changes the key. Layers whose entries expire by time (episodic ones, layers
  // with an expiry) are never cached.
  const layers = await db
    .selectFrom('memory_layers')
    .select(['id', 'version', 'system_managed', 'expires_at'])
    .where(
      'id',
      'in',
      stack.map((r) => r.memoryLayerId),
    )
    .execute()
  const cacheable = layers.every((l) => !l.system_managed && !l.expires_at)
  const key = cacheable
    ? JSON.stringify([stack, layers.map((l) => [l.id, l.version]).sort()])
    : undefined
  const cached = key !== undefined ? manifestCache.get(key) : undefined
  if (cached !== undefined) return cached
  const manifest = await resolveManifest(db, stack)
  if (key !== undefined) {
    if (manifestCache.size >= MANIFEST_CACHE_SIZE) {
      manifestCache.delete(manifestCache.keys().next().value!)
    }
    manifestCache.set(key, manifest)
  }
  return manifest
}

/** Manifests by stack and layer versions (process-wide: the key names the database's state). */
const manifestCache = new Map<string, string>()
const MANIFEST_CACHE_SIZE = 256

async function resolveManifest(db: Executor, stack: MemoryReference[]): Promise<string> {
  const { rows } = await sql<{
    key: string
    title: string | null
    description: string | null
    total: string
  }>`
    WITH s AS (
      SELECT * FROM unnest(${stack.map((_, i) => i)}::int[],
        ${stack.map((r) => r.memoryLayerId)}::text[],
        ${stack.map((r) => r.memoryEntryId ?? null)}::text[]) AS s(rank, layer_id, entry_id)
    ), top AS (
      SELECT DISTINCT ON (e.key) e.key, e.spec, s.rank
      FROM s
      JOIN memory_entries e ON e.layer_id = s.layer_id AND (s.entry_id IS NULL OR s.entry_id = e.id)
      JOIN memory_layers l ON l.id = e.layer_id
      WHERE (e.expires_at IS NULL OR e.expires_at > now())
        AND (l.expires_at IS NULL OR l.expires_at > now())
      ORDER BY e.key, s.rank DESC
    )
    SELECT key, spec->>'title' AS title, spec->>'description' AS description,
      count(*) OVER () AS total
    FROM top ORDER BY rank DESC, key LIMIT ${MANIFEST_MAX_ENTRIES}`.execute(db)
  if (!rows.length) return ''
  const lines: string[] = []
  let chars = 0
  for (const row of rows) {
    const title = clip(row.title ?? '', TITLE_MAX)
    const description = clip(row.description ?? '', DESCRIPTION_MAX)
    const line = `- ${row.key}${title ? `: ${title}` : ''}${description ? ` — ${description}` : ''}`
    if (chars + line.length > MANIFEST_MAX_CHARS) break
    lines.push(line)
    chars += line.length + 1
  }
  const omitted = Number(rows[0]!.total) - lines.length
  return [
    '## Skills',
    'Load the full text of a skill with the memory_load_skill tool, passing its key.',
    ...lines,
    ...(omitted > 0 ? [`(${omitted} more skills are not listed; they load by key too)`] : []),
  ].join('\n')
}

/** What a skill lookup found: the entry and where on the stack it resolved. */
export interface SkillHit {
  memoryLayerId: string
  memoryEntryId: string
  content: string
}

/**
 * Walks the stack from the top for `key`; the first hit wins. One indexed query (layer, key) over
 * every layer of the stack, then the walk in memory. Expired entries and layers are never served.
 */
export async function lookupSkill(
  db: Executor,
  stack: MemoryReference[],
  key: string,
): Promise<SkillHit | undefined> {
  // A key no entry may have (a NUL would even fail the query) is a miss, asked of no one.
  if (!stack.length || keyProblems(key).length) return undefined
  const layerIds = [...new Set(stack.map((r) => r.memoryLayerId))]
  const rows = await liveEntries(db, layerIds)
    .select(['e.id', 'e.layer_id', 'e.content'])
    .where('e.key', '=', key)
    .execute()
  for (const ref of [...stack].reverse()) {
    const row = rows.find((r) => resolvesAt(ref, r))
    if (row) return { memoryLayerId: row.layer_id, memoryEntryId: row.id, content: row.content }
  }
  return undefined
}

/** Marks a layer as used now (info.lastUsedAt); a lost update only ages the figure. */
export async function touchLayer(db: Executor, layerId: string): Promise<void> {
  await db
    .updateTable('memory_layers')
    .set({ last_used_at: new Date() })
    .where('id', '=', layerId)
    .execute()
}

export interface SaveInput {
  key: string
  content: string
  title?: string
  description?: string
}

/** Why a memory_save cannot be stored, as the model reads it; undefined when it can. */
export function saveProblem(input: SaveInput): string | undefined {
  const problems = keyProblems(input.key)
  if (problems.length) return `key: ${problems.join('; ')}`
  if (input.content.length > SAVE_MAX_CHARS) return `content: at most ${SAVE_MAX_CHARS} characters`
  // Postgres text holds no NUL: refused here, it is the model's error, not the run's.
  for (const [field, value] of Object.entries(input)) {
    if (typeof value === 'string' && value.includes('\u0000'))
      return `${field}: may not contain NUL`
  }
  return undefined
}

/**
 * Writes one entry of an episodic layer: an upsert on (layer, key), so two objectives saving the
 * same key at once leave one entry, the last write's. It expires `ttlSeconds` after this write.
 */
export async function saveEpisodic(
  db: Executor,
  ids: IdGenerator,
  owner: { accountId: string; workspaceId: string; profileId: string },
  episodic: NonNullable<StoredMemory['episodic']>,
  input: SaveInput,
): Promise<{ memoryEntryId: string }> {
  const expires =
    episodic.ttlSeconds > 0 ? sql`now() + make_interval(secs => ${episodic.ttlSeconds})` : sql`NULL`
  const spec = JSON.stringify({ title: input.title ?? '', description: input.description ?? '' })
  const { rows } = await sql<{ id: string }>`
    INSERT INTO memory_entries (id, account_id, workspace_id, layer_id, profile_id, name, spec, key,
      content, expires_at)
    VALUES (${ids('memoryEntry')}, ${owner.accountId}, ${owner.workspaceId}, ${episodic.memoryLayerId},
      ${owner.profileId}, ${input.key.slice(0, 200)}, ${spec}::jsonb, ${input.key}, ${input.content},
      ${expires})
    ON CONFLICT (layer_id, key) DO UPDATE SET content = EXCLUDED.content, spec = EXCLUDED.spec,
      expires_at = EXCLUDED.expires_at, profile_id = EXCLUDED.profile_id, updated_at = now()
    RETURNING id`.execute(db)
  return { memoryEntryId: rows[0]!.id }
}
