import type { Insertable } from 'kysely'
import { objectiveFiguresForGoals } from '../objectives/index.ts'
import type { Executor } from '../../db/database.ts'
import type { GoalMetricTable } from '../../db/schema.goals.ts'
import { fieldError } from '../../lib/errors.ts'
import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
import type { Deps, Scope } from '../deps.ts'
import type {
  GoalComputedMetrics,
  GoalMetric,
  GoalMetricRecord,
  ListGoalMetricsQuery,
  MetricValue,
} from './goal.schema.ts'
import { findGoalRow, type Ref } from './goal-refs.ts'
import * as repo from './goals.repository.ts'

/** The one row -> GoalMetricRecord mapping (int64 ids are strings on the wire). */
export function metricRecordOf(row: repo.GoalMetricRow): GoalMetricRecord {
  return {
    id: String(row.id),
    goalId: row.goal_id,
    key: row.key,
    value: (row.value ?? null) as MetricValue | null,
    profileId: row.profile_id,
    createdAt: row.created_at.toISOString(),
  }
}

/** Each goal's current metric rows (the newest per key, removed keys left out), by key. */
export async function currentMetrics(
  db: Executor,
  goalIds: string[],
): Promise<Map<string, GoalMetricRecord[]>> {
  const rows = await repo.currentMetricRows(db, goalIds)
  const byGoal = new Map<string, GoalMetricRecord[]>(goalIds.map((id) => [id, []]))
  for (const row of rows) {
    if (row.value !== null) byGoal.get(row.goal_id)?.push(metricRecordOf(row))
  }
  return byGoal
}

/** History rows turning `before` into `after`: changed or new keys, and removals as null. */
export function metricChanges(
  before: GoalMetric[],
  after: GoalMetric[],
  row: { goalId: string; workspaceId: string; profileId: string },
): Insertable<GoalMetricTable>[] {
  const old = new Map(before.map((m) => [m.key, JSON.stringify(m.value)]))
  const next = new Map(after.map((m) => [m.key, JSON.stringify(m.value)]))
  const base = { goal_id: row.goalId, workspace_id: row.workspaceId, profile_id: row.profileId }
  const changed = [...next].filter(([key, value]) => old.get(key) !== value)
  const removed = [...old.keys()].filter((key) => !next.has(key))
  return [
    ...changed.map(([key, value]) => ({ ...base, key, value })),
    ...removed.map((key) => ({ ...base, key, value: null })),
  ]
}

/** What a goal's computed metrics are made of. */
export interface GoalFigures {
  objectivesTotal: number
  objectivesFinalized: number
  objectivesFailed: number
  /** Over finalized objectives: goal fields expected, and those present in their output. */
  fieldsExpected: number
  fieldsCollected: number
  feedbackCount: number
  feedbackScoreSum: number
}

const NO_FIGURES: GoalFigures = {
  objectivesTotal: 0,
  objectivesFinalized: 0,
  objectivesFailed: 0,
  fieldsExpected: 0,
  fieldsCollected: 0,
  feedbackCount: 0,
  feedbackScoreSum: 0,
}

/** Figures of the objectives run toward each goal (objectives record their goal at creation). */
export function loadGoalFigures(
  db: Executor,
  goalIds: string[],
): Promise<Map<string, GoalFigures>> {
  return objectiveFiguresForGoals(db, goalIds)
}

export function computeGoalMetrics(f: GoalFigures = NO_FIGURES): GoalComputedMetrics {
  return {
    objectivesTotal: f.objectivesTotal,
    objectivesFinalized: f.objectivesFinalized,
    objectivesFailed: f.objectivesFailed,
    fieldsCollectedRate: f.fieldsExpected ? f.fieldsCollected / f.fieldsExpected : 0,
    meanFeedbackScore: f.feedbackCount ? f.feedbackScoreSum / f.feedbackCount : 0,
  }
}

/** A goal's metric history, every change kept. */
export async function listGoalMetrics(
  deps: Deps,
  scope: Scope,
  ref: Ref,
  query: ListGoalMetricsQuery,
): Promise<Page<GoalMetricRecord>> {
  const goal = await findGoalRow(deps, scope, ref)
  const position = decodePageRequest(query)
  const after = position.after === undefined ? undefined : Number(position.after)
  if (after !== undefined && !Number.isSafeInteger(after)) {
    throw fieldError('cursor', 'is not a cursor returned by this API')
  }
  const { rows, total } = await repo.metricHistory(
    deps.db,
    goal.id,
    { ...position, after },
    query.key,
  )
  // Cursors carry ids as text; metric ids are integers.
  const page = toPage(
    rows.map((r) => ({ ...r, id: String(r.id) })),
    position,
    total,
    (r) => metricRecordOf({ ...r, id: Number(r.id) }),
  )
  return page
}
