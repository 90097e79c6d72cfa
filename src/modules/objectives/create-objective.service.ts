import {
  agentOf,
  findAgentRow,
  findVariationRow,
  selectVariation,
  variationOf,
  type Rng,
} from '../agents/index.ts'
import type { AgentVariationSpec } from '../agents/index.ts'
import { loadProfiles } from '../profiles/index.ts'
import { resolveModel } from '../models/index.ts'
import { loadVariationTools } from '../tools/index.ts'
import { buildManifest, resolveMemoryStack } from '../memory/index.ts'
import type { ApiFamily } from '../../lib/api-family.ts'
import { failedPrecondition, fieldError, invalidArgument } from '../../lib/errors.ts'
import type { Deps, Scope } from '../deps.ts'
import { rethrowUnique } from '../resource.ts'
import type { Executor } from '../../db/database.ts'
import type { ObjectiveTable } from '../../db/schema.ts'
import type { Insertable } from 'kysely'
import {
  objectiveOf,
  storedEventData,
  type StoredObjectiveData,
  type StoredSubAgent,
} from './objective.mappers.ts'
import type { CreateObjectiveBody, Objective } from './objective.schema.ts'
import * as repo from './objectives.repository.ts'
import type { ObjectiveRow } from './objectives.repository.ts'
import { renderPrompt, validateInputData } from './input-data.ts'
import { attachedGoal, goalOutputDefinition, withGoalSection } from './goal-context.ts'
import { WORK_CHANNEL } from './runtime.ts'
import { capsOf, lowerCaps } from './budget-caps.ts'
import { createInputOf, type CreateInput } from './create-body.ts'

/** The agents a variation assigns as sub-agents, snapshotted like its tools. */
async function loadSubAgents(deps: Deps, scope: Scope, variationId: string) {
  const assigned = await repo.subAgentAssignments(deps.db, variationId)
  const agents = await Promise.all(
    assigned.map((a) => findAgentRow(deps, scope, a.sub_agent_id!).then((row) => agentOf(row))),
  )
  return agents as unknown as StoredSubAgent[]
}

/**
 * Reads shared by the objectives one caller creates in a burst (a scheduler tick creating many
 * objectives of the same agents): each read is made once per memo. Callers keep a memo only for
 * the burst, so what it holds is as fresh as one read at its start.
 */
export type ReadMemo = Map<string, Promise<unknown>>

function memoized<T>(memo: ReadMemo | undefined, key: string, read: () => Promise<T>): Promise<T> {
  if (!memo) return read()
  let hit = memo.get(key) as Promise<T> | undefined
  if (!hit) {
    hit = read()
    memo.set(key, hit)
    // A failed read is not remembered: the next objective tries again.
    hit.catch(() => memo.delete(key))
  }
  return hit
}

async function chooseVariation(
  deps: Deps,
  scope: Scope,
  agent: Awaited<ReturnType<typeof findAgentRow>>,
  explicit: string | undefined,
  rng: Rng,
  memo: ReadMemo | undefined,
) {
  const variation = (ref: string) =>
    memoized(memo, `${scope.workspaceId}:variation:${agent.id}:${ref}`, () =>
      findVariationRow(deps, scope, agent.id, ref),
    )
  // An explicit variation wins, even one with weight 0 (docs/decisions.md decision 6).
  if (explicit) return variation(explicit)
  const mode = agentOf(agent).spec.variationSelectionMode
  const choices = await memoized(memo, `${scope.workspaceId}:choices:${agent.id}`, () =>
    repo.variationChoices(deps.db, agent.id),
  )
  const id = selectVariation(choices, mode, rng)
  if (!id) {
    throw failedPrecondition(
      `agent ${agent.id} has no variation that can be selected: create one (or give one a weight)`,
    )
  }
  return variation(id)
}

/**
 * The episodic key an objective shares memory under: HEAD's `episodicMemory.key`; in the seed
 * eras (no such field) a variation with `enableEpisodicMemory` keys it by the objective's
 * external id. Without either there is no episodic memory.
 */
function episodicKeyOf(body: CreateObjectiveBody, spec: AgentVariationSpec): string | undefined {
  if (body.episodicMemory) return body.episodicMemory.key
  const externalId = body.metadata?.externalId ?? body.externalId
  return spec.enableEpisodicMemory && externalId ? externalId : undefined
}

/** What an objective's creation inserts, checked and built before any transaction opens. */
export interface PreparedObjective {
  row: Insertable<ObjectiveTable>
  windowId: string
  firstMessage?: { eventId: string; content: string }
}

