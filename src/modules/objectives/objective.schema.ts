import { z } from 'zod'
import {
  BareMetadata,
  CompactionConfig,
  CreateOperationMetadata,
  ListQuery,
  OperationMetadata,
  Profile,
  ResourceMetadata,
  Timestamp,
  pageOf,
  DurationSeconds,
  UsdAmount,
} from '../../lib/schemas.ts'
import { API_STATES, EXECUTION_STATUSES, TOOL_CALL_STATUSES } from './objective.ts'

/** Snapshots of other modules' resources: their shape is defined (and documented) there. */
const Snapshot = z.looseObject({}).meta({ description: 'a snapshot taken at objective creation' })

export const CallableTool = z
  .object({
    type: z
      .enum(['tool', 'agent', 'cadenyaProvidedTool'])
      .optional()
      .meta({ description: 'newest API: the key of the populated variant' }),
    tool: ResourceMetadata.optional(),
    agent: ResourceMetadata.optional(),
    cadenyaProvidedTool: ResourceMetadata.optional(),
  })
  .meta({ id: 'CallableTool' })

const JsonObject = z.record(z.string(), z.unknown())

const secretName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be a name like API_TOKEN (letters, digits, _)')
const SecretInput = z.object({ name: secretName, value: z.string().max(64 * 1024) })
const SecretInputs = z
  .array(SecretInput)
  .max(100)
  .refine((s) => new Set(s.map((x) => x.name)).size === s.length, 'secret names must be unique')

/** A memory layer (or one pinned entry of it) on an objective's memory stack (seed 003). */
export const MemoryReference = z
  .object({
    memoryLayerId: z.string().min(1).max(300),
    memoryEntryId: z.string().max(300).optional(),
  })
  .meta({ id: 'MemoryReference' })

export const ObjectiveData = z
  .object({
    agent: Snapshot.optional(),
    variation: Snapshot.optional(),
    data: z.unknown().optional(),
    initialMessage: z.string(),
    parentObjectiveId: z.string(),
    /** Names only: values are write-only (docs/decisions.md decision 5). */
    secrets: z.array(z.object({ name: z.string() })),
    systemPrompt: z.string(),
    memoryStack: z.array(MemoryReference),
    sourceScheduleId: z
      .string()
      .meta({ description: 'the AgentSchedule whose fire created it; empty otherwise' }),
    outputDefinition: z
      .looseObject({})
      .optional()
      .meta({ description: 'JSON Schema of the structured output, frozen at creation' }),
    output: z
      .unknown()
      .optional()
      .meta({ description: 'the structured output; set only when the state is FINALIZED' }),
  })
  .meta({ id: 'ObjectiveData' })

export const ObjectiveInfo = z
  .object({
    callableTools: z.array(CallableTool),
    /** Seed 003: the agent and variation that run the objective, as snapshotted at creation. */
    agent: ResourceMetadata,
    agentVariation: ResourceMetadata,
    effectiveMemoryStack: z.array(MemoryReference),
    createdBy: Profile.optional(),
    totalContextWindows: z.number().int(),
    totalEvents: z.number().int(),
    totalInputTokens: z.number().int(),
    totalOutputTokens: z.number().int(),
    totalToolCalls: z.number().int(),
    /** Cost and budgets (docs/api.md section 5.11): absent while no call had a known price. */
    totalModelCalls: z.number().int().optional(),
    totalCostUsd: z.string().optional().meta({ description: 'US dollars, a decimal string' }),
    totalCostUsdWithSubObjectives: z
      .string()
      .optional()
      .meta({ description: 'US dollars: this objective and all its sub-objectives' }),
    /** Newest API: model calls answered so far (assistant messages). */
    totalIterations: z.number().int(),
    currentContextWindowId: z.string(),
  })
  .meta({ id: 'ObjectiveInfo' })

export const ContextWindowData = z
  .object({
    objectiveId: z.string(),
    sequence: z.number().int(),
    promptTokens: z.number().int(),
    completionTokens: z.number().int(),
    previousWindowContinueInstructions: z.string(),
    costUsd: z
      .string()
      .optional()
      .meta({ description: "US dollars, at the prices of the window's calls; absent: unknown" }),
  })
  .meta({ id: 'ObjectiveContextWindowData' })

const OperationInfo = z.object({
  createdBy: Profile.optional(),
  objective: OperationMetadata.optional(),
})

export const ObjectiveContextWindow = z
  .object({ data: ContextWindowData, metadata: OperationMetadata, info: OperationInfo.optional() })
  .meta({ id: 'ObjectiveContextWindow' })
