import { AppError, Code } from '../../lib/errors.ts'
import type { Deps, Scope } from '../deps.ts'
import type { Goal } from './goal.schema.ts'
import { findAgentRef, findGoalRow, resourceNotFound, type Ref } from './goal-refs.ts'
import { goalById } from './goal.service.ts'
import * as repo from './goals.repository.ts'

export interface GoalAttachment {
  goalId: string
  agentId: string
}

/**
 * Attaches a goal to an agent of the same workspace. Attach replaces: an agent has at most one
 * goal, so its previous attachment goes in the same statement.
 */
export async function attachGoal(
  deps: Deps,
  scope: Scope,
  goalRef: Ref,
  agentRef: Ref,
): Promise<{ goal: Goal; attachment: GoalAttachment }> {
  const goal = await findGoalRow(deps, scope, goalRef)
  const agent = await findAgentRef(deps, scope, agentRef)
  await repo
    .upsertAttachment(deps.db, {
      agent_id: agent.id,
      goal_id: goal.id,
      workspace_id: scope.workspaceId,
      profile_id: scope.profileId,
    })
    .catch((err: { code?: string }) => {
      // The goal or the agent was deleted between the lookups and the write.
      if (err?.code === '23503') throw resourceNotFound('agent', agentRef)
      throw err
    })
  return {
    goal: await goalById(deps.db, goal),
    attachment: { goalId: goal.id, agentId: agent.id },
  }
}

/** Detaches an agent from this goal; an agent not attached to it is NotFound. */
export async function detachGoal(
  deps: Deps,
  scope: Scope,
  goalRef: Ref,
  agentRef: Ref,
): Promise<{ goal: Goal; attachment: GoalAttachment }> {
  const goal = await findGoalRow(deps, scope, goalRef)
  const agent = await findAgentRef(deps, scope, agentRef)
  const removed = await repo.deleteAttachment(deps.db, agent.id, goal.id)
  if (!removed) {
    throw new AppError(Code.NOT_FOUND, `agent ${agent.id} is not attached to goal ${goal.id}`)
  }
  return {
    goal: await goalById(deps.db, goal),
    attachment: { goalId: goal.id, agentId: agent.id },
  }
}

/** Detaches whatever goal an agent has; an agent without one is NotFound. */
export async function detachAgentGoal(
  deps: Deps,
  scope: Scope,
  agentRef: Ref,
): Promise<GoalAttachment> {
  const agent = await findAgentRef(deps, scope, agentRef)
  const goalId = await repo.deleteAttachment(deps.db, agent.id)
  if (!goalId) throw new AppError(Code.NOT_FOUND, `agent ${agent.id} has no attached goal`)
  return { goalId, agentId: agent.id }
}
