/**
 * Providers: the one way the engine calls an LLM. Wraps the AI SDK adapters (OpenAI chat
 * completions, Anthropic messages, Google, OpenAI-compatible) with retries, per-provider
 * concurrency bounds and immediate aborts. Tools are only offered, never executed here.
 */
export { AbortError, isAbortError } from './abort.ts'
export type {
  ModelCaller,
  ModelCallRequest,
  ModelCallResult,
  ModelTool,
  ModelToolCall,
  ProviderTarget,
  RejectedToolCall,
} from './contract.ts'
export { createModelCaller, type ModelCallerOptions } from './retrying-caller.ts'
export { ProviderError } from './provider-error.ts'
