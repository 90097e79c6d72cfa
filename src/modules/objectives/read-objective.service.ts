import { discoveryCallables, memoryCallables } from './builtin-tools.ts'
import type { ApiFamily } from '../../lib/api-family.ts'
import { fieldError, notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import { decodePageRequest, toPage, type Page, type PageRequest } from '../../lib/pagination.ts'
import { loadProfiles } from '../profiles/index.ts'
import type { Deps, Scope } from '../deps.ts'
import { stateFilter } from './objective.ts'
import {
  eventOf,
  objectiveOf,
  objectiveToolOf,
  toolCallOf,
  windowOf,
  type StoredObjectiveData,
  type StoredTool,
} from './objective.mappers.ts'
import type {
  ListEventsQuery,
  ListObjectivesQuery,
  ListToolCallsQuery,
  Objective,
  ObjectiveContextWindow,
  ObjectiveEvent,
  ObjectiveTool,
  ObjectiveToolCall,
} from './objective.schema.ts'
import * as repo from './objectives.repository.ts'

/** Loads an objective of the scope's workspace by id or external id, or throws NotFound. */
export async function findObjectiveRow(
  deps: Deps,
  scope: Scope,
  ref: string,
): Promise<repo.ObjectiveRow> {
  const row = await repo.findObjective(deps.db, scope.workspaceId, parseIdRef(ref))
  if (!row) throw notFound('objective', ref)
  return row
}

export async function getObjective(
  deps: Deps,
  scope: Scope,
  ref: string,
  family: ApiFamily,
): Promise<Objective> {
  const row = await findObjectiveRow(deps, scope, ref)
  const [profiles, windows, costs, iterations] = await Promise.all([
    loadProfiles(deps, [row.profile_id]),
    repo.lastWindows(deps.db, row.id, 5),
    repo.treeCosts(deps.db, [row.id]),
    repo.countIterations(deps.db, [row.id]),
  ])
  return objectiveOf(row, family, {
    withInfo: true,
    createdBy: profiles.get(row.profile_id),
    windows,
    treeCostUsd: costs.get(row.id) ?? null,
    iterations: iterations.get(row.id),
  })
}

function parseLabels(raw: string | undefined): Record<string, string> | undefined {
  if (!raw) return undefined
  return Object.fromEntries(
    raw.split(',').map((pair) => {
      const at = pair.indexOf('=')
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()]
    }),
  )
}

export async function listObjectives(
  deps: Deps,
  scope: Scope,
  query: ListObjectivesQuery,
  family: ApiFamily,
): Promise<Page<Objective>> {
  const position = decodePageRequest(query)
  const { rows, total } = await repo.listObjectives(deps.db, scope.workspaceId, position, {
    agentId: query.agentId,
    states: query.state ? stateFilter(query.state, family) : undefined,
    parentObjectiveId: query.parentObjectiveId,
    profileId: query.profileId,
    labels: parseLabels(query.labels),
    sourceScheduleId: query.agentScheduleId,
  })
  const page = toPage(rows, position, total, (r) => r)
  const ids = page.items.map((r) => r.id)
  const [profiles, costs, iterations] = query.includeInfo
    ? await Promise.all([
        loadProfiles(
          deps,
          page.items.map((r) => r.profile_id),
        ),
        repo.treeCosts(deps.db, ids),
        repo.countIterations(deps.db, ids),
      ])
    : [new Map(), new Map<string, string | null>(), new Map<string, number>()]
  const items = page.items.map((r) =>
    objectiveOf(r, family, {
      withInfo: !!query.includeInfo,
      createdBy: profiles.get(r.profile_id),
      treeCostUsd: costs.get(r.id) ?? null,
      iterations: iterations.get(r.id),
    }),
  )
  return { ...page, items }
}

/** Event pages are in sequence order, so their cursor carries a sequence number. */
function eventPosition(query: PageRequest) {
  const position = decodePageRequest(query)
  if (position.after === undefined) return { ...position, afterSeq: undefined }
  const afterSeq = Number(position.after)
  if (!Number.isInteger(afterSeq)) throw fieldError('cursor', 'is not a cursor of this list')
  return { ...position, afterSeq }
}

