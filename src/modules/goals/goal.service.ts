import { AppError, Code } from '../../lib/errors.ts'
import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
import type { Executor } from '../../db/database.ts'
import type { Deps, Scope } from '../deps.ts'
import { applyUpdate, metadataColumns, resourceMetadata, rethrowUnique } from '../resource.ts'
import {
  CreateGoalBody,
  GoalSpecInput,
  UpdateGoalBody,
  type Goal,
  type GoalMetric,
  type GoalSpec,
  type ListGoalsQuery,
} from './goal.schema.ts'
import { findAgentRef, findGoalRow, resourceNotFound, type Ref } from './goal-refs.ts'
import * as repo from './goals.repository.ts'
import {
  computeGoalMetrics,
  currentMetrics,
  loadGoalFigures,
  metricChanges,
} from './metrics.service.ts'
import { parseOrThrow } from './validate.ts'

type StoredSpec = Omit<GoalSpec, 'metrics'>

/** The one row -> Goal mapping; `metrics` are the current history rows of the goal. */
export function goalOf(row: repo.GoalRow, metrics: GoalMetric[], info?: Goal['info']): Goal {
  const spec = row.spec as Partial<StoredSpec>
  return {
    metadata: {
      ...resourceMetadata(row),
      number: row.number,
      updatedAt: row.updated_at.toISOString(),
    },
    spec: {
      description: spec.description ?? null,
      status: spec.status ?? 'GOAL_STATUS_ACTIVE',
      priority: spec.priority ?? null,
      fields: spec.fields ?? [],
      metrics,
    },
    ...(info ? { info } : {}),
  }
}

/** Validates a spec as a whole and applies the defaults. */
function normalizeSpec(input: unknown): GoalSpec {
  const spec = parseOrThrow(GoalSpecInput, input, 'spec')
  return {
    description: spec.description ?? null,
    status: spec.status ?? 'GOAL_STATUS_ACTIVE',
    priority: spec.priority ?? null,
    fields: spec.fields ?? [],
    metrics: spec.metrics ?? [],
  }
}

const storedSpec = ({ metrics: _metrics, ...rest }: GoalSpec): string => JSON.stringify(rest)

/** Rows as Goals, with info (attached agents, computed metrics) when asked. */
export async function presentGoals(
  db: Executor,
  rows: repo.GoalRow[],
  includeInfo: boolean,
): Promise<Goal[]> {
  const ids = rows.map((r) => r.id)
  const [metrics, attachments, figures] = await Promise.all([
    currentMetrics(db, ids),
    includeInfo ? repo.findAttachments(db, ids) : [],
    includeInfo ? loadGoalFigures(db, ids) : new Map(),
  ])
  return rows.map((row) => {
    const current = (metrics.get(row.id) ?? []).map(({ key, value }) => ({ key, value }))
    if (!includeInfo) return goalOf(row, current as GoalMetric[])
    const agents = attachments
      .filter((a) => a.goal_id === row.id)
      .map((a) => ({ id: a.agent_id, name: a.name, number: a.number }))
    const info = { agents, metrics: computeGoalMetrics(figures.get(row.id)) }
    return goalOf(row, current as GoalMetric[], info)
  })
}

export async function goalById(db: Executor, row: repo.GoalRow): Promise<Goal> {
  return (await presentGoals(db, [row], true))[0]!
}

/** An agent deleted between its lookup and the write is reported as not found. */
function rethrowGoalWrite(err: unknown, agentRefs: Ref[]): never {
  if ((err as { code?: string })?.code === '23503' && agentRefs.length) {
    throw resourceNotFound('agent', agentRefs[0]!)
  }
  return rethrowUnique(err, 'a goal')
}

export interface AgentChange {
  /** Attaches these agents (each one's previous goal is replaced). */
  attach?: Ref[]
  /** Makes these the goal's only agents (HelpGenie's single `agent_id`). */
  replaceWith?: Ref[]
}

async function applyAgentChange(
  trx: Executor,
  scope: Scope,
  goalId: string,
  agentIds: string[],
  replace: boolean,
) {
  if (replace) await repo.deleteGoalAttachments(trx, goalId)
  for (const agentId of agentIds) {
    await repo.upsertAttachment(trx, {
      agent_id: agentId,
      goal_id: goalId,
      workspace_id: scope.workspaceId,
      profile_id: scope.profileId,
    })
  }
}

