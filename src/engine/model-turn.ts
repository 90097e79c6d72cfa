import { compileJsonSchema, describeSchemaErrors } from '../lib/json-schema.ts'
import {
  LIMIT_GRACE_TURNS,
  SUB_OBJECTIVE_LIMIT_MESSAGE,
  TOOL_CALL_LIMIT_MESSAGE,
  type AssistantToolCall,
  type ObjectiveRow,
} from '../modules/objectives/index.ts'
import type { IdGenerator } from '../lib/ids.ts'
import type { EngineTool } from './callable-tools.ts'
import type { ModelCallResult } from '../providers/index.ts'
import type { EventWrite, StepWrite, ToolCallInsert } from './journal.ts'

/** Counters of the objective that decide the tool-call limit (docs/decisions.md decision 12). */
export interface LimitState {
  maxToolCalls: number
  /** Calls executed (or queued for execution) so far. */
  executed: number
  /** Turns in a row that asked for tools after the limit was reached. */
  strikes: number
  /** `constraints.maxSubObjectives` (0 = unlimited) and the sub-objectives spawned so far. */
  maxSubObjectives: number
  spawned: number
}

/** The limit counters as the objective's row and frozen constraints leave them at a claim. */
export function limitStateOf(
  row: ObjectiveRow,
  constraints: { maxToolCalls?: number; maxSubObjectives?: number } = {},
): LimitState {
  return {
    maxToolCalls: constraints.maxToolCalls ?? 0,
    executed: row.total_tool_calls - row.refused_tool_calls,
    strikes: row.limit_strikes,
    maxSubObjectives: constraints.maxSubObjectives ?? 0,
    spawned: 0,
  }
}

export interface PlannedTurn {
  step: StepWrite
  /** The model called no tools: the turn is over. */
  final: boolean
  /** The limit was exceeded for too long: the step fails the objective. */
  failed: boolean
  /** A call waits for a human: the step parks the objective in WAITING(approval). */
  parked: boolean
  executedAdded: number
  spawnedAdded: number
  strikes: number
}

const APPROVAL_MESSAGE = 'waiting for tool call approval'

function argumentsText(input: unknown): string {
  if (typeof input === 'string') return input
  return JSON.stringify(input ?? {})
}

/** Why a call cannot run, or undefined when it can. */
function rejection(tool: EngineTool | undefined, name: string, input: unknown): string | undefined {
  if (!tool) return `unknown tool ${JSON.stringify(name)}`
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    return 'invalid arguments: expected a JSON object'
  }
  const validate = compileJsonSchema(tool.model.parameters, 'parameters')
  if (validate(input)) return undefined
  return `invalid arguments: ${describeSchemaErrors(validate.errors).join('; ')}`
}

/**
 * Turns a model answer into the rows of one step: the assistant message, a tool call row per
 * call, and an immediate `toolError` for every call that cannot run (unknown tool, arguments
 * that fail the tool's JSON Schema, the tool-call and sub-objective limits). Those errors go back
 * to the model.
 * A call of a tool that needs approval is created WAITING_FOR_APPROVAL with a
 * `toolApprovalRequested` event, and the step parks the objective in WAITING(approval): no lease
 * is held while a human decides.
 */