export async function listEvents(
  deps: Deps,
  scope: Scope,
  ref: string,
  query: ListEventsQuery,
  family: ApiFamily,
): Promise<Page<ObjectiveEvent>> {
  const parent = await findObjectiveRow(deps, scope, ref)
  const position = eventPosition(query)
  let sinceSeq: number | undefined
  if (query.sinceEventId) {
    const since = await repo.findEventSeq(deps.db, parent.id, query.sinceEventId)
    if (!since) throw fieldError('sinceEventId', 'is not an event of this objective')
    sinceSeq = since.seq
  }
  const { rows, total } = await repo.listEvents(
    deps.db,
    parent.id,
    { ...position, windowId: query.windowId },
    sinceSeq,
  )
  const page = toPage(
    rows,
    position,
    total,
    (r) => r,
    (r) => String(r.seq),
  )
  const profiles = query.includeInfo
    ? await loadProfiles(
        deps,
        page.items.map((r) => r.profile_id),
      )
    : undefined
  const items = page.items.map((r) =>
    eventOf(parent, r, family, profiles ? { createdBy: profiles.get(r.profile_id) } : undefined),
  )
  return { items, pagination: page.pagination }
}

export async function listToolCalls(
  deps: Deps,
  scope: Scope,
  ref: string,
  query: ListToolCallsQuery,
): Promise<Page<ObjectiveToolCall>> {
  const parent = await findObjectiveRow(deps, scope, ref)
  const position = decodePageRequest(query)
  const { rows, total } = await repo.listToolCalls(deps.db, parent.id, position, {
    status: query.status,
    executionStatus: query.executionStatus,
  })
  const page = toPage(rows, position, total, (r) => r)
  const profiles = await loadProfiles(deps, [
    parent.profile_id,
    ...page.items.flatMap((r) => (r.status_changed_by ? [r.status_changed_by] : [])),
  ])
  const items = page.items.map((r) =>
    toolCallOf(
      parent,
      r,
      query.includeInfo ? { createdBy: profiles.get(parent.profile_id) } : undefined,
      r.status_changed_by ? profiles.get(r.status_changed_by) : undefined,
    ),
  )
  return { ...page, items }
}

export async function getToolCall(
  deps: Deps,
  scope: Scope,
  ref: string,
  toolCallId: string,
): Promise<ObjectiveToolCall> {
  const parent = await findObjectiveRow(deps, scope, ref)
  const row = await repo.findToolCall(deps.db, parent.id, toolCallId)
  if (!row) throw notFound('tool call', toolCallId)
  const profiles = await loadProfiles(deps, [parent.profile_id, row.status_changed_by ?? ''])
  return toolCallOf(
    parent,
    row,
    { createdBy: profiles.get(parent.profile_id) },
    row.status_changed_by ? profiles.get(row.status_changed_by) : undefined,
  )
}

export async function listObjectiveTools(
  deps: Deps,
  scope: Scope,
  ref: string,
  query: PageRequest,
): Promise<Page<ObjectiveTool>> {
  const parent = await findObjectiveRow(deps, scope, ref)
  const position = decodePageRequest(query)
  // The snapshot is a small array on the objective row: page it in memory, by tool id. Sub-agents
  // are callable tools too (by agent id).
  const data = parent.data as unknown as StoredObjectiveData
  const subAgents = data.subAgents ?? []
  // The memory and discovery built-ins are listed too (docs/api.md sections 3.11 and 5.12), by
  // their name.
  const owner = {
    accountId: parent.account_id,
    workspaceId: parent.workspace_id,
    profileId: parent.profile_id,
    createdAt: parent.created_at.toISOString(),
  }
  const builtins = [
    ...memoryCallables(owner, data.memory),
    ...discoveryCallables(owner, data.variation.spec),
  ].map((c) => ({
    metadata: c.cadenyaProvidedTool!,
  }))
  const all = [
    ...(parent.tools as unknown as StoredTool[]).map((t) => t.tool),
    ...subAgents,
    ...builtins,
  ].sort((a, b) => a.metadata.id.localeCompare(b.metadata.id))
  if (position.sortOrder === 'desc') all.reverse()
  const after = position.after
  const start = after
    ? all.findIndex((t) =>
        position.sortOrder === 'asc' ? t.metadata.id > after : t.metadata.id < after,
      )
    : 0
  const rest = start < 0 ? [] : all.slice(start, start + position.limit + 1)
  const rows = rest.map((t) => ({ id: t.metadata.id, t }))
  return toPage(rows, position, all.length, (r) => objectiveToolOf(r.t))
}

export async function listContextWindows(
  deps: Deps,
  scope: Scope,
  ref: string,
  query: PageRequest & { includeInfo?: boolean },
): Promise<Page<ObjectiveContextWindow>> {
  const parent = await findObjectiveRow(deps, scope, ref)
  const position = decodePageRequest(query)
  const { rows, total } = await repo.listWindows(deps.db, parent.id, position)
  const profiles = query.includeInfo ? await loadProfiles(deps, [parent.profile_id]) : undefined
  return toPage(rows, position, total, (w) =>
    windowOf(parent, w, profiles ? { createdBy: profiles.get(parent.profile_id) } : undefined),
  )
}
