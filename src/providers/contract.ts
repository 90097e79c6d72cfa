import type { ModelMessage } from 'ai'

/** Which provider answers a call, and with which credentials (already resolved by the caller). */
export interface ProviderTarget {
  provider: 'openai' | 'anthropic' | 'google' | 'openai-compatible'
  modelName: string
  apiKey?: string
  baseUrl?: string
}

/** A tool offered to the model; the engine executes it, never the AI SDK. */
export interface ModelTool {
  name: string
  description: string
  /** JSON Schema of the tool's input object. */
  parameters: Record<string, unknown>
}

export interface ModelCallRequest {
  target: ProviderTarget
  system?: string
  messages: ModelMessage[]
  tools: ModelTool[]
  /** The name of an offered tool the model must call (output extraction); default: model's choice. */
  toolChoice?: string
  temperature?: number
  maxOutputTokens?: number
  /** The newest API's call settings (variation `modelConfig`); a provider without one ignores it. */
  topP?: number
  topK?: number
  stopSequences?: string[]
  reasoningEffort?: 'minimal' | 'low' | 'medium' | 'high'
  /** Marks the system prompt cacheable where caching is explicit (Anthropic). */
  cachingEnabled?: boolean
  signal: AbortSignal
  stream?: boolean
}

export interface ModelToolCall {
  toolCallId: string
  toolName: string
  input: unknown
}

/** A tool call the AI SDK refused (unknown tool, unparseable input); already answered in responseMessages. */
export interface RejectedToolCall extends ModelToolCall {
  error: string
}

export interface ModelCallResult {
  text: string
  /** Valid calls of offered tools: the caller executes them and appends tool-result messages. */
  toolCalls: ModelToolCall[]
  /**
   * Calls answered with a tool error by the AI SDK itself. When present, responseMessages ends
   * with a tool message and the model must be called again to see those errors.
   */
  rejectedToolCalls: RejectedToolCall[]
  /** `inputTokens` counts all input; `cachedInputTokens` is the part read from a prompt cache. */
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens?: number }
  finishReason: string
  /** The assistant message (and any tool-error message) to append to the conversation. */
  responseMessages: ModelMessage[]
}

export type ModelCaller = (req: ModelCallRequest) => Promise<ModelCallResult>
