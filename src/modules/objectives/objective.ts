import type { ApiFamily } from '../../lib/api-family.ts'
import type { BareMetadata, OperationMetadata, ResourceMetadata } from '../../lib/schemas.ts'

/** Internal states (docs/decisions.md decision 2); WAITING carries a reason. */
export const OBJECTIVE_STATES = [
  'PENDING',
  'RUNNING',
  'WAITING',
  'FINALIZED',
  'FAILED',
  'CANCELLED',
  'TIMED_OUT',
] as const
export type ObjectiveState = (typeof OBJECTIVE_STATES)[number]

export type WaitReason =
  | 'turn_complete'
  | 'approval'
  | 'sub_objectives'
  | 'enqueued'
  /** A bare tool's call waits for `:setContent` (docs/api.md section 5.13). */
  | 'content'

/** States a cancel may leave; everything else is finished. */
export const CANCELLABLE_STATES: ObjectiveState[] = ['PENDING', 'RUNNING', 'WAITING']
/** States a continue resumes from (docs/decisions.md decision 2); RUNNING only with `enqueue`. */
export const CONTINUABLE_STATES: ObjectiveState[] = ['WAITING', 'FAILED']
/**
 * States a manual compact acts in itself: no worker holds the objective. A RUNNING or PENDING one
 * is compacted by its worker on request; FINALIZED, CANCELLED and TIMED_OUT are super-terminal
 * (docs/api.md section 5.6).
 */
export const COMPACTABLE_STATES: ObjectiveState[] = ['WAITING', 'FAILED']

/** Why an objective in `state` (super-terminal) cannot be compacted. */
export function compactRefusal(id: string, state: string): string {
  return `objective ${id} is ${state} and can no longer be compacted`
}

export const API_STATES = [
  'STATE_UNSPECIFIED',
  'STATE_PENDING',
  'STATE_RUNNING',
  'STATE_COMPLETED',
  'STATE_WAITING',
  'STATE_FINALIZED',
  'STATE_FAILED',
  'STATE_CANCELLED',
  'STATE_TIMED_OUT',
] as const
export type ApiState = (typeof API_STATES)[number]

/**
 * How a family shows a state: the workspace family as-is, the implicit family in the seed-004 enum
 * (a finished turn and FINALIZED are COMPLETED; other waits are still RUNNING; TIMED_OUT FAILED).
 */
export function presentState(
  state: string,
  waitReason: string | null,
  family: ApiFamily,
): ApiState {
  if (family === 'workspace') return `STATE_${state}` as ApiState
  if (state === 'FINALIZED') return 'STATE_COMPLETED'
  if (state === 'WAITING')
    return waitReason === 'turn_complete' ? 'STATE_COMPLETED' : 'STATE_RUNNING'
  if (state === 'TIMED_OUT') return 'STATE_FAILED'
  return `STATE_${state}` as ApiState
}

/** A list filter as the internal (state, wait reason) pairs it matches; reason `null` = any. */
export interface StateMatch {
  state: ObjectiveState
  waitReason?: { is: string } | { not: string }
}

/** The rows a `state` filter selects in a family: the inverse of presentState. */
export function stateFilter(apiState: ApiState, family: ApiFamily): StateMatch[] | undefined {
  if (apiState === 'STATE_UNSPECIFIED') return undefined
  const turnDone = { is: 'turn_complete' }
  if (apiState === 'STATE_COMPLETED') {
    return [{ state: 'WAITING', waitReason: turnDone }, { state: 'FINALIZED' }]
  }
  if (family === 'implicit') {
    if (apiState === 'STATE_RUNNING') {
      return [{ state: 'RUNNING' }, { state: 'WAITING', waitReason: { not: 'turn_complete' } }]
    }
    if (apiState === 'STATE_FAILED') return [{ state: 'FAILED' }, { state: 'TIMED_OUT' }]
  }
  return [{ state: apiState.slice('STATE_'.length) as ObjectiveState }]
}

/** The variant keys of ObjectiveEventData (docs/decisions.md decision 4: `data.type` is the key itself). */
export type EventType =
  | 'userMessage'
  | 'assistantMessage'
  | 'toolApprovalRequested'
  | 'toolApproved'
  | 'toolDenied'
  | 'toolCalled'
  | 'toolResult'
  | 'toolError'
  | 'error'
  | 'cancelled'
  | 'finalized'
  | 'subAgentSpawned'
  | 'subAgentUpdated'
  | 'subObjectiveCreated'
  | 'contextWindowCompacted'
  | 'memoryRead'
  | 'timedOut'
  | 'notice'
  | 'reasoning'

/** `subAgentUpdated.status` (seed 003 and later). */
export type SubAgentStatus =
  | 'STATUS_UNSPECIFIED'
  | 'STATUS_PENDING'
  | 'STATUS_RUNNING'
  | 'STATUS_COMPLETED'
  | 'STATUS_FAILED'
  | 'STATUS_CANCELLED'

