import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Message,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider'
import type { JSONSchema7, ModelMessage } from 'ai'
import type {
  ModelCallRequest,
  ModelCallResult,
  ModelToolCall,
  RejectedToolCall,
} from './contract.ts'

/**
 * One HTTP round trip to the provider through the AI SDK's provider adapter (its wire format,
 * errors and streaming), called directly rather than through `generateText`/`streamText`: the
 * engine runs its own loop, retries and tools, and on a long conversation those wrappers cost
 * about 2.7 ms of CPU per call (prompt re-validation, step bookkeeping) for nothing we use.
 *
 * A model that ignores a forced tool choice answers with text and no calls; the caller decides.
 */
export async function callOnce(
  model: LanguageModelV3,
  req: ModelCallRequest,
): Promise<ModelCallResult> {
  const options: LanguageModelV3CallOptions = {
    prompt: toPrompt(req.system, req.messages, req.cachingEnabled),
    tools: req.tools.length
      ? req.tools.map((t) => ({
          type: 'function' as const,
          name: t.name,
          description: t.description,
          inputSchema: t.parameters as JSONSchema7,
        }))
      : undefined,
    toolChoice: req.toolChoice ? { type: 'tool', toolName: req.toolChoice } : undefined,
    temperature: req.temperature,
    maxOutputTokens: req.maxOutputTokens,
    topP: req.topP,
    topK: req.topK,
    stopSequences: req.stopSequences,
    ...(req.reasoningEffort ? { providerOptions: effortOptions(req.reasoningEffort) } : {}),
    abortSignal: req.signal,
  }
  const answer = req.stream ? await streamed(model, options) : await generated(model, options)
  return toResult(answer, new Set(req.tools.map((t) => t.name)))
}

interface RawAnswer {
  text: string
  calls: { toolCallId: string; toolName: string; input: string }[]
  usage: LanguageModelV3Usage | undefined
  finishReason: string
}

async function generated(model: LanguageModelV3, options: LanguageModelV3CallOptions) {
  const r = await model.doGenerate(options)
  const answer: RawAnswer = {
    text: '',
    calls: [],
    usage: r.usage,
    finishReason: r.finishReason.unified,
  }
  for (const part of r.content) {
    if (part.type === 'text') answer.text += part.text
    else if (part.type === 'tool-call' && !part.providerExecuted) answer.calls.push(part)
  }
  return answer
}

async function streamed(model: LanguageModelV3, options: LanguageModelV3CallOptions) {
  const { stream } = await model.doStream(options)
  const answer: RawAnswer = { text: '', calls: [], usage: undefined, finishReason: 'other' }
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      collect(answer, value)
    }
  } finally {
    reader.releaseLock()
  }
  return answer
}

function collect(answer: RawAnswer, part: LanguageModelV3StreamPart): void {
  switch (part.type) {
    case 'text-delta':
      answer.text += part.delta
      return
    case 'tool-call':
      if (!part.providerExecuted) answer.calls.push(part)
      return
    case 'finish':
      answer.usage = part.usage
      answer.finishReason = part.finishReason.unified
      return
    case 'error':
      // A failure in the middle of a stream arrives as a part, not a rejection.
      throw part.error
    default:
      return
  }
}

/**
 * Reasoning effort as each provider's adapter reads it (each reads only its own key): OpenAI's
 * `reasoning_effort`, Anthropic's `output_config.effort` (which has no "minimal").
 */
function effortOptions(effort: NonNullable<ModelCallRequest['reasoningEffort']>) {
  return {
    openai: { reasoningEffort: effort },
    anthropic: { effort: effort === 'minimal' ? 'low' : effort },
  }
}

/** Anthropic caches a prompt prefix only up to a marked block: the system prompt is that mark. */
const CACHE_SYSTEM = { anthropic: { cacheControl: { type: 'ephemeral' } } }

/** The AI SDK's message form -> the provider interface's prompt (text, tool calls, results). */
function toPrompt(
  system: string | undefined,
  messages: ModelMessage[],
  cache?: boolean,
): LanguageModelV3Prompt {
  const prompt: LanguageModelV3Prompt = system
    ? [{ role: 'system', content: system, ...(cache ? { providerOptions: CACHE_SYSTEM } : {}) }]
    : []
  for (const m of messages) prompt.push(toMessage(m))
  return prompt
}