export async function createGoal(
  deps: Deps,
  scope: Scope,
  body: CreateGoalBody,
  agents: AgentChange = {},
): Promise<Goal> {
  const { metadata } = parseOrThrow(CreateGoalBody, body)
  const spec = normalizeSpec(body.spec ?? {})
  const refs = [...(agents.attach ?? []), ...(agents.replaceWith ?? [])]
  const agentRows = await Promise.all(refs.map((ref) => findAgentRef(deps, scope, ref)))
  const row = await deps.db
    .transaction()
    .execute(async (trx) => {
      const goal = await repo.insertGoal(trx, {
        id: deps.ids('goal'),
        account_id: scope.accountId,
        workspace_id: scope.workspaceId,
        profile_id: scope.profileId,
        ...metadataColumns(metadata),
        spec: storedSpec(spec),
      })
      const who = { goalId: goal.id, workspaceId: scope.workspaceId, profileId: scope.profileId }
      await repo.insertMetricRows(trx, metricChanges([], spec.metrics, who))
      await applyAgentChange(
        trx,
        scope,
        goal.id,
        agentRows.map((a) => a.id),
        false,
      )
      return goal
    })
    .catch((err) => rethrowGoalWrite(err, refs))
  return goalById(deps.db, row)
}

export async function getGoal(deps: Deps, scope: Scope, ref: Ref): Promise<Goal> {
  return goalById(deps.db, await findGoalRow(deps, scope, ref))
}

export async function listGoals(
  deps: Deps,
  scope: Scope,
  query: ListGoalsQuery,
): Promise<Page<Goal>> {
  const position = decodePageRequest(query)
  // An unknown or foreign agent simply has no goals.
  const agent = query.agentId
    ? await findAgentRef(deps, scope, query.agentId).catch((err: unknown) => {
        if (err instanceof AppError && err.code === Code.NOT_FOUND) return undefined
        throw err
      })
    : undefined
  if (query.agentId && !agent) return toPage([], position, 0, (r) => r)
  const { rows, total } = await repo.listGoals(deps.db, scope.workspaceId, position, {
    prefix: query.prefix,
    status: query.status,
    agentId: agent?.id,
  })
  const page = toPage(rows, position, total, (r) => r)
  return { ...page, items: await presentGoals(deps.db, page.items, query.includeInfo ?? false) }
}

/** Every goal matching the filter, oldest first (the compatible surfaces list without pages). */
export async function listAllGoals(
  deps: Deps,
  scope: Scope,
  filter: Pick<ListGoalsQuery, 'status' | 'agentId'> = {},
): Promise<Goal[]> {
  const all: Goal[] = []
  let cursor = ''
  do {
    const page = await listGoals(deps, scope, { ...filter, limit: 500, includeInfo: true, cursor })
    all.push(...page.items)
    cursor = page.pagination.nextCursor
  } while (cursor)
  return all
}

export async function updateGoal(
  deps: Deps,
  scope: Scope,
  ref: Ref,
  body: UpdateGoalBody,
  agents: AgentChange = {},
): Promise<Goal> {
  parseOrThrow(UpdateGoalBody, body)
  const row = await findGoalRow(deps, scope, ref)
  const current = (await presentGoals(deps.db, [row], false))[0]!
  const next = applyUpdate(current, body, body.updateMask)
  const metadata = parseOrThrow(CreateGoalBody.shape.metadata, next.metadata, 'metadata')
  const spec = normalizeSpec(next.spec)
  const refs = [...(agents.attach ?? []), ...(agents.replaceWith ?? [])]
  const agentRows = await Promise.all(refs.map((r) => findAgentRef(deps, scope, r)))
  const updated = await deps.db
    .transaction()
    .execute(async (trx) => {
      const goal = await repo.updateGoalRow(trx, row.id, {
        ...metadataColumns(metadata),
        spec: storedSpec(spec),
      })
      const who = { goalId: row.id, workspaceId: scope.workspaceId, profileId: scope.profileId }
      await repo.insertMetricRows(trx, metricChanges(current.spec.metrics, spec.metrics, who))
      const ids = agentRows.map((a) => a.id)
      if (refs.length || agents.replaceWith) {
        await applyAgentChange(trx, scope, row.id, ids, agents.replaceWith !== undefined)
      }
      return goal
    })
    .catch((err) => rethrowGoalWrite(err, refs))
  return goalById(deps.db, updated)
}

export async function deleteGoal(deps: Deps, scope: Scope, ref: Ref): Promise<void> {
  const row = await findGoalRow(deps, scope, ref)
  await repo.deleteGoalRow(deps.db, row.id)
}
