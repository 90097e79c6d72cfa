import type { ApiFamily } from '../../lib/api-family.ts'
import { presentVariation, type AgentVariationSpec } from '../agents/index.ts'
import type { OperationMetadata, Profile, ResourceMetadata } from '../../lib/schemas.ts'
import type { CallableTool, ContentPart, EventType, StoredEvent } from './objective.ts'
import { textContent } from './tool-content.ts'
import { presentState } from './objective.ts'
import {
  discoveryCallables,
  memoryCallables,
  submitOutputCallable,
  taskToolCallable,
} from './builtin-tools.ts'
import type { StoredMemory } from '../memory/index.ts'
import type { Caps } from './budget-caps.ts'
import { formatUsd, usdUnits } from '../models/index.ts'
import type {
  Objective,
  ObjectiveContextWindow,
  ObjectiveEvent,
  ObjectiveTool,
  ObjectiveToolCall,
} from './objective.schema.ts'
import type { EventRow, ObjectiveRow, ToolCallRow, WindowRow } from './objectives.repository.ts'
import {
  eventTiming,
  newestObjectiveFields,
  newestPayload,
  typedCallable,
} from './objective.newest.ts'

/** What `objectives.data` holds: the API's ObjectiveData minus secrets, frozen at creation. */
export interface StoredObjectiveData {
  initialMessage: string
  data?: unknown
  systemPrompt: string
  agent: Record<string, unknown>
  variation: StoredVariation
  /** Names of the objective's secrets; the values live sealed in `secrets_sealed`. */
  secretNames: string[]
  modelId: string
  /** JSON Schema of the structured output: the agent's own, or built from its goal's fields. */
  outputDefinition?: Record<string, unknown>
  /** The goal attached to the agent at creation, if any. */
  goalId?: string
  /** The agents the variation assigns as sub-agents, frozen like its tools. */
  subAgents?: StoredSubAgent[]
  /** Set on a sub-objective: the parent's tool call that spawned it and waits for it. */
  parentToolCallId?: string
  /** Set on a sub-objective spawned while tracing: the W3C traceparent of the spawning span. */
  traceParent?: string
  /** Set when a schedule fire created it: the AgentSchedule as it was at that fire. */
  agentSchedule?: Record<string, unknown>
  /** The memory stack frozen at creation (docs/api.md section 3.11). */
  memory?: StoredMemory
  /** The caps it runs under, frozen at creation (budget-caps.ts); absent on older rows. */
  budget?: Caps
  /** What only the newest API's create body carries (create-body.ts). */
  newest?: {
    systemPromptData?: Record<string, unknown>
    firstUserMessageData?: Record<string, unknown>
    pinnedParameters?: Record<string, unknown>
  }
}

/** The variation as frozen into the objective at creation: the API's AgentVariation. */
export interface StoredVariation {
  metadata: ResourceMetadata
  spec: AgentVariationSpec
  [key: string]: unknown
}

/** A sub-agent as frozen into its parent objective: the agent's metadata and spec. */
export interface StoredSubAgent {
  metadata: ResourceMetadata
  spec: { description?: string; inputDataSchema?: Record<string, unknown> } & Record<
    string,
    unknown
  >
}

/** A frozen tool as stored in `objectives.tools` (the tools module's ToolSnapshot shape). */
export interface StoredTool {
  tool: { metadata: ResourceMetadata } & Record<string, unknown>
  toolSet: Record<string, unknown>
}

export function objectiveMetadata(row: ObjectiveRow): OperationMetadata {
  return {
    id: row.id,
    accountId: row.account_id,
    workspaceId: row.workspace_id,
    profileId: row.profile_id,
    externalId: row.external_id,
    labels: row.labels ?? {},
    createdAt: row.created_at.toISOString(),
  }
}

/** Metadata of a row that belongs to an objective (event, tool call, window). */
function childMetadata(
  parent: ObjectiveRow,
  id: string,
  profileId: string,
  createdAt: Date,
): OperationMetadata {
  return {
    id,
    accountId: parent.account_id,
    workspaceId: parent.workspace_id,
    profileId,
    externalId: '',
    labels: {},
    createdAt: createdAt.toISOString(),
  }
}

export function callableOf(tool: StoredTool['tool']): CallableTool {
  return { tool: tool.metadata }
}

function snapshotMetadata(snapshot: Record<string, unknown>): ResourceMetadata {
  return snapshot.metadata as ResourceMetadata
}

