import type { Executor } from '../db/database.ts'
import { AppError } from '../lib/errors.ts'
import type { Deps } from '../modules/deps.ts'
import {
  prepareSubObjective,
  subAgentSpawned,
  subObjectiveOutcomes,
  WAITING_FOR_SUB_OBJECTIVES,
  type ObjectiveRow,
  type PreparedObjective,
  type StoredEvent,
  type StoredSubAgent,
} from '../modules/objectives/index.ts'
import type { EngineTool } from './callable-tools.ts'
import type { EventWrite, StepWrite } from './journal.ts'

/** Wraps a stored event into a write of the running objective. */
export type EventOf = (event: StoredEvent) => EventWrite

export interface Spawn {
  /** `toolCalled`, then `subAgentSpawned` (or `toolError` when the child cannot start). */
  events: EventWrite[]
  child?: PreparedObjective
  executionStatus: string
  result: string | null
}

/**
 * Starts a sub-agent call: builds its child objective through the objective-creation rules. The
 * caller commits the child together with the call's start, so a started call always has its child.
 * A child that cannot be created (invalid input, no variation, no model) fails the call instead.
 */
export async function spawnSubObjective(
  deps: Deps,
  parent: ObjectiveRow,
  agent: StoredSubAgent,
  call: { id: string; arguments: Record<string, unknown>; traceParent?: string },
  eventOf: EventOf,
): Promise<Spawn> {
  const called = eventOf({ type: 'toolCalled', payload: { toolCallId: call.id } })
  let child: PreparedObjective
  try {
    child = await prepareSubObjective(
      deps,
      parent,
      agent,
      call.arguments,
      call.id,
      call.traceParent,
    )
  } catch (err) {
    if (!(err instanceof AppError)) throw err
    const message = `sub-agent ${agent.metadata.name} could not start: ${err.message}`
    return {
      events: [called, eventOf({ type: 'toolError', payload: { toolCallId: call.id, message } })],
      executionStatus: 'TOOL_CALL_EXECUTION_STATUS_ERRORED',
      result: message,
    }
  }
  // One stored event; the implicit route family serves it as `subObjectiveCreated` (eventOf).
  const spawned = eventOf({
    type: 'subAgentSpawned',
    payload: subAgentSpawned(agent, child, call.arguments),
  })
  return {
    events: [called, spawned],
    child,
    executionStatus: 'TOOL_CALL_EXECUTION_STATUS_RUNNING',
    result: null,
  }
}

/**
 * Folds the start of a model turn's sub-agent calls into the turn's own step: the tool call rows,
 * their children and `subAgentSpawned` commit at once. Returns how many could not start.
 */
export async function spawnInTurn(
  deps: Deps,
  parent: ObjectiveRow,
  tools: Map<string, EngineTool>,
  step: StepWrite,
  eventOf: EventOf,
  traceParent?: string,
): Promise<number> {
  let failed = 0
  for (const row of step.toolCalls ?? []) {
    const agent = tools.get(row.functionName)?.subAgent
    if (!agent || row.executionStatus !== 'TOOL_CALL_EXECUTION_STATUS_PENDING') continue
    const args = (row.arguments ?? {}) as Record<string, unknown>
    const spawn = await spawnSubObjective(
      deps,
      parent,
      agent,
      { id: row.id, arguments: args, traceParent },
      eventOf,
    )
    row.executionStatus = spawn.executionStatus
    row.result = spawn.result
    step.events.push(...spawn.events)
    if (spawn.child) (step.children ??= []).push(spawn.child)
    else failed++
  }
  return failed
}

/**
 * The step of a parent whose remaining calls all wait for children, built under the parent's row
 * lock: each settled child's outcome becomes a `subAgentUpdated` followed by its call's
 * `toolResult` (or `toolError`), all in this one step, and while any child still works the parent
 * parks in WAITING(sub_objectives), releasing its lease. A child settling later finds the parent
 * parked (it locks the parent too) and wakes it.
 */
export async function collectSubObjectives(
  trx: Executor,
  parentId: string,
  callIds: string[],
  windowId: string,
  eventOf: EventOf,
): Promise<StepWrite> {
  const outcomes = await subObjectiveOutcomes(trx, parentId, callIds)
  const step: StepWrite = { windowId, events: [], toolCallUpdates: [] }
  let working = false
  for (const id of callIds) {
    const outcome = outcomes.has(id)
      ? outcomes.get(id)
      : { ok: false as const, message: 'the sub-objective of this call does not exist' }
    if (!outcome) {
      working = true
      continue
    }
    if ('update' in outcome) {
      step.events.push(eventOf({ type: 'subAgentUpdated', payload: outcome.update }))
    }
    step.events.push(
      eventOf(
        outcome.ok
          ? { type: 'toolResult', payload: { toolCallId: id, content: outcome.content } }
          : { type: 'toolError', payload: { toolCallId: id, message: outcome.message } },
      ),
    )
    step.toolCallUpdates!.push({
      id,
      executionStatus: outcome.ok
        ? 'TOOL_CALL_EXECUTION_STATUS_COMPLETED'
        : 'TOOL_CALL_EXECUTION_STATUS_ERRORED',
      result: outcome.ok ? outcome.content : outcome.message,
    })
  }
  if (working) {
    step.state = {
      state: 'WAITING',
      waitReason: 'sub_objectives',
      message: WAITING_FOR_SUB_OBJECTIVES,
    }
  }
  return step
}
