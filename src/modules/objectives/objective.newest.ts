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
