import { sql } from 'kysely'
import { findResource } from '../../db/resources.ts'
import { alreadyExists, fieldError, notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import { findAgentRow, findVariationRow, type VariationRow } from '../agents/index.ts'
import type { Deps, Scope } from '../deps.ts'
import { findLayerRow, systemManaged } from './layer.service.ts'
import type {
  AddMemoryLayerAssignmentBody,
  VariationMemoryLayerAssignment,
} from './memory.schema.ts'

/** A variation's baseline stack holds at most this many layers; so does an objective's stack. */
export const MAX_STACK = 10

export async function findNestedVariation(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  ref: string,
): Promise<VariationRow> {
  const agent = await findAgentRow(deps, scope, agentRef)
  return findVariationRow(deps, scope, agent.id, ref)
}

export async function findVariationById(
  deps: Deps,
  scope: Scope,
  ref: string,
): Promise<VariationRow> {
  const row = await findResource(deps.db, 'agent_variations', scope.workspaceId, parseIdRef(ref))
  if (!row) throw notFound('variation', ref)
  return row
}

/**
 * Assigns a layer to a variation's baseline stack at `position` (default: on top). Positions are
 * unique per variation, at most MAX_STACK layers, never an episodic one. The variation row is
 * locked so two assignments at once cannot both pass the count.
 */
export async function addMemoryLayerAssignment(
  deps: Deps,
  scope: Scope,
  variation: VariationRow,
  body: AddMemoryLayerAssignmentBody,
): Promise<VariationMemoryLayerAssignment> {
  if (!body.memoryLayerId) throw fieldError('memoryLayerId', 'is required')
  const layer = await findLayerRow(deps, scope, body.memoryLayerId).catch(() => {
    throw fieldError(
      'memoryLayerId',
      `memory layer ${JSON.stringify(body.memoryLayerId)} not found`,
    )
  })
  if (layer.system_managed) {
    throw systemManaged('memoryLayerId', 'a system-managed (episodic) layer cannot be assigned')
  }
  const row = await deps.db.transaction().execute(async (trx) => {
    await sql`SELECT id FROM agent_variations WHERE id = ${variation.id} FOR UPDATE`.execute(trx)
    const existing = await trx
      .selectFrom('variation_memory_layers')
      .select(['memory_layer_id', 'position'])
      .where('variation_id', '=', variation.id)
      .execute()
    if (existing.some((e) => e.memory_layer_id === layer.id)) {
      throw alreadyExists('this memory layer is already assigned to the variation')
    }
    if (existing.length >= MAX_STACK) {
      throw fieldError('memoryLayerId', `a variation holds at most ${MAX_STACK} memory layers`)
    }
    const position = body.position ?? Math.max(-1, ...existing.map((e) => e.position)) + 1
    if (existing.some((e) => e.position === position)) {
      throw fieldError('position', `${position} is taken by another assignment of the variation`)
    }
    return trx
      .insertInto('variation_memory_layers')
      .values({
        id: deps.ids('memoryLayerAssignment'),
        account_id: scope.accountId,
        workspace_id: scope.workspaceId,
        profile_id: scope.profileId,
        variation_id: variation.id,
        memory_layer_id: layer.id,
        position,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
  })
  return { id: row.id, memoryLayer: { id: layer.id, name: layer.name }, position: row.position }
}

/** Moves an assignment to another free position. */
export async function moveMemoryLayerAssignment(
  deps: Deps,
  variation: VariationRow,
  id: string,
  position: number | undefined,
): Promise<VariationMemoryLayerAssignment> {
  if (position === undefined) throw fieldError('position', 'is required')
  const row = await deps.db
    .updateTable('variation_memory_layers')
    .set({ position })
    .where('id', '=', id)
    .where('variation_id', '=', variation.id)
    .returningAll()
    .executeTakeFirst()
    .catch((err: { code?: string }) => {
      if (err?.code === '23505') {
        throw fieldError('position', `${position} is taken by another assignment of the variation`)
      }
      throw err
    })
  if (!row) throw notFound('memory layer assignment', id)
  const layer = await deps.db
    .selectFrom('memory_layers')
    .select(['id', 'name'])
    .where('id', '=', row.memory_layer_id)
    .executeTakeFirstOrThrow()
  return { id: row.id, memoryLayer: { id: layer.id, name: layer.name }, position: row.position }
}

export async function removeMemoryLayerAssignment(
  deps: Deps,
  variation: VariationRow,
  id: string,
): Promise<void> {
  const deleted = await deps.db
    .deleteFrom('variation_memory_layers')
    .where('id', '=', id)
    .where('variation_id', '=', variation.id)
    .executeTakeFirst()
  if (Number(deleted.numDeletedRows) === 0) throw notFound('memory layer assignment', id)
}
