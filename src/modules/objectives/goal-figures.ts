import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'

/**
 * What a goal's computed metrics are made of, from the objectives created under it (the goal id
 * they snapshotted) — the same shape as the goals module's GoalFigures.
 */
export interface ObjectiveGoalFigures {
  objectivesTotal: number
  objectivesFinalized: number
  objectivesFailed: number
  /** Over finalized objectives: goal fields expected, and those present in their output. */
  fieldsExpected: number
  fieldsCollected: number
  feedbackCount: number
  feedbackScoreSum: number
}

const ZERO: ObjectiveGoalFigures = {
  objectivesTotal: 0,
  objectivesFinalized: 0,
  objectivesFailed: 0,
  fieldsExpected: 0,
  fieldsCollected: 0,
  feedbackCount: 0,
  feedbackScoreSum: 0,
}

interface FigureRow {
  goal_id: string
  total: string
  finalized: string
  failed: string
  expected: string
  collected: string
  feedback_count: string
  feedback_sum: number | null
}

/**
 * The figures of several goals in one aggregate over their objectives (index objectives_goal),
 * computed on read so nothing has to be written when an objective finishes. A field counts as
 * collected when the output holds a value for its key that is not null or an empty string; the
 * goal's current fields are the ones expected. TIMED_OUT counts as failed, as the implicit family
 * shows it.
 */
export async function objectiveFiguresForGoals(
  db: Executor,
  goalIds: string[],
): Promise<Map<string, ObjectiveGoalFigures>> {
  const figures = new Map(goalIds.map((id) => [id, { ...ZERO }]))
  if (!goalIds.length) return figures
  const { rows } = await sql<FigureRow>`
    WITH g AS (
      SELECT id, COALESCE(spec->'fields', '[]'::jsonb) AS fields FROM goals WHERE id = ANY(${goalIds})
    ), o AS (
      SELECT o.id, o.goal_id, o.state,
        CASE WHEN o.state = 'FINALIZED' THEN jsonb_array_length(g.fields) ELSE 0 END AS expected,
        CASE WHEN o.state = 'FINALIZED' AND jsonb_typeof(o.output) = 'object' THEN (
          SELECT count(*) FROM jsonb_array_elements(g.fields) f
          WHERE o.output->(f->>'key') IS NOT NULL
            AND o.output->(f->>'key') NOT IN ('null'::jsonb, '""'::jsonb)
        ) ELSE 0 END AS collected
      FROM objectives o JOIN g ON g.id = o.goal_id
    ), fb AS (
      SELECT o.goal_id, count(f.score) AS n, sum(f.score) AS total
      FROM objective_feedback f JOIN objectives o ON o.id = f.objective_id
      WHERE o.goal_id = ANY(${goalIds}) AND f.score IS NOT NULL
      GROUP BY o.goal_id
    )
    SELECT g.id AS goal_id,
      count(o.id) AS total,
      count(o.id) FILTER (WHERE o.state = 'FINALIZED') AS finalized,
      count(o.id) FILTER (WHERE o.state IN ('FAILED', 'TIMED_OUT')) AS failed,
      COALESCE(sum(o.expected), 0) AS expected,
      COALESCE(sum(o.collected), 0) AS collected,
      COALESCE(max(fb.n), 0) AS feedback_count,
      max(fb.total) AS feedback_sum
    FROM g LEFT JOIN o ON o.goal_id = g.id LEFT JOIN fb ON fb.goal_id = g.id
    GROUP BY g.id`.execute(db)
  for (const r of rows) {
    figures.set(r.goal_id, {
      objectivesTotal: Number(r.total),
      objectivesFinalized: Number(r.finalized),
      objectivesFailed: Number(r.failed),
      fieldsExpected: Number(r.expected),
      fieldsCollected: Number(r.collected),
      feedbackCount: Number(r.feedback_count),
      feedbackScoreSum: Number(r.feedback_sum ?? 0),
    })
  }
  return figures
}

/** The figures of one goal (all zero for a goal without objectives or an unknown id). */
export async function objectiveFiguresForGoal(
  db: Executor,
  goalId: string,
): Promise<ObjectiveGoalFigures> {
  return (await objectiveFiguresForGoals(db, [goalId])).get(goalId)!
}
