import type { ModelMessage } from 'ai'
import type { AssistantToolCall, EventPayloads, StoredEvent } from '../modules/objectives/index.ts'
import { extractionInstruction } from './extraction.ts'

/** A tool call of the current turn that has not produced a result yet. */
export interface PendingCall {
  id: string
  functionName: string
  /** JSON text, as the model sent it. */
  arguments: string
  callable: AssistantToolCall['tool']
  /** True once `toolCalled` was recorded: a recovered call is then run again, not re-announced. */
  started: boolean
  /** Approval was requested and not yet given (a denial resolves the call instead). */
  awaitingApproval: boolean
}

type ToolOutput = Extract<ModelMessage, { role: 'tool' }>['content'][number] extends infer P
  ? P extends { type: 'tool-result'; output: infer O }
    ? O
    : never
  : never

/**
 * A result given as parts (a bare tool's `:setContent`) goes to the model as parts, images
 * included: the provider layer turns images into text for providers that do not take them.
 */
function toolOutput(payload: EventPayloads['toolResult']): ToolOutput {
  const parts = payload.result?.content
  if (!parts?.some((p) => p.type === 'image')) return { type: 'text', value: payload.content }
  return {
    type: 'content',
    value: parts.map((p) =>
      p.type === 'text'
        ? { type: 'text' as const, text: p.text.text }
        : { type: 'image-data' as const, data: p.image.data, mediaType: p.image.mimeType },
    ),
  }
}

/** Tool-call input as sent back to the model: the parsed arguments object, or {} if unparseable. */
export function inputOf(argumentsText: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(argumentsText)
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {}
  } catch {
    return {}
  }
}

/**
 * The whole state of a conversation, stored (engine-only) on the `contextWindowCompacted` event
 * that opens a compacted context window: replaying that window starts from it.
 */
export interface ConversationSnapshot {
  messages: ModelMessage[]
  pending: PendingCall[]
  extractionAttempts: number
  lastWasFinalAnswer: boolean
}

/**
 * The model-facing history of an objective's current context window. The worker holding an
 * objective appends to it as steps commit; a worker that claims it replays the window's events
 * into it. Both paths go through `apply`, so a recovered conversation equals the live one.
 */
export class Conversation {
  messages: ModelMessage[] = []
  /** Sequence number of the last event applied. */
  seq = 0
  pending: PendingCall[] = []
  /** Output extraction attempts since the agent's turn ended (0 = not extracting). */
  extractionAttempts = 0
  private names = new Map<string, string>()
  private lastWasFinalAnswer = false

  apply(event: StoredEvent, seq: number): void {
    this.seq = seq
    switch (event.type) {
      case 'userMessage':
        this.abandonPending()
        this.messages.push({ role: 'user', content: event.payload.content })
        this.lastWasFinalAnswer = false
        this.extractionAttempts = 0
        return
      case 'assistantMessage': {
        const ids = event.x?.toolCallIds ?? []
        const calls = event.payload.toolCalls.map((c, i) => ({ ...c, id: ids[i] ?? '' }))
        const content: Exclude<ModelMessage & { role: 'assistant' }, never>['content'] = []
        if (event.payload.content) content.push({ type: 'text', text: event.payload.content })
        for (const c of calls) {
          this.names.set(c.id, c.functionName)
          content.push({
            type: 'tool-call',
            toolCallId: c.id,
            toolName: c.functionName,
            input: inputOf(c.arguments),
          })
        }
        const attempt = event.x?.extraction ?? 0
        if (attempt) {
          const instruction = this.extractionInstruction(attempt)
          if (instruction) this.messages.push({ role: 'user', content: instruction })
        }
        this.extractionAttempts = attempt
        this.messages.push({ role: 'assistant', content })
        this.pending = calls.map((c) => ({
          id: c.id,
          functionName: c.functionName,
          arguments: c.arguments,
          callable: c.tool,
          started: false,
          awaitingApproval: false,
        }))
        this.lastWasFinalAnswer = calls.length === 0
        return
      }
      case 'toolCalled': {
        const call = this.pending.find((c) => c.id === event.payload.toolCallId)
        if (call) call.started = true
        return
      }
      case 'toolApprovalRequested':
      case 'toolApproved': {
        const call = this.pending.find((c) => c.id === event.payload.toolCallId)
        if (call) call.awaitingApproval = event.type === 'toolApprovalRequested'
        return
      }
      case 'toolResult':
        this.resolve(event.payload.toolCallId, toolOutput(event.payload))
        return
      case 'toolError':
        this.resolve(event.payload.toolCallId, { type: 'error-text', value: event.payload.message })
        return
      case 'toolDenied':
        // The memo is the tool's result: it is how a human steers the model.
        this.resolve(event.payload.toolCallId, {
          type: 'execution-denied',
          ...(event.payload.memo ? { reason: event.payload.memo } : {}),
        })
        return
      case 'contextWindowCompacted': {
        const snapshot = event.x?.conversation as ConversationSnapshot | undefined
        if (snapshot) this.restore(snapshot)
        return
      }
      default:
        return
    }
  }

  /** A deep copy of the state, for a compacted window to start from. */
  snapshot(): ConversationSnapshot {
    return structuredClone({
      messages: this.messages,
      pending: this.pending,
      extractionAttempts: this.extractionAttempts,
      lastWasFinalAnswer: this.lastWasFinalAnswer,
    })
  }

  private restore(snapshot: ConversationSnapshot): void {
    const copy = structuredClone(snapshot)
    this.messages = copy.messages
    this.pending = copy.pending
    this.extractionAttempts = copy.extractionAttempts
    this.lastWasFinalAnswer = copy.lastWasFinalAnswer
    this.names = new Map(copy.pending.map((c) => [c.id, c.functionName]))
  }

  /** The instruction sent (in memory only) with extraction attempt `attempt`, if any. */
  extractionInstruction(attempt: number): string | undefined {
    return extractionInstruction(attempt, this.messages.at(-1))
  }

  /** The model answered without calling tools: the turn is over. */
  get turnComplete(): boolean {
    return this.lastWasFinalAnswer && this.pending.length === 0
  }

  private resolve(id: string, output: ToolOutput): void {
    this.pending = this.pending.filter((c) => c.id !== id)
    this.messages.push({
      role: 'tool',
      content: [
        { type: 'tool-result', toolCallId: id, toolName: this.names.get(id) ?? '', output },
      ],
    })
  }

  /**
   * A user message after calls that never finished (the objective failed mid-turn and was
   * continued): providers reject a tool call without a result, so each gets an error result.
   */
  private abandonPending(): void {
    for (const call of [...this.pending]) {
      this.resolve(call.id, { type: 'error-text', value: 'the tool call was not completed' })
    }
  }
}
