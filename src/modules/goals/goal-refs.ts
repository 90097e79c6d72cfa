import { AppError, Code } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import type { Deps, Scope } from '../deps.ts'
import * as repo from './goals.repository.ts'

/** A goal or agent reference: an id, `external_id:<x>` / `eid:<x>`, or its per-workspace number. */
export type Ref = string | { number: number }

export const RESOURCE_INFO_TYPE = 'type.googleapis.com/google.rpc.ResourceInfo'

/**
 * NotFound naming the missing resource in a google.rpc.ResourceInfo detail, so the compatible
 * surfaces can tell a missing agent (HelpGenie AGENT_NOT_FOUND) from a missing goal.
 */
export function resourceNotFound(resourceType: 'goal' | 'agent', ref: Ref): AppError {
  const name = typeof ref === 'string' ? ref : `#${ref.number}`
  return new AppError(Code.NOT_FOUND, `${resourceType} ${JSON.stringify(name)} not found`, [
    {
      '@type': RESOURCE_INFO_TYPE,
      resourceType,
      resourceName: name,
      owner: '',
      description: 'not found',
    },
  ])
}

/** The resource type a NotFound error names, if it names one. */
export function notFoundResourceType(err: AppError): string | undefined {
  if (err.code !== Code.NOT_FOUND) return undefined
  const info = err.details.find((d) => d['@type'] === RESOURCE_INFO_TYPE)
  return info ? String(info.resourceType) : undefined
}

const INT32_MAX = 2_147_483_647

const lookup = (ref: Ref): repo.Lookup => (typeof ref === 'string' ? parseIdRef(ref) : ref)

/** Numbers are int32 columns: a number outside that range names nothing (and must not reach SQL). */
const unmatchable = (ref: Ref) =>
  typeof ref !== 'string' &&
  !(Number.isInteger(ref.number) && ref.number >= 1 && ref.number <= INT32_MAX)

/** Loads a goal of the scope's workspace, or throws NotFound (other workspaces' goals included). */
export async function findGoalRow(deps: Deps, scope: Scope, ref: Ref): Promise<repo.GoalRow> {
  const row = unmatchable(ref)
    ? undefined
    : await repo.findGoal(deps.db, scope.workspaceId, lookup(ref))
  if (!row) throw resourceNotFound('goal', ref)
  return row
}

export async function findAgentRef(deps: Deps, scope: Scope, ref: Ref) {
  const row = unmatchable(ref)
    ? undefined
    : await repo.findAgent(deps.db, scope.workspaceId, lookup(ref))
  if (!row) throw resourceNotFound('agent', ref)
  return row
}