export type ObjectiveContextWindow = z.infer<typeof ObjectiveContextWindow>

export const ObjectiveStatus = z.object({ state: z.enum(API_STATES), message: z.string() })

export const Objective = z
  .object({
    metadata: OperationMetadata,
    data: ObjectiveData,
    status: ObjectiveStatus,
    info: ObjectiveInfo.optional(),
    lastFiveWindows: z.array(ObjectiveContextWindow).optional(),
    /** HEAD: the episodic memory the objective shares with others of its agent and key. */
    episodicMemory: z.object({ key: z.string(), memoryLayerId: z.string() }).optional(),
    // The newest API's flat fields (objective.newest.ts), beside the seed-era ones they repeat.
    configSnapshot: z
      .object({ agent: Snapshot, agentVariation: Snapshot, agentSchedule: Snapshot.optional() })
      .optional()
      .meta({ description: 'what ran it, as it was at creation (agentSchedule: a fired one)' }),
    state: z.enum(API_STATES).optional().meta({ description: 'the same as status.state' }),
    stateMessage: z.string().optional().meta({ description: 'the same as status.message' }),
    systemPrompt: z.string().optional(),
    firstUserMessage: z.string().optional(),
    parentObjectiveId: z.string().optional(),
    secrets: z.array(z.object({ name: z.string() })).optional(),
    systemPromptData: JsonObject.optional(),
    firstUserMessageData: JsonObject.optional(),
    memoryCascade: z.array(MemoryReference).optional(),
    pinnedParameters: JsonObject.optional(),
    output: z.unknown().optional(),
  })
  .meta({ id: 'Objective' })
export type Objective = z.infer<typeof Objective>

export const ObjectiveEvent = z
  .object({
    metadata: OperationMetadata,
    contextWindowId: z.string(),
    data: z
      .looseObject({ type: z.string() })
      .meta({ description: '`type` is the camelCase key of the one populated variant' }),
    info: OperationInfo.optional(),
    startedAt: Timestamp.optional().meta({ description: 'when the work it reports began' }),
    duration: z
      .string()
      .optional()
      .meta({ description: 'from startedAt to createdAt, e.g. "4.1s"' }),
  })
  .meta({ id: 'ObjectiveEvent' })
export type ObjectiveEvent = z.infer<typeof ObjectiveEvent>

export const ObjectiveToolCall = z
  .object({
    metadata: OperationMetadata,
    data: z.object({
      callable: CallableTool,
      arguments: z.unknown().optional(),
      memo: z.string(),
      result: z.string(),
      statusChangedBy: Profile.optional(),
    }),
    /** The name the model called the tool by, as it was at call time (seed 001 `tool_name`). */
    toolName: z.string(),
    status: z.enum(TOOL_CALL_STATUSES),
    executionStatus: z.enum(EXECUTION_STATUSES),
    info: OperationInfo.optional(),
  })
  .meta({ id: 'ObjectiveToolCall' })
export type ObjectiveToolCall = z.infer<typeof ObjectiveToolCall>

export const ObjectiveTool = z
  // A user tool's frozen Tool; absent for sub-agents and built-ins (named by their metadata).
  .object({ metadata: BareMetadata, snapshot: Snapshot.optional() })
  .meta({ id: 'ObjectiveTool' })
export type ObjectiveTool = z.infer<typeof ObjectiveTool>

const message = z.string().max(200_000)

/**
 * Both create shapes (docs/decisions.md decision 3): the seed body `{agentId, data: {...}, metadata: {...}}` and the
 * seed-001 flat form `{agent_id, initial_message, variation_id, labels, external_id}`.
 */
const cap = z.number().int().min(0)
export const ObjectiveBudget = z
  .object({
    maxInputTokens: cap.optional(),
    maxOutputTokens: cap.optional(),
    maxModelCalls: cap.optional(),
    maxCostUsd: UsdAmount.optional(),
    maxDuration: DurationSeconds.optional(),
    maxDurationSeconds: cap.optional(),
  })
  .meta({ id: 'ObjectiveBudget' })

