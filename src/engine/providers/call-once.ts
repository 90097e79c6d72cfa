import {
  generateText,
  jsonSchema,
  streamText,
  tool,
  ToolChoiceViolationError,
  type LanguageModel,
  type LanguageModelUsage,
  type ModelMessage,
  type ToolSet,
  type TypedToolCall,
} from 'ai'
import type { ModelCallRequest, ModelCallResult, ModelTool } from './model-call.ts'

/** Tools without `execute`: the AI SDK only parses calls, the engine runs them. */
function toToolSet(tools: ModelTool[]): ToolSet | undefined {
  if (tools.length === 0) return undefined
  const set: ToolSet = {}
  for (const t of tools) {
    set[t.name] = tool({
      description: t.description,
      inputSchema: jsonSchema<Record<string, unknown>>(t.parameters as any),
    })
  }
  return set
}

/**
 * One HTTP round trip to the provider (the AI SDK's own retries are off: maxRetries 0). A model
 * that ignores a forced tool choice answered all the same: its text comes back with no calls, for
 * the caller to handle (the AI SDK reports no usage for such an answer, so none is counted).
 */
export async function callOnce(
  model: LanguageModel,
  req: ModelCallRequest,
): Promise<ModelCallResult> {
  try {
    return await callOnceRaw(model, req)
  } catch (err) {
    if (!req.toolChoice || !ToolChoiceViolationError.isInstance(err)) throw err
    const text = err.content.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('')
    return {
      text,
      toolCalls: [],
      rejectedToolCalls: [],
      usage: { inputTokens: 0, outputTokens: 0 },
      finishReason: String(err.finishReason),
      responseMessages: text ? [{ role: 'assistant', content: text }] : [],
    }
  }
}

async function callOnceRaw(model: LanguageModel, req: ModelCallRequest): Promise<ModelCallResult> {
  const settings = {
    model,
    system: req.system,
    messages: req.messages,
    tools: toToolSet(req.tools),
    ...(req.toolChoice ? { toolChoice: { type: 'tool' as const, toolName: req.toolChoice } } : {}),
    temperature: req.temperature,
    maxOutputTokens: req.maxOutputTokens,
    maxRetries: 0,
    abortSignal: req.signal,
  }
  if (!req.stream) {
    const r = await generateText(settings)
    return toResult(r.text, r.toolCalls, r.usage, r.finishReason, r.response.messages)
  }
  const r = streamText({ ...settings, onError: () => {} })
  for await (const part of r.fullStream) {
    // Errors arrive as stream parts rather than rejections; surface the first one as the failure.
    if (part.type === 'error') throw part.error
  }
  const [text, toolCalls, usage, finishReason, response] = await Promise.all([
    r.text,
    r.toolCalls,
    r.usage,
    r.finishReason,
    r.response,
  ])
  return toResult(text, toolCalls, usage, finishReason, response.messages)
}

function toResult(
  text: string,
  calls: TypedToolCall<ToolSet>[],
  usage: LanguageModelUsage,
  finishReason: string,
  messages: ModelMessage[],
): ModelCallResult {
  const valid = calls.filter((c) => !('invalid' in c && c.invalid))
  const invalid = calls.filter((c) => 'invalid' in c && c.invalid)
  return {
    text,
    toolCalls: valid.map((c) => ({
      toolCallId: c.toolCallId,
      toolName: c.toolName,
      input: c.input,
    })),
    rejectedToolCalls: invalid.map((c) => ({
      toolCallId: c.toolCallId,
      toolName: c.toolName,
      input: c.input,
      error: errorText('error' in c ? c.error : undefined),
    })),
    usage: { inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0 },
    finishReason,
    responseMessages: messages,
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message
  return typeof err === 'string' ? err : 'invalid tool call'
}
