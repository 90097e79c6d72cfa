import type { Selectable } from 'kysely'
import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { deleteResource, findResource } from '../../db/resources.ts'
import type { MemoryEntryTable } from '../../db/schema.memory.ts'
import { alreadyExists, fieldError, invalidArgument, notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import type { Page } from '../../lib/pagination.ts'
import { loadProfiles } from '../profiles/index.ts'
import { consumeUpload } from '../uploads/index.ts'
import type { Deps, Scope } from '../deps.ts'
import {
  applyUpdate,
  listNamedResources,
  metadataColumns,
  newResourceColumns,
  resourceMetadata,
} from '../resource.ts'
import { keyProblems } from './entry-key.ts'
import { findLayerRow, layerOf, systemManaged, type LayerRow } from './layer.service.ts'
import type {
  CreateMemoryEntryBody,
  ListMemoryEntriesQuery,
  MemoryEntry,
  MemoryEntryDetail,
  MemoryEntrySpec,
  UpdateMemoryEntryBody,
} from './memory.schema.ts'

export type EntryRow = Selectable<MemoryEntryTable>

/** Media types an upload may have to become a memory entry: text the model can read. */
export const MEMORY_CONTENT_TYPES = ['text/plain', 'text/markdown', 'application/json'] as const

/** 400 naming `field` for each rule the key breaks (entry-key.ts). */
export function checkKey(key: string | undefined, field: string): string {
  const problems = keyProblems(key ?? '')
  if (problems.length) {
    throw invalidArgument(
      `${field}: ${problems.join('; ')}`,
      problems.map((description) => ({ field, description })),
    )
  }
  return key!
}

function entrySpec(row: EntryRow): MemoryEntrySpec {
  const spec = row.spec as { title?: string; description?: string }
  return { key: row.key, title: spec.title ?? '', description: spec.description ?? '' }
}

export function entryOf(row: EntryRow, info?: MemoryEntry['info']): MemoryEntry {
  return { metadata: resourceMetadata(row), spec: entrySpec(row), ...(info ? { info } : {}) }
}

function detailOf(row: EntryRow, info?: MemoryEntry['info']): MemoryEntryDetail {
  return { ...entryOf(row, info), content: row.content }
}

async function infoOf(deps: Deps, layer: LayerRow, rows: EntryRow[]) {
  const profiles = await loadProfiles(
    deps,
    rows.map((r) => r.profile_id),
  )
  const memoryLayer = layerOf(layer).metadata
  return rows.map((r) => ({ createdBy: profiles.get(r.profile_id), memoryLayer }))
}

/** Episodic entries are written by the agent (memory_save), never through the API. */
function mutableLayer(layer: LayerRow): void {
  if (layer.system_managed) {
    throw systemManaged(
      'memoryLayerId',
      'entries of a system-managed layer are written by the runtime',
    )
  }
}

/** A write to a layer's entries changes its version: manifests cached for the old one go stale. */
export async function bumpVersion(db: Executor, layerId: string): Promise<void> {
  await sql`UPDATE memory_layers SET version = version + 1 WHERE id = ${layerId}`.execute(db)
}

/** Expired entries are never served: to the API they are gone. */
const live = (qb: any) =>
  qb.where((eb: any) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql`now()`)]))

async function findEntryRow(deps: Deps, layer: LayerRow, ref: string): Promise<EntryRow> {
  const row = await findResource(
    deps.db,
    'memory_entries',
    layer.workspace_id,
    parseIdRef(ref),
    (qb) => live(qb.where('layer_id', '=', layer.id)),
  )
  if (!row) throw notFound('memory entry', ref)
  return row
}

/** Text of an upload for an entry: an allowed media type, valid UTF-8. */
async function uploadedText(deps: Deps, trx: Executor, scope: Scope, ref: string): Promise<string> {
  const { contentType, bytes } = await consumeUpload(
    trx,
    scope.workspaceId,
    ref,
    'spec.uploadId',
    deps.clock.now(),
  )
  const media = contentType.split(';')[0]!.trim().toLowerCase()
  if (!(MEMORY_CONTENT_TYPES as readonly string[]).includes(media)) {
    throw fieldError(
      'spec.uploadId',
      `content type ${contentType} cannot become a memory entry (allowed: ${MEMORY_CONTENT_TYPES.join(', ')})`,
    )
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw fieldError('spec.uploadId', 'the uploaded bytes are not valid UTF-8 text')
  }
}

/** Exactly one source of a body: inline `content` or a COMPLETE upload. */
function oneSource(spec: { content?: string; uploadId?: string }, required: boolean): void {
  const both = spec.content !== undefined && spec.uploadId !== undefined
  const none = spec.content === undefined && spec.uploadId === undefined
  if (both || (required && none)) {
    const description = 'exactly one of content or uploadId must be set'
    throw invalidArgument(description, [
      { field: 'spec.content', description },
      { field: 'spec.uploadId', description },
    ])
  }
}

