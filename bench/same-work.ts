/**
 * The engine benchmark's in-process ("same-work") backends: the work LangGraph.js's baseline
 * (../shared/bench/langgraph) does per step, and nothing more. The model is an AI SDK mock
 * language model answering like that baseline's fake chat model (and like bench/fakes.ts): K
 * calls of `add` ({a: previous result, b: turn + 1}), then the final text "The total is
 * K(K+1)/2.", every answer with usage. The tool is `add`, an HTTP tool of the objective whose
 * requests this process answers in-process (the `fetch` the engine's tools use), so no socket
 * and no other process is involved; the engine runs it through its usual HTTP-tool path.
 */
import type { LanguageModelV3, LanguageModelV3Prompt } from '@ai-sdk/provider'
import { MockLanguageModelV3 } from 'ai/test'

/** Where the in-process `add` tool lives: requests to this origin never leave the process. */
export const ADD_TOOL_BASE_URL = 'http://add.bench.invalid'

/** The `add` tool as the bench declares it on its tool set. */
export const ADD_TOOL = {
  metadata: { name: 'add' },
  spec: {
    description: 'Adds two numbers',
    parameters: {
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    },
    config: { http: { requestMethod: 'POST', path: '/add' } },
  },
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((p: { type: string; text?: string }) => (p.type === 'text' ? p.text : ''))
    .join('')
}

export interface InProcessModel {
  model: LanguageModelV3
  /** performance.now() of each objective's first model call, by its "#i" in the first message. */
  firstCall: Map<string, number>
  /** Model calls answered so far. */
  calls(): number
}

/**
 * The fake model. It is stateless like the baseline's: the turn is the number of tool results in
 * the prompt, the previous sum is the last tool result (`{"result": n}`).
 */
export function inProcessModel(toolTurns: number): InProcessModel {
  const firstCall = new Map<string, number>()
  let calls = 0
  const usage = (input: number, output: number) => ({
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  })
  const model: MockLanguageModelV3 = new MockLanguageModelV3({
    provider: 'bench',
    modelId: 'same-work',
    doGenerate: async (options) => {
      model.doGenerateCalls.length = 0 // the mock records every call; the bench keeps none
      calls++
      const prompt: LanguageModelV3Prompt = options.prompt
      const results = prompt.flatMap((m) =>
        m.role === 'tool' ? m.content.filter((p) => p.type === 'tool-result') : [],
      )
      const turn = results.length
      if (turn === 0) {
        const user = prompt.find((m) => m.role === 'user')
        const key = /#(\d+)/.exec(textOf(user?.content))?.[1]
        if (key !== undefined && !firstCall.has(key)) firstCall.set(key, performance.now())
      }
      if (turn < toolTurns) {
        const last = results.at(-1)?.output
        const previous =
          last?.type === 'text' ? Number((JSON.parse(last.value) as { result: number }).result) : 0
        return {
          content: [
            {
              type: 'tool-call',
              toolCallId: `call_${turn}_${calls}`,
              toolName: 'add',
              input: JSON.stringify({ a: previous, b: turn + 1 }),
            },
          ],
          finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
          usage: usage(100, 10),
          warnings: [],
        }
      }
      return {
        content: [{ type: 'text', text: `The total is ${(toolTurns * (toolTurns + 1)) / 2}.` }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: usage(100, 5),
        warnings: [],
      }
    },
  })
  return { model, firstCall, calls: () => calls }
}

/**
 * The `fetch` of the engine's tools: `add` answers `{"result": a + b}` in-process; any other
 * URL goes to the real fetch (the bench uses none).
 */
export function inProcessToolFetch(): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (!url.startsWith(ADD_TOOL_BASE_URL)) return fetch(input, init)
    const { a, b } = JSON.parse(String(init?.body ?? '{}')) as { a: number; b: number }
    return new Response(JSON.stringify({ result: a + b }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    })
  }
}
