import { findResource } from '../../db/resources.ts'
import type { ResourceTable } from '../../db/schema.ts'
import { alreadyExists, fieldError, invalidArgument, notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import type { Deps, Scope } from '../deps.ts'
import type { VariationAssignment } from './agent.schema.ts'
import type { AddAssignmentBody } from './assignment.schema.ts'
import { findAgentRow, findVariationRow, type VariationRow } from './rows.ts'

const TARGETS = {
  toolId: { table: 'tools', column: 'tool_id', kind: 'tool' },
  toolSetId: { table: 'tool_sets', column: 'tool_set_id', kind: 'tool set' },
  subAgentId: { table: 'agents', column: 'sub_agent_id', kind: 'agent' },
} as const satisfies Record<string, { table: ResourceTable; column: string; kind: string }>
type TargetField = keyof typeof TARGETS

/** Seed 004 addresses a variation by id alone; it must still belong to the scope's workspace. */
export async function findVariationById(
  deps: Deps,
  scope: Scope,
  ref: string,
): Promise<VariationRow> {
  const row = await findResource(deps.db, 'agent_variations', scope.workspaceId, parseIdRef(ref))
  if (!row) throw notFound('variation', ref)
  return row
}

/** Seed 003 addresses a variation under its agent. */
export async function findNestedVariation(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  ref: string,
): Promise<VariationRow> {
  const agent = await findAgentRow(deps, scope, agentRef)
  return findVariationRow(deps, scope, agent.id, ref)
}

/** The newest API's union keys, by the seed-era field they stand for. */
const UNION_KEYS = { tool: 'toolId', toolSet: 'toolSetId', agent: 'subAgentId' } as const
type UnionKey = keyof typeof UNION_KEYS

/** The union form `{type, toolSet: {id}}` as the flat `{type, toolSetId}` it means. */
function flatBody(body: AddAssignmentBody): AddAssignmentBody {
  const flat: AddAssignmentBody = { ...body }
  for (const key of Object.keys(UNION_KEYS) as UnionKey[]) {
    const value = body[key]
    delete flat[key]
    if (value === undefined) continue
    const field = UNION_KEYS[key]
    if (body[field] !== undefined) {
      throw fieldError(key, `names the same target as ${field}: give one of them`)
    }
    flat[field] = value.id
  }
  if (body.type && body.type in UNION_KEYS) flat.type = UNION_KEYS[body.type as UnionKey]
  return flat
}

function chooseTarget(union: AddAssignmentBody): { field: TargetField; ref: string } {
  const body = flatBody(union)
  const given = (Object.keys(TARGETS) as TargetField[]).filter((f) => body[f] !== undefined)
  if (given.length !== 1) {
    const fields = given.length ? given : (Object.keys(TARGETS) as TargetField[])
    const description = 'exactly one of toolId, toolSetId or subAgentId must be set'
    throw invalidArgument(
      description,
      fields.map((field) => ({ field, description })),
    )
  }
  const field = given[0]!
  if (body.type && body.type !== field) {
    throw fieldError('type', `is ${body.type} but ${field} is the field set`)
  }
  return { field, ref: body[field]! }
}

export async function addAssignment(
  deps: Deps,
  scope: Scope,
  variation: VariationRow,
  body: AddAssignmentBody,
): Promise<VariationAssignment> {
  const { field, ref } = chooseTarget(body)
  const target = TARGETS[field]
  const row = await findResource(deps.db, target.table, scope.workspaceId, parseIdRef(ref))
  if (!row) throw fieldError(field, `${target.kind} ${JSON.stringify(ref)} not found`)
  if (field === 'subAgentId' && row.id === variation.agent_id) {
    throw fieldError(field, 'a variation cannot call its own agent as a sub-agent')
  }
  const inserted = await deps.db
    .insertInto('variation_assignments')
    .values({
      id: deps.ids('assignment'),
      account_id: scope.accountId,
      workspace_id: scope.workspaceId,
      profile_id: scope.profileId,
      variation_id: variation.id,
      [target.column]: row.id,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
    .catch((err: { code?: string }) => {
      if (err?.code === '23505') {
        throw alreadyExists(`this ${target.kind} is already assigned to the variation`)
      }
      // The target was deleted between the check and the insert.
      if (err?.code === '23503')
        throw fieldError(field, `${target.kind} ${JSON.stringify(ref)} not found`)
      throw err
    })
  const key = field === 'toolId' ? 'tool' : field === 'toolSetId' ? 'toolSet' : 'agent'
  return { id: inserted.id, type: key, [key]: { id: row.id, name: row.name } }
}

export async function removeAssignment(
  deps: Deps,
  scope: Scope,
  variation: VariationRow,
  id: string,
): Promise<void> {
  const deleted = await deps.db
    .deleteFrom('variation_assignments')
    .where('id', '=', id)
    .where('variation_id', '=', variation.id)
    .where('workspace_id', '=', scope.workspaceId)
    .executeTakeFirst()
  if (Number(deleted.numDeletedRows) === 0) throw notFound('assignment', id)
}