function toMessage(m: ModelMessage): LanguageModelV3Message {
  switch (m.role) {
    case 'system':
      return { role: 'system', content: m.content }
    case 'user':
      return {
        role: 'user',
        content:
          typeof m.content === 'string'
            ? [{ type: 'text', text: m.content }]
            : m.content.map((p) => {
                if (p.type !== 'text') throw new Error(`unsupported user message part ${p.type}`)
                return { type: 'text', text: p.text }
              }),
      }
    case 'assistant':
      return {
        role: 'assistant',
        content:
          typeof m.content === 'string'
            ? [{ type: 'text', text: m.content }]
            : m.content.map((p) => {
                if (p.type === 'text') return { type: 'text', text: p.text }
                if (p.type === 'tool-call') {
                  return {
                    type: 'tool-call',
                    toolCallId: p.toolCallId,
                    toolName: p.toolName,
                    input: p.input,
                  }
                }
                throw new Error(`unsupported assistant message part ${p.type}`)
              }),
      }
    case 'tool':
      return {
        role: 'tool',
        content: m.content.flatMap((p) => {
          if (p.type !== 'tool-result') return []
          if (p.output.type === 'content') throw new Error('unsupported tool result content')
          const { toolCallId, toolName, output } = p
          return [{ type: 'tool-result' as const, toolCallId, toolName, output }]
        }),
      }
  }
}

/**
 * Parses each call's input. A call of a tool that was not offered, or whose input is not JSON,
 * is rejected: the caller feeds the error back to the model (responseMessages carries it too).
 */
function toResult(answer: RawAnswer, offered: Set<string>): ModelCallResult {
  const toolCalls: ModelToolCall[] = []
  const rejectedToolCalls: RejectedToolCall[] = []
  for (const call of answer.calls) {
    const base = { toolCallId: call.toolCallId, toolName: call.toolName }
    if (!offered.has(call.toolName)) {
      const available = [...offered].join(', ')
      const error = `Model tried to call unavailable tool '${call.toolName}'. Available tools: ${available}.`
      rejectedToolCalls.push({ ...base, input: call.input, error })
      continue
    }
    const parsed = parseInput(call.input)
    if (parsed.ok) toolCalls.push({ ...base, input: parsed.value })
    else rejectedToolCalls.push({ ...base, input: call.input, error: parsed.error })
  }
  const assistant: ModelMessage = {
    role: 'assistant',
    content: [
      ...(answer.text ? [{ type: 'text' as const, text: answer.text }] : []),
      ...[...toolCalls, ...rejectedToolCalls].map((c) => ({
        type: 'tool-call' as const,
        toolCallId: c.toolCallId,
        toolName: c.toolName,
        input: c.input,
      })),
    ],
  }
  const errors: ModelMessage[] = rejectedToolCalls.length
    ? [
        {
          role: 'tool',
          content: rejectedToolCalls.map((c) => ({
            type: 'tool-result' as const,
            toolCallId: c.toolCallId,
            toolName: c.toolName,
            output: { type: 'error-text' as const, value: c.error },
          })),
        },
      ]
    : []
  return {
    text: answer.text,
    toolCalls,
    rejectedToolCalls,
    usage: {
      inputTokens: answer.usage?.inputTokens.total ?? 0,
      outputTokens: answer.usage?.outputTokens.total ?? 0,
      ...(answer.usage?.inputTokens.cacheRead
        ? { cachedInputTokens: answer.usage.inputTokens.cacheRead }
        : {}),
    },
    finishReason: answer.finishReason,
    responseMessages: assistant.content.length ? [assistant, ...errors] : errors,
  }
}

/** Providers send tool input as JSON text; an empty input is an empty object. */
function parseInput(input: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (input.trim() === '') return { ok: true, value: {} }
  try {
    return { ok: true, value: JSON.parse(input) }
  } catch (err) {
    return { ok: false, error: `Invalid input for tool: ${(err as Error).message}` }
  }
}