export const CreateObjectiveBody = z.object({
  agentId: z.string().min(1, 'is required').max(300),
  variationId: z.string().min(1).max(300).optional(),
  data: z
    .object({
      initialMessage: message.optional(),
      data: z.unknown().optional(),
      secrets: SecretInputs.optional(),
      parentObjectiveId: z.string().max(300).optional(),
      memoryStack: z.array(MemoryReference).max(10, 'at most 10 memory layers').optional(),
    })
    .optional(),
  metadata: CreateOperationMetadata.optional(),
  /** HEAD: objectives of one agent with the same key share one episodic memory layer. */
  episodicMemory: z.object({ key: z.string().max(512) }).optional(),
  /** Caps lower than the variation's constraints (docs/api.md section 5.11). */
  budget: ObjectiveBudget.optional(),
  initialMessage: message.optional(),
  externalId: CreateOperationMetadata.shape.externalId,
  labels: CreateOperationMetadata.shape.labels,
  // The newest API's body (no `data` wrapper); create-body.ts tells the shapes apart.
  systemPromptData: JsonObject.optional().meta({
    description: "newest API: the input of the variation's systemPromptTemplate",
  }),
  firstUserMessage: message.optional(),
  firstUserMessageData: JsonObject.optional().meta({
    description: "newest API: the input of the variation's firstUserMessageTemplate",
  }),
  secrets: SecretInputs.optional(),
  memoryCascade: z
    .array(MemoryReference)
    .max(10, 'at most 10 memory layers')
    .optional()
    .meta({ description: 'newest API: the memory stack, most specific (top) first' }),
  pinnedParameters: JsonObject.optional().meta({
    description: 'newest API: stored and shown; not applied to tool calls yet',
  }),
})
export type CreateObjectiveBody = z.infer<typeof CreateObjectiveBody>

export const CancelObjectiveBody = z.object({ reason: z.string().max(10_000).optional() })
/**
 * `message` is optional (seed 004): without one (or with an empty one) a WAITING or FAILED
 * objective resumes as it is, with no new user message (docs/api.md section 5.4).
 */
export const ContinueObjectiveBody = z.object({
  message: message.trim().optional(),
  enqueue: z.boolean().optional(),
  secrets: SecretInputs.optional(),
})
export type ContinueObjectiveBody = z.infer<typeof ContinueObjectiveBody>

export const CompactObjectiveBody = z.object({
  compactionConfig: CompactionConfig.optional().meta({
    description: "overrides the variation's compaction config for this compaction",
  }),
})
export type CompactObjectiveBody = z.infer<typeof CompactObjectiveBody>
export const CompactObjectiveResponse = z
  .object({ contextWindow: ContextWindowData.optional() })
  .meta({ id: 'CompactObjectiveResponse' })
export type CompactObjectiveResponse = z.infer<typeof CompactObjectiveResponse>

const labelFilter = z
  .string()
  .max(2000)
  .regex(/^[^=,]+=[^,]*(,[^=,]+=[^,]*)*$/, 'must be k=v pairs separated by commas')

export const ListObjectivesQuery = ListQuery.extend({
  agentId: z.string().max(300).optional(),
  state: z.enum(API_STATES).optional(),
  parentObjectiveId: z.string().max(300).optional(),
  profileId: z.string().max(300).optional(),
  labels: labelFilter.optional(),
  agentScheduleId: z.string().max(300).optional(),
})
export type ListObjectivesQuery = z.infer<typeof ListObjectivesQuery>

export const ListEventsQuery = ListQuery.extend({
  windowId: z.string().max(300).optional(),
  sinceEventId: z.string().max(300).optional(),
})
export type ListEventsQuery = z.infer<typeof ListEventsQuery>

export const ListToolCallsQuery = ListQuery.extend({
  status: z.enum(TOOL_CALL_STATUSES).optional(),
  executionStatus: z.enum(EXECUTION_STATUSES).optional(),
})
export type ListToolCallsQuery = z.infer<typeof ListToolCallsQuery>

export const ObjectiveParams = z.object({ objectiveId: z.string().min(1) })
export const ObjectiveIdParams = z.object({ id: z.string().min(1) })
export const ToolCallParams = z.object({
  objectiveId: z.string().min(1),
  toolCallId: z.string().min(1),
})

export const ObjectivePage = pageOf(Objective)
export const EventPage = pageOf(ObjectiveEvent)
export const ToolCallPage = pageOf(ObjectiveToolCall)
export const ObjectiveToolPage = pageOf(ObjectiveTool)
export const ContextWindowPage = pageOf(ObjectiveContextWindow)

export const ApproveToolCallBody = z.object({})
export const DenyToolCallBody = z.object({
  memo: z
    .string()
    .max(20_000)
    .optional()
    .meta({ description: 'why the call was denied: fed back to the model as the tool result' }),
})
