import { z } from 'zod'
import type { Deps, Scope } from '../deps.ts'
import type { StoredObjectiveData, StoredTool } from './objective.mappers.ts'
import { storedEventOf } from './objective.mappers.ts'
import type { EventRow } from './objectives.repository.ts'
import { findObjectiveRow } from './read-objective.service.ts'

/** What one part of the context holds: characters, and tokens estimated from them. */
const Size = z.object({ chars: z.number().int(), estimatedTokens: z.number().int() })

export const ObjectiveDiagnostics = z
  .object({
    objectiveId: z.string(),
    contextWindowId: z.string(),
    /** The context the next model call sends, by component. */
    contextLength: z.object({
      systemPrompt: Size,
      tools: Size,
      messages: Size,
      memory: Size,
      total: Size,
    }),
    /** As the provider counted the last model call (0 before the first). */
    inputTokens: z.number().int(),
    cachedInputTokens: z.number().int(),
    tokenEstimate: z.string(),
  })
  .meta({ id: 'ObjectiveDiagnostics' })
export type ObjectiveDiagnostics = z.infer<typeof ObjectiveDiagnostics>

/** One estimate for every component: about 4 characters per token, as the compactor counts. */
const CHARS_PER_TOKEN = 4
const size = (chars: number) => ({ chars, estimatedTokens: Math.ceil(chars / CHARS_PER_TOKEN) })

/** Where the memory stack's manifest starts in a system prompt (memory/stack.ts buildManifest). */
const MANIFEST_HEADING = '## Skills'

/** Characters an event adds to the conversation the model is sent. */
function messageChars(row: Pick<EventRow, 'type' | 'data'>): number {
  const event = storedEventOf(row)
  switch (event.type) {
    case 'userMessage':
      return event.payload.content.length
    case 'assistantMessage':
      return (
        event.payload.content.length +
        event.payload.toolCalls.reduce((n, c) => n + c.functionName.length + c.arguments.length, 0)
      )
    case 'toolResult':
      return event.payload.content.length
    case 'toolError':
      return event.payload.message.length
    case 'toolDenied':
      return event.payload.memo.length
    case 'contextWindowCompacted':
      return event.payload.summary.length
    default:
      return 0
  }
}

/**
 * `GET .../objectives/{id}/diagnostics` (HEAD): the size of the current context window by
 * component (system prompt, tools offered, messages, memory manifest), in characters and
 * estimated tokens, and the input and cached input tokens the provider counted for the last
 * model call. Read only: computed from the stored objective and its current window's events.
 */
export async function getObjectiveDiagnostics(
  deps: Deps,
  scope: Scope,
  ref: string,
): Promise<ObjectiveDiagnostics> {
  const row = await findObjectiveRow(deps, scope, ref)
  const data = row.data as unknown as StoredObjectiveData
  const windowId = row.current_window_id ?? ''
  const events = await deps.db
    .selectFrom('objective_events')
    .select(['type', 'data'])
    .where('objective_id', '=', row.id)
    .where('window_id', '=', windowId)
    .orderBy('seq')
    .execute()
  const prompt = data.systemPrompt ?? ''
  const manifestAt = data.memory ? prompt.lastIndexOf(MANIFEST_HEADING) : -1
  const memoryChars = manifestAt >= 0 ? prompt.length - manifestAt : 0
  const toolChars = (row.tools as unknown as StoredTool[]).reduce((n, t) => {
    const spec = (t.tool as { spec?: { description?: string; parameters?: unknown } }).spec
    return (
      n +
      t.tool.metadata.name.length +
      (spec?.description ?? '').length +
      JSON.stringify(spec?.parameters ?? {}).length
    )
  }, 0)
  const messages = events.reduce((n, e) => n + messageChars(e), 0)
  const parts = {
    systemPrompt: size(prompt.length - memoryChars),
    tools: size(toolChars),
    messages: size(messages),
    memory: size(memoryChars),
  }
  const totalChars = Object.values(parts).reduce((n, p) => n + p.chars, 0)
  const last = row.last_call_usage
  return {
    objectiveId: row.id,
    contextWindowId: windowId,
    contextLength: { ...parts, total: size(totalChars) },
    inputTokens: last?.inputTokens ?? 0,
    cachedInputTokens: last?.cachedInputTokens ?? 0,
    tokenEstimate: `ceil(chars / ${CHARS_PER_TOKEN})`,
  }
}
