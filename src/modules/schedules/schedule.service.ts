import { insertResource } from '../../db/resources.ts'
import { failedPrecondition, notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import type { Page } from '../../lib/pagination.ts'
import { findResource } from '../../db/resources.ts'
import { requirePermission } from '../accounts/index.ts'
import { findAgentRow } from '../agents/index.ts'
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
  AgentSchedule,
  CreateScheduleBody,
  ListSchedulesQuery,
  UpdateScheduleBody,
} from './schedule.schema.ts'
import {
  apiStatus,
  checkSpec,
  compiledOf,
  nextFireFrom,
  storedStatus,
  type StoredSpec,
  type StoredStatus,
} from './schedule-spec.ts'
import * as repo from './schedules.repository.ts'
import type { ScheduleRow } from './schedules.repository.ts'

/** "-" in place of an agent id lists the schedules of every agent (AIP-159). */
export const ANY_AGENT = '-'

/**
 * Schedule routes are agent routes (agents:write), but an active schedule creates objectives
 * as its creator: writing one that may fire also needs what creating an objective needs.
 */
function requireObjectiveWrite(scope: Scope): void {
  requirePermission(scope, 'objectives:write', 'A schedule that fires (it creates objectives)')
}

/** The one row -> AgentSchedule mapping; `info` is added on single reads and `includeInfo`. */
export function scheduleOf(row: ScheduleRow, withInfo: boolean): AgentSchedule {
  const spec = row.spec as StoredSpec
  const schedule: AgentSchedule = {
    metadata: resourceMetadata(row),
    spec: {
      ...spec,
      overlapPolicy:
        !spec.overlapPolicy || spec.overlapPolicy === 'OVERLAP_POLICY_UNSPECIFIED'
          ? 'OVERLAP_POLICY_SKIP'
          : spec.overlapPolicy,
      variationId: spec.variationId ?? '',
      status: apiStatus(row.status),
    },
  }
  if (withInfo) {
    schedule.info = {
      ...(row.next_fire_at ? { nextFireAt: row.next_fire_at.toISOString() } : {}),
      ...(row.last_fire_at ? { lastFireAt: row.last_fire_at.toISOString() } : {}),
      lastObjectiveId: row.last_objective_id ?? '',
      ...(row.last_skipped_at ? { lastSkippedAt: row.last_skipped_at.toISOString() } : {}),
      lastSkipReason: row.last_skip_reason,
      totalFires: row.total_fires,
      agent: { id: row.agent_id },
    }
  }
  return schedule
}

/** Loads a schedule of an agent by id or external id, or throws NotFound. */
export async function findScheduleRow(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  ref: string,
): Promise<ScheduleRow> {
  const agent = await findAgentRow(deps, scope, agentRef)
  const row = await findResource(
    deps.db,
    'agent_schedules',
    scope.workspaceId,
    parseIdRef(ref),
    (qb) => qb.where('agent_id', '=', agent.id),
  )
  if (!row) throw notFound('schedule', ref)
  return row
}

export async function createSchedule(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  body: CreateScheduleBody,
): Promise<AgentSchedule> {
  const agent = await findAgentRow(deps, scope, agentRef)
  const { status, ...spec } = body.spec
  const stored = storedStatus(status)
  if (stored === 'ACTIVE') requireObjectiveWrite(scope)
  const compiled = await checkSpec(deps, scope, agent, spec)
  const row = await insertResource(deps.db, 'agent_schedules', {
    ...newResourceColumns(deps.ids('agentSchedule'), scope, {
      ...body.metadata,
      name: body.metadata.name ?? '',
    }),
    agent_id: agent.id,
    spec: JSON.stringify(spec),
    status: stored,
    next_fire_at: nextFireFrom(compiled, stored, deps.clock.now()),
  }).catch((err) => rethrowUnique(err, 'a schedule'))
  if (row.next_fire_at) await repo.notifySchedulesChanged(deps.db, row.id)
  return scheduleOf(row, true)
}

export async function getSchedule(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  ref: string,
): Promise<AgentSchedule> {
  return scheduleOf(await findScheduleRow(deps, scope, agentRef, ref), true)
}