function rethrowKey(err: unknown): never {
  const e = err as { code?: string; constraint?: string }
  if (e?.code === '23505') {
    if (e.constraint === 'memory_entries_key')
      throw alreadyExists('spec.key: an entry with this key already exists in the layer')
    throw alreadyExists('a memory entry with this externalId already exists in the layer')
  }
  throw err
}

export async function createEntry(
  deps: Deps,
  scope: Scope,
  layerRef: string,
  body: CreateMemoryEntryBody,
): Promise<MemoryEntryDetail> {
  const layer = await findLayerRow(deps, scope, layerRef)
  mutableLayer(layer)
  const key = checkKey(body.spec.key, 'spec.key')
  oneSource(body.spec, true)
  const row = await deps.db
    .transaction()
    .execute(async (trx) => {
      const content =
        body.spec.uploadId !== undefined
          ? await uploadedText(deps, trx, scope, body.spec.uploadId)
          : body.spec.content!
      await bumpVersion(trx, layer.id)
      return trx
        .insertInto('memory_entries')
        .values({
          ...(newResourceColumns(deps.ids('memoryEntry'), scope, body.metadata) as {
            id: string
            account_id: string
            workspace_id: string
            profile_id: string
            labels: string
          }),
          layer_id: layer.id,
          key,
          content,
          spec: JSON.stringify({
            title: body.spec.title ?? '',
            description: body.spec.description ?? '',
          }),
        })
        .returningAll()
        .executeTakeFirstOrThrow()
    })
    .catch(rethrowKey)
  return detailOf(row, (await infoOf(deps, layer, [row]))[0])
}

export async function getEntry(
  deps: Deps,
  scope: Scope,
  layerRef: string,
  ref: string,
): Promise<MemoryEntryDetail> {
  const layer = await findLayerRow(deps, scope, layerRef)
  const row = await findEntryRow(deps, layer, ref)
  return detailOf(row, (await infoOf(deps, layer, [row]))[0])
}

export async function listEntries(
  deps: Deps,
  scope: Scope,
  layerRef: string,
  query: ListMemoryEntriesQuery,
): Promise<Page<MemoryEntry>> {
  const layer = await findLayerRow(deps, scope, layerRef)
  const prefix = query.prefix
  return listNamedResources(
    deps,
    'memory_entries',
    scope,
    { ...query, prefix: undefined },
    {
      filter: (qb) => {
        let q = live(qb.where('layer_id', '=', layer.id))
        if (prefix) q = q.where(sql`starts_with(key, ${prefix})`)
        return q
      },
      map: (r) => entryOf(r),
      withInfo: async (rows) => {
        const info = await infoOf(deps, layer, rows)
        return rows.map((r, i) => entryOf(r, info[i]))
      },
    },
  )
}

export async function updateEntry(
  deps: Deps,
  scope: Scope,
  layerRef: string,
  ref: string,
  body: UpdateMemoryEntryBody,
): Promise<MemoryEntryDetail> {
  const layer = await findLayerRow(deps, scope, layerRef)
  mutableLayer(layer)
  const row = await findEntryRow(deps, layer, ref)
  const current = {
    metadata: resourceMetadata(row),
    spec: { ...entrySpec(row) } as MemoryEntrySpec & { content?: string; uploadId?: string },
  }
  const next = applyUpdate(current, body, body.updateMask)
  const key = checkKey(next.spec.key, 'spec.key')
  oneSource(next.spec, false)
  const updated = await deps.db
    .transaction()
    .execute(async (trx) => {
      const content =
        next.spec.uploadId !== undefined
          ? await uploadedText(deps, trx, scope, next.spec.uploadId)
          : next.spec.content
      await bumpVersion(trx, layer.id)
      return trx
        .updateTable('memory_entries')
        .set({
          ...metadataColumns(next.metadata),
          key,
          spec: JSON.stringify({
            title: next.spec.title ?? '',
            description: next.spec.description ?? '',
          }),
          ...(content !== undefined ? { content } : {}),
          updated_at: new Date(),
        })
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirstOrThrow()
    })
    .catch(rethrowKey)
  return detailOf(updated, (await infoOf(deps, layer, [updated]))[0])
}

export async function deleteEntry(
  deps: Deps,
  scope: Scope,
  layerRef: string,
  ref: string,
): Promise<void> {
  const layer = await findLayerRow(deps, scope, layerRef)
  mutableLayer(layer)
  const row = await findEntryRow(deps, layer, ref)
  await deps.db.transaction().execute(async (trx) => {
    await bumpVersion(trx, layer.id)
    await deleteResource(trx, 'memory_entries', row.id)
  })
}