export function planModelTurn(
  answer: ModelCallResult,
  tools: Map<string, EngineTool>,
  limit: LimitState,
  ids: IdGenerator,
  profileId: string,
  windowId: string,
): PlannedTurn {
  const calls = [
    ...answer.toolCalls.map((c) => ({ ...c, error: undefined as string | undefined })),
    ...answer.rejectedToolCalls,
  ]
  let allowed = limit.maxToolCalls > 0 ? Math.max(0, limit.maxToolCalls - limit.executed) : Infinity
  let spawnable =
    limit.maxSubObjectives > 0 ? Math.max(0, limit.maxSubObjectives - limit.spawned) : Infinity
  let refused = 0
  let limitMessage = TOOL_CALL_LIMIT_MESSAGE
  let executedAdded = 0
  let spawnedAdded = 0
  const rows: ToolCallInsert[] = []
  const toolCalls: AssistantToolCall[] = []
  const errors: EventWrite[] = []
  const approvals: EventWrite[] = []
  for (const call of calls) {
    const id = ids('toolCall')
    const tool = tools.get(call.toolName)
    const text = argumentsText(call.input)
    let error = call.error ? `invalid tool call: ${call.error}` : undefined
    error ??= rejection(tool, call.toolName, call.input)
    let limited: string | undefined
    if (!error && allowed <= 0) limited = TOOL_CALL_LIMIT_MESSAGE
    else if (!error && tool?.subAgent && spawnable <= 0) limited = SUB_OBJECTIVE_LIMIT_MESSAGE
    if (limited) {
      error = limitMessage = limited
      refused++
    }
    if (!error) {
      allowed--
      executedAdded++
      if (tool?.subAgent) {
        spawnable--
        spawnedAdded++
      }
    }
    const callable = tool?.callable ?? {}
    const waits = !error && !!tool?.requiresApproval
    toolCalls.push({ arguments: text, functionName: call.toolName, tool: callable })
    rows.push({
      id,
      providerCallId: call.toolCallId,
      functionName: call.toolName,
      toolId: tool?.toolId ?? null,
      callable,
      arguments: typeof call.input === 'object' ? call.input : text,
      status: waits ? 'TOOL_CALL_STATUS_WAITING_FOR_APPROVAL' : 'TOOL_CALL_STATUS_AUTO_APPROVED',
      executionStatus: error
        ? 'TOOL_CALL_EXECUTION_STATUS_ERRORED'
        : 'TOOL_CALL_EXECUTION_STATUS_PENDING',
      result: error ?? null,
    })
    if (waits) {
      approvals.push({
        id: '',
        event: { type: 'toolApprovalRequested', payload: { toolCallId: id } },
        profileId,
      })
    }
    if (error) {
      errors.push({
        id: '',
        event: { type: 'toolError', payload: { toolCallId: id, message: error } },
        profileId,
      })
    }
  }
  const strikes = refused > 0 ? limit.strikes + 1 : limit.strikes
  const failed = strikes > LIMIT_GRACE_TURNS
  const parked = !failed && approvals.length > 0
  // The usual turn asks for one HTTP tool: it starts right after this step commits, so the step
  // also records its start (`toolCalled`, RUNNING) and the tool's execution needs one commit, not
  // two. Several calls run one after another and record their own start.
  const ready = rows.filter((r) => r.executionStatus === 'TOOL_CALL_EXECUTION_STATUS_PENDING')
  const started =
    !failed &&
    !parked &&
    ready.length === 1 &&
    !tools.get(ready[0]!.functionName)?.builtin &&
    !tools.get(ready[0]!.functionName)?.subAgent
      ? ready[0]
      : undefined
  const startedEvents: EventWrite[] = []
  if (started) {
    started.executionStatus = 'TOOL_CALL_EXECUTION_STATUS_RUNNING'
    startedEvents.push({
      id: '',
      event: { type: 'toolCalled', payload: { toolCallId: started.id } },
      profileId,
    })
  }
  const events: EventWrite[] = [
    {
      id: '',
      event: {
        type: 'assistantMessage',
        payload: { content: answer.text, toolCalls },
        x: { toolCallIds: rows.map((r) => r.id) },
      },
      profileId,
    },
    ...errors,
    ...approvals,
    ...startedEvents,
  ]
  if (failed) {
    events.push({
      id: '',
      event: { type: 'error', payload: { type: 'constraint', message: limitMessage } },
      profileId,
    })
  }
  // What the model reasoned comes first: it was produced before its answer (HEAD `reasoning`).
  if (answer.reasoning) {
    const payload = { content: answer.reasoning }
    events.unshift({ id: '', event: { type: 'reasoning', payload }, profileId })
  }
  // Event ids (ULIDs) sort in the order the events are written, like their sequence numbers.
  for (const e of events) e.id = ids('event')
  return {
    step: {
      windowId,
      events,
      toolCalls: rows,
      add: {
        inputTokens: answer.usage.inputTokens,
        outputTokens: answer.usage.outputTokens,
        lastCall: {
          inputTokens: answer.usage.inputTokens,
          cachedInputTokens: answer.usage.cachedInputTokens ?? 0,
        },
        toolCalls: rows.length,
        refused: rows.length - executedAdded,
      },
      limitStrikes: strikes,
      ...(failed ? { state: { state: 'FAILED', waitReason: null, message: limitMessage } } : {}),
      ...(parked
        ? { state: { state: 'WAITING', waitReason: 'approval', message: APPROVAL_MESSAGE } }
        : {}),
    },
    final: calls.length === 0,
    failed,
    parked,
    executedAdded,
    spawnedAdded,
    strikes,
  }
}
