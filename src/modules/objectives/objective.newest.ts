import type { ObjectiveRow } from './objectives.repository.ts'
import type { Objective } from './objective.schema.ts'

/** What this reads of the stored ObjectiveData (objective.mappers.ts, which imports this). */
interface StoredObjectiveData {
  initialMessage: string
  data?: unknown
  systemPrompt: string
  agent: Record<string, unknown>
  variation: Record<string, unknown>
  secretNames: string[]
  agentSchedule?: Record<string, unknown>
  memory?: { memoryStack: { memoryLayerId: string; memoryEntryId?: string }[] }
  newest?: {
    systemPromptData?: Record<string, unknown>
    firstUserMessageData?: Record<string, unknown>
    pinnedParameters?: Record<string, unknown>
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v)

/**
 * The newest API's flat Objective fields, served beside the seed-era `data` and `status` they
 * repeat (docs/api.md section 10): a seed client never reads them, a newest one finds what it
 * expects. `state` reads as the family presents `status.state`.
 */
export function newestObjectiveFields(
  row: ObjectiveRow,
  data: StoredObjectiveData,
  state: Objective['status']['state'],
): Pick<
  Objective,
  | 'configSnapshot'
  | 'state'
  | 'stateMessage'
  | 'systemPrompt'
  | 'firstUserMessage'
  | 'parentObjectiveId'
  | 'secrets'
  | 'systemPromptData'
  | 'firstUserMessageData'
  | 'memoryCascade'
  | 'pinnedParameters'
> {
  const promptData = data.newest?.systemPromptData ?? (isObject(data.data) ? data.data : {})
  return {
    configSnapshot: {
      agent: data.agent,
      agentVariation: data.variation,
      ...(data.agentSchedule ? { agentSchedule: data.agentSchedule } : {}),
    },
    state,
    stateMessage: row.state_message,
    systemPrompt: data.systemPrompt,
    firstUserMessage: data.initialMessage,
    parentObjectiveId: row.parent_objective_id ?? '',
    secrets: (data.secretNames ?? []).map((name) => ({ name })),
    systemPromptData: promptData,
    firstUserMessageData: data.newest?.firstUserMessageData ?? {},
    // The cascade is the stack read from the top (the most specific layer first).
    memoryCascade: [...(data.memory?.memoryStack ?? [])].reverse(),
    pinnedParameters: data.newest?.pinnedParameters ?? {},
  }
}

/** The newest API's CallableTool union tag: the key of the one populated variant. */
export type CallableType = 'tool' | 'agent' | 'cadenyaProvidedTool'

/** A CallableTool with the newest API's `type` tag beside its seed-era variant key. */
export function typedCallable<C extends object>(callable: C): C & { type?: CallableType } {
  const c = callable as Record<string, unknown>
  const type = (['tool', 'agent', 'cadenyaProvidedTool'] as const).find((k) => c[k] !== undefined)
  return type ? { type, ...callable } : callable
}

/**
 * An event variant's payload with the newest API's additions: `toolResult.result.content[]` (a
 * text part holding the seed-era `content` string) and typed callables on assistant messages.
 */
export function newestPayload(type: string, payload: unknown): unknown {
  if (type === 'toolResult') {
    const p = payload as { content?: string; result?: unknown }
    // A bare tool's result keeps the parts `:setContent` gave (docs/api.md section 5.13).
    if (p.result) return payload
    return { ...p, result: { content: [{ type: 'text', text: { text: p.content ?? '' } }] } }
  }
  if (type === 'assistantMessage') {
    const p = payload as { toolCalls?: { tool?: object }[] }
    if (!p.toolCalls?.length) return payload
    return {
      ...p,
      toolCalls: p.toolCalls.map((c) => (c.tool ? { ...c, tool: typedCallable(c.tool) } : c)),
    }
  }
  return payload
}

/** A Duration in the proto JSON form: seconds with a decimal fraction, e.g. "4.1s", "0s". */
export function durationOf(ms: number): string {
  return `${Math.max(0, Math.round(ms)) / 1000}s`
}

/**
 * When the work an event reports began, and how long it took until the event was written. Events
 * with no recorded start (messages, approvals, ...) began when they were written: "0s".
 */
export function eventTiming(
  createdAt: Date,
  startedAt: unknown,
): { startedAt: string; duration: string } {
  const start = typeof startedAt === 'string' ? new Date(startedAt) : undefined
  if (!start || Number.isNaN(start.getTime()) || start > createdAt) {
    return { startedAt: createdAt.toISOString(), duration: '0s' }
  }
  return {
    startedAt: start.toISOString(),
    duration: durationOf(createdAt.getTime() - start.getTime()),
  }
}