export interface ObjectiveExtras {
  createdBy?: Profile
  windows?: WindowRow[]
  withInfo: boolean
  /** The cost of it and all its sub-objectives (null: none known); default: its own. */
  treeCostUsd?: string | null
  /** Its assistant messages so far (`info.totalIterations`); 0 when not counted. */
  iterations?: number
}

/** A stored dollar amount as served: the shortest exact decimal string. */
const usd = (amount: string) => formatUsd(usdUnits(amount))

/** The one row -> Objective mapping; the family decides how the state reads (docs/decisions.md decision 2). */
export function objectiveOf(
  row: ObjectiveRow,
  family: ApiFamily,
  extras: ObjectiveExtras,
): Objective {
  const data = row.data as unknown as StoredObjectiveData
  const tools = row.tools as unknown as StoredTool[]
  const state = presentState(row.state, row.wait_reason, family)
  const objective: Objective = {
    metadata: objectiveMetadata(row),
    data: {
      agent: data.agent,
      variation: presentVariation(data.variation, family),
      ...(data.data !== undefined ? { data: data.data } : {}),
      initialMessage: data.initialMessage,
      parentObjectiveId: row.parent_objective_id ?? '',
      secrets: (data.secretNames ?? []).map((name) => ({ name })),
      systemPrompt: data.systemPrompt,
      memoryStack: data.memory?.memoryStack ?? [],
      sourceScheduleId: row.source_schedule_id ?? '',
      ...(data.outputDefinition ? { outputDefinition: data.outputDefinition } : {}),
      // Output exists only once the objective is FINALIZED (docs/api.md section 5.10).
      ...(row.state === 'FINALIZED' && row.output != null ? { output: row.output } : {}),
    },
    status: { state, message: row.state_message },
    ...newestObjectiveFields(row, data, state),
    ...(row.state === 'FINALIZED' && row.output != null ? { output: row.output } : {}),
    ...(data.memory?.episodic
      ? {
          episodicMemory: {
            key: data.memory.episodic.key,
            memoryLayerId: data.memory.episodic.memoryLayerId,
          },
        }
      : {}),
  }
  if (extras.withInfo) {
    const owner = {
      accountId: row.account_id,
      workspaceId: row.workspace_id,
      profileId: row.profile_id,
      createdAt: row.created_at.toISOString(),
    }
    objective.info = {
      callableTools: [
        ...tools.map((t) => callableOf(t.tool)),
        ...(data.subAgents ?? []).map((a) => ({ agent: a.metadata })),
        taskToolCallable(owner),
        ...(data.outputDefinition ? [submitOutputCallable(owner)] : []),
        ...memoryCallables(owner, data.memory),
        ...discoveryCallables(owner, data.variation.spec),
      ].map(typedCallable),
      agent: snapshotMetadata(data.agent),
      agentVariation: snapshotMetadata(data.variation),
      effectiveMemoryStack: data.memory?.effective ?? [],
      ...(extras.createdBy ? { createdBy: extras.createdBy } : {}),
      totalContextWindows: row.total_context_windows,
      totalEvents: row.total_events,
      totalInputTokens: row.total_input_tokens,
      totalOutputTokens: row.total_output_tokens,
      totalToolCalls: row.total_tool_calls,
      totalModelCalls: row.total_model_calls,
      ...(row.total_cost_usd !== null ? { totalCostUsd: usd(row.total_cost_usd) } : {}),
      ...costWithSubObjectives(
        extras.treeCostUsd === undefined ? row.total_cost_usd : extras.treeCostUsd,
      ),
      totalIterations: extras.iterations ?? 0,
      currentContextWindowId: row.current_window_id ?? '',
    }
  }
  if (extras.windows) objective.lastFiveWindows = extras.windows.map((w) => windowOf(row, w))
  return objective
}

function costWithSubObjectives(cost: string | null) {
  return cost !== null ? { totalCostUsdWithSubObjectives: usd(cost) } : {}
}

export function windowOf(
  parent: ObjectiveRow,
  w: WindowRow,
  info?: { createdBy?: Profile },
): ObjectiveContextWindow {
  return {
    metadata: childMetadata(parent, w.id, parent.profile_id, w.created_at),
    data: {
      objectiveId: w.objective_id,
      sequence: w.sequence,
      promptTokens: w.prompt_tokens,
      completionTokens: w.completion_tokens,
      previousWindowContinueInstructions: w.previous_window_continue_instructions,
      ...(w.cost_usd !== null && w.cost_usd !== undefined ? { costUsd: usd(w.cost_usd) } : {}),
    },
    ...(info ? { info: { ...info, objective: objectiveMetadata(parent) } } : {}),
  }
}

