import { sql } from 'kysely'
import type { Executor } from '../db/database.ts'
import type { Tool, ToolSet } from '../modules/tools/index.ts'

/**
 * Bare tools (docs/api.md section 5.13): a tool set without an executor. A call of one of its
 * tools is announced (`toolCalled`, WAITING_FOR_CONTENT) and parks the objective in
 * WAITING(content) in the same step; `tool_calls/{id}:setContent` supplies the result and makes
 * the objective runnable again. Nothing here calls anything outside the database.
 */

export const WAITING_FOR_CONTENT = 'TOOL_CALL_EXECUTION_STATUS_WAITING_FOR_CONTENT'
export const CONTENT_WAIT_MESSAGE = 'waiting for tool call content'

export function isBare(toolSet: ToolSet | undefined): boolean {
  return !!toolSet?.spec?.adapter?.bare
}

/** `"300s"` -> milliseconds; the schema only lets through durations in seconds. */
function durationMs(value: string | undefined): number | undefined {
  if (!value) return undefined
  const seconds = Number(value.slice(0, -1))
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : undefined
}

/** The tool's `contentTimeout`, else its tool set's; none = the call waits as long as it takes. */
export function contentTimeoutMs(tool: Tool, toolSet: ToolSet): number | undefined {
  return durationMs(tool.spec.contentTimeout) ?? durationMs(toolSet.spec.contentTimeout)
}

/** Sets the parked call's deadline, in the transaction that parks it. */
export async function setContentDeadline(
  trx: Executor,
  toolCallId: string,
  timeoutMs: number,
): Promise<void> {
  await trx
    .updateTable('objective_tool_calls')
    .set({ content_deadline: sql<Date>`now() + ${timeoutMs} * interval '1 millisecond'` })
    .where('id', '=', toolCallId)
    .execute()
}