export async function listSchedules(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  query: ListSchedulesQuery,
): Promise<Page<AgentSchedule>> {
  const agentId =
    agentRef === ANY_AGENT ? undefined : (await findAgentRow(deps, scope, agentRef)).id
  return listNamedResources(deps, 'agent_schedules', scope, query, {
    filter: (qb) => (agentId ? qb.where('agent_id', '=', agentId) : qb),
    map: (r) => scheduleOf(r, false),
    withInfo: async (rows) => rows.map((r) => scheduleOf(r, true)),
  })
}

/**
 * Applies an update under the schedule's row lock (a fire in progress finishes first). A changed
 * schedule or status recomputes the next fire from now; an archived schedule stays archived.
 */
export async function updateSchedule(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  ref: string,
  body: UpdateScheduleBody,
): Promise<AgentSchedule> {
  const agent = await findAgentRow(deps, scope, agentRef)
  const found = await findScheduleRow(deps, scope, agent.id, ref)
  const row = await deps.db
    .transaction()
    .execute(async (trx) => {
      const current = (await repo.lockSchedule(trx, found.id))!
      const next = applyUpdate(scheduleOf(current, false), body, body.updateMask)
      const { status, ...spec } = next.spec
      const newStatus = storedStatus(status)
      if (newStatus === 'ACTIVE') requireObjectiveWrite(scope)
      if (current.status === 'ARCHIVED' && newStatus !== 'ARCHIVED') {
        throw failedPrecondition(`schedule ${current.id} is archived and cannot be reactivated`)
      }
      const compiled = await checkSpec(deps, scope, agent, spec)
      const timingChanged =
        newStatus !== current.status ||
        JSON.stringify(spec.schedule) !== JSON.stringify((current.spec as StoredSpec).schedule)
      if (timingChanged) await repo.notifySchedulesChanged(trx, current.id)
      return repo.updateSchedule(trx, current.id, {
        ...metadataColumns(next.metadata),
        spec: JSON.stringify(spec),
        status: newStatus,
        ...(timingChanged
          ? { next_fire_at: nextFireFrom(compiled, newStatus, deps.clock.now()) }
          : {}),
      })
    })
    .catch((err) => rethrowUnique(err, 'a schedule'))
  return scheduleOf(row, true)
}

export async function deleteSchedule(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  ref: string,
): Promise<void> {
  const row = await findScheduleRow(deps, scope, agentRef, ref)
  // Under the row lock: a fire in progress commits (with its objective) before the row goes.
  await deps.db.transaction().execute(async (trx) => {
    await repo.lockSchedule(trx, row.id)
    await trx.deleteFrom('agent_schedules').where('id', '=', row.id).execute()
  })
}

/**
 * Moves a schedule to `to` (the :pause, :resume and :archive verbs). Pausing or archiving clears
 * the next fire; resuming computes it from now, so the fires missed while paused never run.
 * Repeating a verb changes nothing; nothing leaves ARCHIVED.
 */
export async function setScheduleStatus(
  deps: Deps,
  scope: Scope,
  agentRef: string,
  ref: string,
  to: StoredStatus,
): Promise<AgentSchedule> {
  if (to === 'ACTIVE') requireObjectiveWrite(scope)
  const found = await findScheduleRow(deps, scope, agentRef, ref)
  const row = await deps.db.transaction().execute(async (trx) => {
    const current = (await repo.lockSchedule(trx, found.id))!
    if (current.status === to) return current
    if (current.status === 'ARCHIVED') {
      const verb = to === 'ACTIVE' ? 'resumed' : 'paused'
      throw failedPrecondition(`schedule ${current.id} is archived and cannot be ${verb}`)
    }
    const compiled = compiledOf((current.spec as StoredSpec).schedule)
    if (to === 'ACTIVE') await repo.notifySchedulesChanged(trx, current.id)
    return repo.updateSchedule(trx, current.id, {
      status: to,
      next_fire_at: nextFireFrom(compiled, to, deps.clock.now()),
    })
  })
  return scheduleOf(row, true)
}