/** Where a sub-objective comes from: the parent and the parent's tool call that spawned it. */
export interface SubObjectiveOrigin {
  parentToolCallId: string
  /** The W3C traceparent of the span that spawned it, when tracing is on (docs/api.md 11.1). */
  traceParent?: string
}

/** The agent schedule whose fire creates an objective, and its snapshot at that fire. */
export interface ScheduleOrigin {
  scheduleId: string
  snapshot: Record<string, unknown>
}

export interface PrepareOptions {
  schedule?: ScheduleOrigin
  memo?: ReadMemo
}

/**
 * Checks a creation and builds its rows: picks and snapshots the variation, its tools, sub-agents
 * and the agent, validates `data` against the agent's inputDataSchema and renders the variation
 * prompt with it (plus the attached goal, whose fields become the output definition when the agent
 * has none), and checks the model resolves (a bad model or missing credential is a 400 now, not a
 * failure later). Reads only: the engine calls it before the step that inserts a sub-objective.
 */
export async function prepareObjective(
  deps: Deps,
  scope: Scope,
  body: CreateObjectiveBody,
  rng: Rng = Math.random,
  origin?: SubObjectiveOrigin,
  { schedule, memo }: PrepareOptions = {},
): Promise<PreparedObjective> {
  const ws = scope.workspaceId
  const create = createInputOf(body)
  const agent = await memoized(memo, `${ws}:agent:${body.agentId}`, () =>
    findAgentRow(deps, scope, body.agentId),
  )
  const variationRow = await chooseVariation(deps, scope, agent, body.variationId, rng, memo)
  const variation = variationOf(variationRow)
  const spec = variation.spec as AgentVariationSpec
  const input = create.input
  const agentSpec = agentOf(agent).spec
  validateInputData(agentSpec.inputDataSchema, input, create.fields.input)
  const goal = await memoized(memo, `${ws}:goal:${agent.id}`, () =>
    attachedGoal(deps.db, ws, agent.id),
  )
  const prompt = withGoalSection(
    await renderPrompt(spec.prompt ?? '', input, variation.metadata.id, {
      field: create.fields.input,
    }),
    goal,
  )
  const initialMessage = await firstUserMessage(create, spec, variation.metadata.id)
  // The agent's own definition wins; a goal with fields to collect supplies one otherwise.
  const outputDefinition =
    agentSpec.outputDefinition ?? (goal?.fields.length ? goalOutputDefinition(goal) : undefined)
  if (!initialMessage.trim() && !prompt.trim()) {
    throw invalidArgument('an objective needs an initial message or a variation prompt', [
      { field: create.fields.message, description: 'is required when the variation has no prompt' },
    ])
  }
  const budget = lowerCaps(capsOf(spec.constraints), body.budget ?? {})
  if (budget.violations.length) {
    throw invalidArgument('the budget asks for more than the variation allows', budget.violations)
  }
  const modelId = spec.modelConfig?.modelId
  if (!modelId) {
    throw failedPrecondition(`variation ${variation.metadata.id} has no modelConfig.modelId`)
  }
  await memoized(memo, `${ws}:model:${modelId}`, () => resolveModel(deps, ws, modelId, deps.env))
  const [tools, subAgents] = await Promise.all([
    memoized(memo, `${ws}:tools:${variationRow.id}`, () =>
      loadVariationTools(deps, ws, variationRow.id),
    ),
    memoized(memo, `${ws}:subAgents:${variationRow.id}`, () =>
      loadSubAgents(deps, scope, variationRow.id),
    ),
  ])

  const parentObjectiveId = create.parentObjectiveId || null
  if (parentObjectiveId) {
    const parent = await repo.findObjective(deps.db, scope.workspaceId, { id: parentObjectiveId })
    if (!parent) throw fieldError('data.parentObjectiveId', 'is not an objective of this workspace')
  }
  // Last of the checks: it may create the episodic layer the objective shares (stack.ts).
  const memory = await resolveMemoryStack(deps, scope, {
    agentId: agent.id,
    variationId: variationRow.id,
    memoryStack: create.memoryStack,
    ...(create.fields.memoryStack ? { field: create.fields.memoryStack } : {}),
    episodicKey: episodicKeyOf(body, spec),
    episodicTtlSeconds: spec.episodicMemoryTtl,
  })
  // SKILLS manifest: frozen with the stack, like the rest of the prompt.
  const manifest = memory ? await buildManifest(deps.db, memory.effective) : ''
  const systemPrompt = manifest ? (prompt.trim() ? `${prompt}\n\n${manifest}` : manifest) : prompt
  const secrets = create.secrets
  const id = deps.ids('objective')
  const data: StoredObjectiveData = {
    initialMessage,
    ...(input !== undefined ? { data: input } : {}),
    ...(create.newest ? { newest: create.newest } : {}),
    systemPrompt,
    agent: agentOf(agent),
    variation,
    secretNames: secrets.map((s) => s.name),
    modelId,
    ...(outputDefinition ? { outputDefinition } : {}),
    ...(goal ? { goalId: goal.id } : {}),
    ...(subAgents.length ? { subAgents } : {}),
    ...(origin ? { parentToolCallId: origin.parentToolCallId } : {}),
    ...(origin?.traceParent ? { traceParent: origin.traceParent } : {}),
    ...(schedule ? { agentSchedule: schedule.snapshot } : {}),
    ...(memory ? { memory } : {}),
    budget: budget.caps,
  }
  const hasMessage = initialMessage.trim() !== ''
  const windowId = deps.ids('contextWindow')
  return {
    windowId,
    ...(hasMessage
      ? { firstMessage: { eventId: deps.ids('event'), content: initialMessage } }
      : {}),
    row: {
      id,
      account_id: scope.accountId,
      workspace_id: scope.workspaceId,
      profile_id: scope.profileId,
      external_id: create.externalId ?? '',
      labels: JSON.stringify(create.labels ?? {}),
      agent_id: agent.id,
      variation_id: variationRow.id,
      parent_objective_id: parentObjectiveId,
      state: 'PENDING',
      data: JSON.stringify(data),
      secrets_sealed: secrets.length ? deps.box.seal(JSON.stringify(secrets)) : null,
      tools: JSON.stringify(tools),
      total_context_windows: 1,
      total_events: hasMessage ? 1 : 0,
      event_seq: hasMessage ? 1 : 0,
      current_window_id: windowId,
      goal_id: goal?.id ?? null,
      inactivity_timeout_ms: timeoutMs(spec.constraints?.inactivityTimeout),
      source_schedule_id: schedule?.scheduleId ?? null,
    },
  }
}

