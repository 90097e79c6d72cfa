import { sql } from 'kysely'
import { prepared, type Executor } from '../../db/database.ts'
import type { Deps } from '../deps.ts'
import { objectiveCaps, type CapLimits, type Caps } from './budget-caps.ts'
import { endWithChildren, type Ending } from './cancel-objective.service.ts'
import { CANCELLABLE_STATES, type ObjectiveState, type StoredEvent } from './objective.ts'
import * as repo from './objectives.repository.ts'
import { lockObjectiveRow } from './sub-objectives.ts'

/** What an objective and all its sub-objectives have spent (docs/api.md section 5.11). */
export interface Spend {
  inputTokens: number
  outputTokens: number
  modelCalls: number
  /** US dollars, a decimal string ("0" when no call had a known price). */
  costUsd: string
}

/** An objective whose caps a run must respect: the run's own, or one of its ancestors'. */
export interface BudgetHolder {
  id: string
  /** 0: the objective itself; 1: its parent; ... */
  depth: number
  caps: Caps
  createdAt: Date
  /** Its own spend plus every sub-objective's, at any depth. */
  spend: Spend
  /** How many sub-objectives (at any depth) the spend includes. */
  descendants: number
}

/**
 * An objective and each of its ancestors, each with what its whole tree spent: one statement,
 * walking up the parent links and down each ancestor's tree (trees are small; only runs with caps
 * somewhere above or on them ask).
 */
export async function budgetHolders(db: Executor, objectiveId: string): Promise<BudgetHolder[]> {
  const { rows } = await sql<{
    id: string
    depth: number
    created_at: Date
    budget: Caps | null
    constraints: CapLimits | null
    input_tokens: number
    output_tokens: number
    model_calls: number
    cost_usd: string | null
    descendants: number
  }>`${prepared}
    WITH RECURSIVE up AS (
      SELECT id, parent_objective_id, created_at, data->'budget' AS budget,
        data->'variation'->'spec'->'constraints' AS constraints, 0 AS depth
      FROM objectives WHERE id = ${objectiveId}
      UNION ALL
      SELECT o.id, o.parent_objective_id, o.created_at, o.data->'budget',
        o.data->'variation'->'spec'->'constraints', up.depth + 1
      FROM objectives o JOIN up ON o.id = up.parent_objective_id
      WHERE up.depth < 100
    ), down AS (
      SELECT id AS root, id FROM up
      UNION ALL
      SELECT down.root, c.id FROM objectives c JOIN down ON c.parent_objective_id = down.id
    ), spent AS (
      SELECT down.root, sum(o.total_input_tokens)::bigint AS input_tokens,
        sum(o.total_output_tokens)::bigint AS output_tokens,
        sum(o.total_model_calls)::bigint AS model_calls,
        sum(o.total_cost_usd)::text AS cost_usd, (count(*) - 1)::int AS descendants
      FROM down JOIN objectives o ON o.id = down.id
      GROUP BY down.root
    )
    SELECT up.id, up.depth, up.created_at, up.budget, up.constraints, spent.input_tokens,
      spent.output_tokens, spent.model_calls, spent.cost_usd, spent.descendants
    FROM up JOIN spent ON spent.root = up.id
    ORDER BY up.depth`.execute(db)
  return rows.map((r) => ({
    id: r.id,
    depth: r.depth,
    caps: objectiveCaps({
      ...(r.budget ? { budget: r.budget } : {}),
      variation: { spec: { constraints: r.constraints ?? {} } },
    }),
    createdAt: r.created_at,
    spend: {
      inputTokens: Number(r.input_tokens),
      outputTokens: Number(r.output_tokens),
      modelCalls: Number(r.model_calls),
      costUsd: r.cost_usd ?? '0',
    },
    descendants: r.descendants,
  }))
}

/** A cap that ends an objective: FAILED (`error` of type `budget`), or TIMED_OUT for duration. */
export interface BudgetEnd {
  state: 'FAILED' | 'TIMED_OUT'
  message: string
  /** The `budget.exceeded` notice written just before the ending event. */
  notice: StoredEvent
}

/**
 * Ends an objective whose cap is reached, with its sub-objectives still at work (cancelled, as a
 * cancel would), parent locked first. `lease` is set when the run ending it holds it: the end is
 * written only if that run still does. Returns the ids ended (empty: it had already ended;
 * undefined: the lease was lost).
 */
export async function endOverBudget(
  deps: Deps,
  objectiveId: string,
  end: BudgetEnd,
  lease?: { version: number; owner: string },
): Promise<string[] | undefined> {
  const ended = await deps.db.transaction().execute(async (trx) => {
    const found = await trx
      .selectFrom('objectives')
      .select('parent_objective_id')
      .where('id', '=', objectiveId)
      .executeTakeFirst()
    if (!found) return []
    if (found.parent_objective_id) await lockObjectiveRow(trx, found.parent_objective_id)
    const row = (await repo.lockObjective(trx, objectiveId))!
    if (lease && (row.version !== lease.version || row.lease_owner !== lease.owner)) {
      return undefined
    }
    if (!CANCELLABLE_STATES.includes(row.state as ObjectiveState)) return []
    const ending: Ending =
      end.state === 'TIMED_OUT'
        ? {
            state: 'TIMED_OUT',
            event: 'timedOut',
            unfinished: 'the objective reached its budget',
            before: [end.notice],
          }
        : {
            state: 'FAILED',
            event: 'error',
            errorType: 'constraint',
            unfinished: 'the objective reached its budget',
            before: [end.notice],
          }
    return endWithChildren(trx, deps, row, end.message, row.profile_id, ending)
  })
  for (const id of ended ?? []) deps.local.objectiveCancelled(id)
  return ended
}

/** The caps the objective was already warned of with a `budget.near` notice. */
export async function warnedCaps(db: Executor, objectiveId: string): Promise<Set<string>> {
  const { rows } = await sql<{ cap: string | null }>`${prepared}
    SELECT data->'x'->>'cap' AS cap FROM objective_events
    WHERE objective_id = ${objectiveId} AND type = 'notice'`.execute(db)
  return new Set(rows.flatMap((r) => (r.cap ? [r.cap] : [])))
}
