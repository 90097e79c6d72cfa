import type { ModelMessage } from 'ai'
import type { CompactionConfig } from '../../lib/schemas.ts'
import type { Conversation, ConversationSnapshot } from '../conversation.ts'
import type { Usage } from '../budget.ts'
import type { ModelCallResult } from '../../providers/index.ts'

/** docs/api.md section 5.6 defaults. */
export const DEFAULT_TRIGGER_THRESHOLD = 0.75
export const DEFAULT_PRESERVE_RECENT_RESULTS = 2
export const CLEARED_RESULT = '[result cleared]'
const SUMMARY_PREFIX = 'Summary of the conversation so far (earlier messages were compacted):\n\n'

const DEFAULT_INSTRUCTIONS =
  "You compact the history of an AI agent's conversation. Summarise it so that the agent can " +
  "carry on from the summary alone: the user's requests and constraints, decisions made, facts " +
  'and results learned from tools (keep ids, names and values exact), errors met, what is done ' +
  'and what remains to do. Be concise and factual. Answer with the summary only.'

/** A CompactionConfig with its defaults applied; no strategy configured means summarisation. */
export interface CompactionSettings {
  threshold: number
  clearing?: { preserveRecentResults: number }
  summarization?: { instructions?: string }
}

export function compactionSettings(config: CompactionConfig | undefined): CompactionSettings {
  // proto3 clients cannot send an explicit 0 threshold (it reads as unset); it would also
  // compact after every step, so 0 means the default.
  const threshold = config?.triggerThreshold || DEFAULT_TRIGGER_THRESHOLD
  const clearing = config?.toolResultClearing && {
    preserveRecentResults:
      config.toolResultClearing.preserveRecentResults ?? DEFAULT_PRESERVE_RECENT_RESULTS,
  }
  const summarization =
    config?.summarization || !clearing
      ? { instructions: config?.summarization?.instructions || undefined }
      : undefined
  return {
    threshold,
    ...(clearing ? { clearing } : {}),
    ...(summarization ? { summarization } : {}),
  }
}

/** True when the last model call's input reached the threshold of the model's context window. */
export function compactionDue(
  lastInputTokens: number,
  maxInputTokens: number,
  settings: CompactionSettings,
): boolean {
  return maxInputTokens > 0 && lastInputTokens >= settings.threshold * maxInputTokens
}

/**
 * Tool-result clearing: every tool result but the `preserve` most recent has its content replaced
 * by "[result cleared]"; the assistant's tool-call message (function name, arguments) stays.
 */
export function clearToolResults(
  messages: ModelMessage[],
  preserve: number,
): { messages: ModelMessage[]; cleared: number; clearedAt: number[] } {
  let seen = 0
  let cleared = 0
  const clearedAt: number[] = []
  const out = [...messages]
  for (let i = out.length - 1; i >= 0; i--) {
    const m = out[i]!
    if (m.role !== 'tool') continue
    const content = [...m.content].reverse().map((part) => {
      if (part.type !== 'tool-result') return part
      if (seen++ < preserve) return part
      const { output } = part
      if (output.type !== 'text' && output.type !== 'error-text') return part
      if (output.value === CLEARED_RESULT) return part
      cleared++
      clearedAt.push(i)
      return { ...part, output: { type: output.type, value: CLEARED_RESULT } }
    })
    out[i] = { ...m, content: content.reverse() } as ModelMessage
  }
  return { messages: out, cleared, clearedAt }
}

/** The model-facing text of a conversation, for the summariser (no tool blocks: any provider). */
export function transcript(messages: ModelMessage[]): string {
  const lines: string[] = []
  for (const m of messages) {
    if (typeof m.content === 'string') {
      lines.push(`[${m.role}] ${m.content}`)
      continue
    }
    for (const part of m.content) {
      if (part.type === 'text') lines.push(`[${m.role}] ${part.text}`)
      else if (part.type === 'tool-call') {
        lines.push(`[assistant called ${part.toolName}] ${JSON.stringify(part.input)}`)
      } else if (part.type === 'tool-result') {
        const o = part.output
        const text = 'value' in o ? String(o.value) : 'reason' in o ? `denied: ${o.reason}` : o.type
        lines.push(`[result of ${part.toolName}] ${text}`)
      }
    }
  }
  return lines.join('\n')
}

/** What a compaction writes: the new window's conversation and the event's fields. */
export interface CompactionPlan {
  snapshot: ConversationSnapshot
  strategies: string[]
  summary: string
  /** Messages summarised away plus tool results cleared. */
  messagesCompacted: number
  /** Tokens of the summarisation call (zero without one). */
  usage: Usage
  /** Provider calls made (0 or 1) and their cost in US dollars (absent: no known price). */
  modelCalls: number
  costUsd?: string
}

export type Summarise = (req: {
  system: string
  messages: ModelMessage[]
}) => Promise<Pick<ModelCallResult, 'text' | 'usage'> & { costUsd?: string }>

/**
 * Compacts a conversation: tool-result clearing, then summarisation. Summarisation replaces every
 * message before the last assistant message with one user message holding the summary; the last
 * exchange (that assistant message, its tool results, any later message) is kept as is, so calls
 * still pending keep their tool-call message. Returns undefined when there is nothing to compact.
 */
export async function planCompaction(
  conversation: Conversation,
  settings: CompactionSettings,
  summarise: Summarise,
): Promise<CompactionPlan | undefined> {
  const snapshot = conversation.snapshot()
  let messages = snapshot.messages
  const strategies: string[] = []
  let compacted = 0
  let clearedAt: number[] = []
  let summary = ''
  const usage = { inputTokens: 0, outputTokens: 0 }
  let modelCalls = 0
  let costUsd: string | undefined
  if (settings.clearing) {
    const cleared = clearToolResults(messages, settings.clearing.preserveRecentResults)
    messages = cleared.messages
    compacted += cleared.cleared
    clearedAt = cleared.clearedAt
    if (cleared.cleared) strategies.push('toolResultClearing')
  }
  if (settings.summarization) {
    let lastAssistant = messages.length - 1
    while (lastAssistant >= 0 && messages[lastAssistant]!.role !== 'assistant') lastAssistant--
    const older = messages.slice(0, Math.max(lastAssistant, 0))
    if (older.length) {
      const answer = await summarise({
        system: settings.summarization.instructions ?? DEFAULT_INSTRUCTIONS,
        messages: [{ role: 'user', content: `Conversation to summarise:\n\n${transcript(older)}` }],
      })
      summary = answer.text.trim()
      usage.inputTokens = answer.usage.inputTokens
      usage.outputTokens = answer.usage.outputTokens
      modelCalls = 1
      costUsd = answer.costUsd
      messages = [
        { role: 'user', content: SUMMARY_PREFIX + summary },
        ...messages.slice(lastAssistant),
      ]
      // Cleared results that were then summarised count once, as summarised messages.
      compacted = older.length + clearedAt.filter((i) => i >= lastAssistant).length
      strategies.push('summarization')
    }
  }
  if (compacted === 0) return undefined
  return {
    snapshot: { ...snapshot, messages },
    strategies,
    summary,
    messagesCompacted: compacted,
    usage,
    modelCalls,
    ...(costUsd !== undefined ? { costUsd } : {}),
  }
}
