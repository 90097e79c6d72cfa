import type { ModelMessage } from 'ai'
import type { IdGenerator } from '../lib/ids.ts'
import { compileJsonSchema, describeSchemaErrors } from '../lib/json-schema.ts'
import { SUBMIT_OUTPUT_TOOL_NAME, type AssistantToolCall } from '../modules/objectives/index.ts'
import type { EngineTool } from './callable-tools.ts'
import type { EventWrite, IdleWrite, StepWrite, ToolCallInsert } from './journal.ts'
import type { ModelCallResult } from '../providers/index.ts'

/**
 * Output extraction (docs/api.md section 5.10, outputDefinition): once the model ends its turn, it is asked
 * to call the built-in `submit_output` tool, whose parameters are the objective's output
 * definition. Valid arguments finalize the objective with them as `output`; invalid ones (or no
 * call) are fed back once, and a second failure fails the objective with the reasons.
 */
export const MAX_EXTRACTION_ATTEMPTS = 2

const INSTRUCTION =
  `The conversation is over. Call the ${SUBMIT_OUTPUT_TOOL_NAME} tool now with the final ` +
  'structured output, following its parameter schema exactly. Leave out optional values you do not know.'

const REMINDER = `You did not call ${SUBMIT_OUTPUT_TOOL_NAME}. Call it now: the objective cannot finish without it.`

const NOT_CALLED = `the model did not call ${SUBMIT_OUTPUT_TOOL_NAME}`

/**
 * The user-role instruction an extraction attempt is sent with, derived from the history rather
 * than stored, so a recovered conversation rebuilds it identically. After a rejected submission
 * the tool error already says what to fix, so nothing is added.
 */
export function extractionInstruction(
  attempt: number,
  last: ModelMessage | undefined,
): string | undefined {
  if (last?.role === 'tool') return undefined
  return attempt === 1 ? INSTRUCTION : REMINDER
}

export interface PlannedExtraction {
  step: StepWrite
  /** Set when the attempt ends the turn: finalize with the output, or fail for good. */
  idle?: IdleWrite
}

/** Why `input` is not a valid output, or undefined when it is. */
function invalidity(tool: EngineTool, input: unknown): string | undefined {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    return 'output does not match the output definition: expected a JSON object'
  }
  const validate = compileJsonSchema(tool.model.parameters, 'outputDefinition')
  if (validate(input)) return undefined
  const reasons = describeSchemaErrors(validate.errors).join('; ')
  return `output does not match the output definition: ${reasons}`
}

/**
 * The rows of one extraction attempt: the assistant message (marked with its attempt number), a
 * tool call row per call with its outcome, and — when the attempt decides the objective — the
 * `finalized` event and output, or the `error` event that fails it.
 */
export function planExtraction(
  answer: ModelCallResult,
  attempt: number,
  tool: EngineTool,
  ids: IdGenerator,
  profileId: string,
  windowId: string,
): PlannedExtraction {
  const calls = [...answer.toolCalls, ...answer.rejectedToolCalls]
  const event = (e: EventWrite['event']): EventWrite => ({ id: ids('event'), event: e, profileId })
  const rows: ToolCallInsert[] = []
  const toolCalls: AssistantToolCall[] = []
  const outcomes: EventWrite[] = []
  let output: unknown
  let problem: string | undefined
  for (const call of calls) {
    const id = ids('toolCall')
    const text = typeof call.input === 'string' ? call.input : JSON.stringify(call.input ?? {})
    const ours = call.toolName === SUBMIT_OUTPUT_TOOL_NAME
    const first = ours && output === undefined && problem === undefined
    const error =
      'error' in call
        ? `invalid tool call: ${call.error}`
        : !ours
          ? `only ${SUBMIT_OUTPUT_TOOL_NAME} can be called now`
          : !first
            ? `${SUBMIT_OUTPUT_TOOL_NAME} was already called in this answer`
            : invalidity(tool, call.input)
    if (first) {
      if (error) problem = error
      else output = call.input
    }
    const callable = ours ? tool.callable : {}
    toolCalls.push({ arguments: text, functionName: call.toolName, tool: callable })
    rows.push({
      id,
      providerCallId: call.toolCallId,
      functionName: call.toolName,
      toolId: null,
      callable,
      arguments: typeof call.input === 'object' ? call.input : text,
      status: 'TOOL_CALL_STATUS_AUTO_APPROVED',
      executionStatus: error
        ? 'TOOL_CALL_EXECUTION_STATUS_ERRORED'
        : 'TOOL_CALL_EXECUTION_STATUS_COMPLETED',
      result: error ?? 'output accepted',
    })
    outcomes.push(
      error
        ? event({ type: 'toolError', payload: { toolCallId: id, message: error } })
        : event({ type: 'toolCalled', payload: { toolCallId: id } }),
      ...(error
        ? []
        : [event({ type: 'toolResult', payload: { toolCallId: id, content: 'output accepted' } })]),
    )
  }
  if (output === undefined) problem ??= NOT_CALLED
  const step: StepWrite = {
    windowId,
    events: [
      event({
        type: 'assistantMessage',
        payload: { content: answer.text, toolCalls },
        x: { toolCallIds: rows.map((r) => r.id), extraction: attempt },
      }),
      ...outcomes,
    ],
    toolCalls: rows,
    add: {
      inputTokens: answer.usage.inputTokens,
      outputTokens: answer.usage.outputTokens,
      toolCalls: rows.length,
      // Extraction calls are not the agent's tool use: they never count toward maxToolCalls.
      refused: rows.length,
    },
  }
  // Event ids (ULIDs) sort in the order the events are written, like their sequence numbers.
  for (const e of step.events) e.id = ids('event')
  if (output !== undefined) {
    return {
      step,
      idle: {
        state: { state: 'FINALIZED', waitReason: null, message: '' },
        events: [event({ type: 'finalized', payload: { output } })],
        output,
      },
    }
  }
  if (attempt < MAX_EXTRACTION_ATTEMPTS) return { step }
  const message = problem!
  return {
    step,
    idle: {
      state: { state: 'FAILED', waitReason: null, message },
      events: [event({ type: 'error', payload: { type: 'output_validation', message } })],
    },
  }
}
