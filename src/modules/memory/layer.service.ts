import type { Selectable } from 'kysely'
import { sql } from 'kysely'
import { deleteResource, findResource, insertResource, updateResource } from '../../db/resources.ts'
import type { MemoryLayerTable } from '../../db/schema.memory.ts'
import { AppError, BAD_REQUEST_TYPE, Code, fieldError, notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import type { Page } from '../../lib/pagination.ts'
import { loadProfiles } from '../profiles/index.ts'
import type { Deps, Scope } from '../deps.ts'
import {
  applyUpdate,
  listNamedResources,
  metadataColumns,
  newResourceColumns,
  resourceMetadata,
  rethrowUnique,
} from '../resource.ts'
import type {
  CreateMemoryLayerBody,
  ListMemoryLayersQuery,
  MemoryLayer,
  MemoryLayerSpec,
  UpdateMemoryLayerBody,
} from './memory.schema.ts'

export type LayerRow = Selectable<MemoryLayerTable>

export const SKILLS = 'MEMORY_LAYER_TYPE_SKILLS'
export const EPISODIC = 'MEMORY_LAYER_TYPE_EPISODIC'

/**
 * 400 code 9 (FAILED_PRECONDITION) naming `field`: episodic layers belong to the runtime, which
 * alone creates, changes and fills them (docs/api.md section 3.11).
 */
export function systemManaged(field: string, description: string): AppError {
  return new AppError(Code.FAILED_PRECONDITION, `${field}: ${description}`, [
    { '@type': BAD_REQUEST_TYPE, fieldViolations: [{ field, description }] },
  ])
}

/** The one row -> MemoryLayer mapping. */
export function layerOf(row: LayerRow, info?: MemoryLayer['info']): MemoryLayer {
  const stored = row.spec as { description?: string }
  const spec: MemoryLayerSpec = {
    type: row.type as MemoryLayerSpec['type'],
    description: stored.description ?? '',
    systemManaged: row.system_managed,
    ...(row.expires_at ? { expiresAt: row.expires_at.toISOString() } : {}),
    ...(row.agent_id ? { agentId: row.agent_id } : {}),
    ...(row.episodic_key !== null ? { episodicKey: row.episodic_key } : {}),
  }
  return { metadata: resourceMetadata(row), spec, ...(info ? { info } : {}) }
}

async function withInfo(deps: Deps, rows: LayerRow[]): Promise<MemoryLayer[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const [profiles, counts] = await Promise.all([
    loadProfiles(
      deps,
      rows.map((r) => r.profile_id),
    ),
    deps.db
      .selectFrom('memory_entries')
      .select(['layer_id', sql<string>`count(*)`.as('n')])
      .where('layer_id', 'in', ids)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]))
      .groupBy('layer_id')
      .execute(),
  ])
  const count = new Map(counts.map((c) => [c.layer_id, Number(c.n)]))
  return rows.map((row) =>
    layerOf(row, {
      createdBy: profiles.get(row.profile_id),
      entryCount: count.get(row.id) ?? 0,
      ...(row.last_used_at ? { lastUsedAt: row.last_used_at.toISOString() } : {}),
    }),
  )
}

export async function findLayerRow(deps: Deps, scope: Scope, ref: string): Promise<LayerRow> {
  const row = await findResource(deps.db, 'memory_layers', scope.workspaceId, parseIdRef(ref))
  if (!row) throw notFound('memory layer', ref)
  return row
}

/** A client creates SKILLS layers only; episodic layers are the runtime's. */
function checkType(type: string | undefined): void {
  if (type === EPISODIC) {
    throw systemManaged('spec.type', 'episodic layers are created by the runtime, not the API')
  }
  if (type !== SKILLS) throw fieldError('spec.type', `is required: ${SKILLS}`)
}

export async function createLayer(
  deps: Deps,
  scope: Scope,
  body: CreateMemoryLayerBody,
): Promise<MemoryLayer> {
  checkType(body.spec.type)
  if (body.spec.systemManaged) {
    throw systemManaged(
      'spec.systemManaged',
      'is set by the server: only the runtime manages layers',
    )
  }
  const row = await insertResource(deps.db, 'memory_layers', {
    ...newResourceColumns(deps.ids('memoryLayer'), scope, body.metadata),
    type: SKILLS,
    spec: JSON.stringify({ description: body.spec.description ?? '' }),
    expires_at: body.spec.expiresAt ?? null,
  }).catch((err) => rethrowUnique(err, 'a memory layer'))
  return (await withInfo(deps, [row]))[0]!
}

export async function getLayer(deps: Deps, scope: Scope, ref: string): Promise<MemoryLayer> {
  return (await withInfo(deps, [await findLayerRow(deps, scope, ref)]))[0]!
}

export function listLayers(
  deps: Deps,
  scope: Scope,
  query: ListMemoryLayersQuery,
): Promise<Page<MemoryLayer>> {
  const type = query.type && query.type !== 'MEMORY_LAYER_TYPE_UNSPECIFIED' ? query.type : undefined
  return listNamedResources(deps, 'memory_layers', scope, query, {
    filter: (qb) => (type ? qb.where('type', '=', type) : qb),
    map: (r) => layerOf(r),
    withInfo: (rows) => withInfo(deps, rows),
  })
}

export async function updateLayer(
  deps: Deps,
  scope: Scope,
  ref: string,
  body: UpdateMemoryLayerBody,
): Promise<MemoryLayer> {
  const row = await findLayerRow(deps, scope, ref)
  if (row.system_managed) throw systemManaged('id', 'a system-managed layer cannot be changed')
  const next = applyUpdate(layerOf(row), body, body.updateMask)
  if (next.spec.type !== row.type) throw fieldError('spec.type', 'cannot be changed')
  if (next.spec.systemManaged) {
    throw systemManaged(
      'spec.systemManaged',
      'is set by the server: only the runtime manages layers',
    )
  }
  const updated = await updateResource(deps.db, 'memory_layers', row.id, {
    ...metadataColumns(next.metadata),
    version: sql`version + 1`,
    spec: JSON.stringify({ description: next.spec.description ?? '' }),
    expires_at: next.spec.expiresAt ?? null,
  }).catch((err) => rethrowUnique(err, 'a memory layer'))
  return (await withInfo(deps, [updated]))[0]!
}

export async function deleteLayer(deps: Deps, scope: Scope, ref: string): Promise<void> {
  const row = await findLayerRow(deps, scope, ref)
  if (row.system_managed) throw systemManaged('id', 'a system-managed layer cannot be deleted')
  await deleteResource(deps.db, 'memory_layers', row.id)
}