/** One part of a tool result (HEAD `result.content[]`). */
export type ContentPart =
  | { type: 'text'; text: { text: string } }
  | { type: 'image'; image: { data: string; mimeType: string } }

export interface CallableTool {
  tool?: ResourceMetadata
  agent?: ResourceMetadata
  cadenyaProvidedTool?: ResourceMetadata
}

export interface AssistantToolCall {
  arguments: string
  functionName: string
  tool: CallableTool
}

/** Payloads by event type, as stored and as served. */
export interface EventPayloads {
  userMessage: { content: string }
  assistantMessage: { content: string; toolCalls: AssistantToolCall[] }
  toolApprovalRequested: { toolCallId: string }
  toolApproved: { toolCallId: string }
  toolDenied: { toolCallId: string; memo: string }
  toolCalled: { toolCallId: string }
  /**
   * `content` is the result as text (an image is a placeholder there); `result.content[]` is set
   * when the result was supplied through `:setContent`, with its parts as given.
   */
  toolResult: { toolCallId: string; content: string; result?: { content: ContentPart[] } }
  toolError: { toolCallId: string; message: string }
  error: { type: string; message: string }
  cancelled: { message: string }
  /** The objective ended TIMED_OUT: `constraints.inactivityTimeout` passed without progress. */
  timedOut: { message: string }
  finalized: { output: unknown }
  /** Stored when a sub-agent call starts its child (seed 003 and later). */
  subAgentSpawned: { agent: ResourceMetadata; objective: OperationMetadata; task: string }
  /** Stored when the parent collects a child's outcome, before the call's result. */
  subAgentUpdated: {
    agent: BareMetadata
    objective: BareMetadata
    status: SubAgentStatus
    message: string
  }
  /**
   * The seed-004 form of `subAgentSpawned`, served by the implicit family (eventOf). New steps do
   * not store it; rows written before `subAgentSpawned` existed still hold it.
   */
  subObjectiveCreated: { metadata: Record<string, unknown> }
  contextWindowCompacted: {
    messagesCompacted: number
    newContextWindow: {
      objectiveId: string
      sequence: number
      promptTokens: number
      completionTokens: number
      previousWindowContinueInstructions: string
    }
    strategies: string[]
    summary: string
  }
  /** What the model said it thought, from providers that return reasoning (HEAD). */
  reasoning: { content: string }
  /** A skill the model loaded from the objective's memory stack (seed 003). */
  memoryRead: { memoryLayerId: string; memoryEntryId: string; message: string }
  /**
   * Something worth telling a watcher that is not a step of the conversation (docs/api.md
   * section 6.2): `key` is a stable dotted name to match on (`budget.near`), `message` reads.
   */
  notice: { level: NoticeLevel; key: string; message: string }
}

export type NoticeLevel = 'LEVEL_INFO' | 'LEVEL_WARN'

/** Engine-only fields of a stored event, never served. */
export interface EventExtras {
  /** The tool call ids of an assistant message. */
  toolCallIds?: string[]
  /** Set on the assistant message of an output extraction attempt: its number (1, 2). */
  extraction?: number
  /** On `contextWindowCompacted`: the engine's conversation the new window starts from. */
  conversation?: unknown
  /** On a `budget.near` notice: the cap it warns of (each is warned of once). */
  cap?: string
  /**
   * When the work the event reports began (ISO time): the model call of an assistant message,
   * the execution of a tool result or error. Served as the event's `startedAt` and `duration`.
   */
  startedAt?: string
}

/**
 * An event as stored in `objective_events.data`: the variant payload, plus engine-only fields
 * under `x` that are never served.
 */
export type StoredEvent = {
  [K in keyof EventPayloads]: { type: K; payload: EventPayloads[K]; x?: EventExtras }
}[keyof EventPayloads]

export const TOOL_CALL_STATUSES = [
  'TOOL_CALL_STATUS_UNSPECIFIED',
  'TOOL_CALL_STATUS_AUTO_APPROVED',
  'TOOL_CALL_STATUS_WAITING_FOR_APPROVAL',
  'TOOL_CALL_STATUS_APPROVED',
  'TOOL_CALL_STATUS_DENIED',
] as const

export const EXECUTION_STATUSES = [
  'TOOL_CALL_EXECUTION_STATUS_UNSPECIFIED',
  'TOOL_CALL_EXECUTION_STATUS_PENDING',
  'TOOL_CALL_EXECUTION_STATUS_RUNNING',
  'TOOL_CALL_EXECUTION_STATUS_COMPLETED',
  'TOOL_CALL_EXECUTION_STATUS_ERRORED',
  /** A bare tool's call, parked until its content is supplied (docs/api.md section 5.13). */
  'TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT',
] as const
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number]

export const TOOL_CALL_LIMIT_MESSAGE = 'tool call limit reached'
/** Turns the model may keep calling tools after the limit before the objective fails (docs/decisions.md decision 12). */
export const LIMIT_GRACE_TURNS = 2