/**
 * The first user message: the one given, else the variation's firstUserMessageTemplate rendered
 * with its input (newest API), else none.
 */
async function firstUserMessage(
  create: CreateInput,
  spec: AgentVariationSpec,
  variationId: string,
): Promise<string> {
  if (create.initialMessage.trim() || !spec.firstUserMessageTemplate) return create.initialMessage
  const field = create.shape === 'newest' ? 'firstUserMessageData' : create.fields.input
  return renderPrompt(spec.firstUserMessageTemplate, create.firstMessageInput, variationId, {
    field,
    what: 'the first user message template',
  })
}

const timeoutMs = (duration: string | undefined) =>
  duration ? Math.round(parseFloat(duration) * 1000) : null

/**
 * Inserts a prepared objective, its first context window and first user message, and wakes the
 * engine once the surrounding transaction commits.
 */
export async function insertPreparedObjective(
  trx: Executor,
  prepared: PreparedObjective,
): Promise<ObjectiveRow> {
  // One statement (objective, window, first event, wake-up): one round trip per creation.
  const { notified: _, ...row } = await repo.insertObjectiveWhole(
    trx,
    prepared.row,
    prepared.windowId,
    prepared.firstMessage && {
      id: prepared.firstMessage.eventId,
      seq: 1,
      type: 'userMessage',
      data: JSON.stringify(
        storedEventData({
          type: 'userMessage',
          payload: { content: prepared.firstMessage.content },
        }),
      ),
      profile_id: prepared.row.profile_id,
    },
    WORK_CHANNEL,
  )
  return row as ObjectiveRow
}

/** Creates an objective (see prepareObjective) in one transaction. */
export async function createObjective(
  deps: Deps,
  scope: Scope,
  body: CreateObjectiveBody,
  family: ApiFamily,
  rng: Rng = Math.random,
): Promise<Objective> {
  const prepared = await prepareObjective(deps, scope, body, rng)
  // A single statement: atomic without a transaction around it.
  const row = await insertPreparedObjective(deps.db, prepared).catch((err) =>
    rethrowUnique(err, 'an objective'),
  )
  const profiles = await loadProfiles(deps, [row.profile_id])
  return objectiveOf(row, family, { withInfo: true, createdBy: profiles.get(row.profile_id) })
}