/** Reads the variant out of a stored event (engine-only fields stay behind). */
export function storedEventOf(row: Pick<EventRow, 'type' | 'data'>): StoredEvent {
  const data = row.data as Record<string, unknown>
  return {
    type: row.type as EventType,
    payload: data[row.type],
    x: data.x,
  } as StoredEvent
}

/** The stored form of an event: `{<type>: payload, x?}`. */
export function storedEventData(event: StoredEvent): Record<string, unknown> {
  return { [event.type]: event.payload, ...(event.x ? { x: event.x } : {}) }
}

/**
 * A stored event's variant as a family serves it. One stored event is one served event in both
 * families (same id, same place, same count): only the spawn of a sub-agent reads differently, as
 * the seed-004 `subObjectiveCreated{metadata}` on the implicit family and as the seed-003
 * `subAgentSpawned{agent, objective, task}` on the workspace family, its stream and webhooks.
 */
export function presentEvent(event: StoredEvent, family: ApiFamily): ObjectiveEvent['data'] {
  if (event.type === 'subAgentSpawned' && family === 'implicit') {
    const type = 'subObjectiveCreated'
    return { type, [type]: { metadata: event.payload.objective } }
  }
  if (event.type === 'subObjectiveCreated' && family === 'workspace') {
    // Written before subAgentSpawned was stored: only the child's metadata is known.
    const type = 'subAgentSpawned'
    return { type, [type]: { objective: event.payload.metadata } }
  }
  return { type: event.type, [event.type]: newestPayload(event.type, event.payload) }
}

export function eventOf(
  parent: ObjectiveRow,
  row: Pick<EventRow, 'id' | 'type' | 'data' | 'window_id' | 'profile_id' | 'created_at'>,
  family: ApiFamily,
  info?: { createdBy?: Profile },
): ObjectiveEvent {
  const stored = storedEventOf(row)
  return {
    metadata: childMetadata(parent, row.id, row.profile_id, row.created_at),
    contextWindowId: row.window_id,
    data: presentEvent(stored, family),
    ...eventTiming(row.created_at, stored.x?.startedAt),
    ...(info ? { info: { ...info, objective: objectiveMetadata(parent) } } : {}),
  }
}

export function toolCallOf(
  parent: ObjectiveRow,
  row: ToolCallRow,
  info?: { createdBy?: Profile },
  statusChangedBy?: Profile,
): ObjectiveToolCall {
  return {
    metadata: childMetadata(parent, row.id, parent.profile_id, row.created_at),
    data: {
      callable: typedCallable(row.callable as CallableTool),
      ...(row.arguments !== null ? { arguments: row.arguments } : {}),
      memo: row.memo,
      result: row.result ?? '',
      ...(statusChangedBy ? { statusChangedBy } : {}),
    },
    toolName: row.function_name,
    status: row.status as ObjectiveToolCall['status'],
    executionStatus: row.execution_status as ObjectiveToolCall['executionStatus'],
    ...resultOf(row),
    ...(info ? { info: { ...info, objective: objectiveMetadata(parent) } } : {}),
  }
}

/** A finished call's result as parts: what `:setContent` gave, else its text. */
function resultOf(row: ToolCallRow): Pick<ObjectiveToolCall, 'result'> {
  if (row.result_content)
    return { result: { content: row.result_content as unknown as ContentPart[] } }
  const completed = row.execution_status === 'TOOL_CALL_EXECUTION_STATUS_COMPLETED'
  return completed && row.result ? { result: { content: textContent(row.result) } } : {}
}

/** A frozen tool or sub-agent as the objective's tool list shows it. */
export function objectiveToolOf(
  t: StoredTool['tool'] | StoredSubAgent | { metadata: { id: string; name: string } },
): ObjectiveTool {
  // `snapshot` is a Tool: only user tools have one. A sub-agent or a built-in is named by its
  // metadata alone; an Agent or a bare metadata there would break the clients' Tool type (a
  // Tool's spec with config, description and parameters is required in every era).
  const spec = (t as { spec?: Record<string, unknown> }).spec
  return {
    metadata: { id: t.metadata.id, name: t.metadata.name },
    ...(spec && 'config' in spec ? { snapshot: t as unknown as Record<string, unknown> } : {}),
  }
}
