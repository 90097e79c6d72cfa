import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { OperationMetadata } from '../../lib/schemas.ts'
import type { Deps } from '../deps.ts'
import { prepareObjective, type PreparedObjective } from './create-objective.service.ts'
import type { EventPayloads, SubAgentStatus } from './objective.ts'
import type { StoredSubAgent } from './objective.mappers.ts'
import type { ObjectiveRow } from './objectives.repository.ts'
import { notifyChannel } from './objectives.repository.ts'
import { WORK_CHANNEL } from './runtime.ts'

/**
 * Sub-agents as tools (docs/api.md section 5.9): a variation's assigned agents are callable tools of its
 * objectives. A call spawns a child objective in the same commit as the call's start; the parent
 * waits in WAITING(sub_objectives) without a lease. The commit that settles the last awaited child
 * (its turn ends, it finalizes, fails or is cancelled) also makes the parent runnable again, under
 * the parent's row lock, so the wake-up cannot be lost. Locks are always taken ancestors first.
 */

/** The toolError of a sub-agent call refused by `constraints.maxSubObjectives` (docs/decisions.md decision 12). */
export const SUB_OBJECTIVE_LIMIT_MESSAGE = 'sub-objective limit reached'

export const WAITING_FOR_SUB_OBJECTIVES = 'waiting for sub-objectives'

/** The parameters of a sub-agent without an inputDataSchema: one free-text prompt. */
const PROMPT_PARAMETERS = {
  type: 'object',
  properties: { prompt: { type: 'string', description: 'What the sub-agent should do' } },
  required: ['prompt'],
}

/** The JSON Schema the model fills to call a sub-agent. */
export function subAgentParameters(agent: StoredSubAgent): Record<string, unknown> {
  const schema = agent.spec.inputDataSchema
  if (!schema) return PROMPT_PARAMETERS
  // Used by value: ajv would refuse to register the same `$id` twice.
  const { $id: _id, ...rest } = schema
  return rest
}

export function subAgentDescription(agent: StoredSubAgent): string {
  return agent.spec.description || `Delegates a task to the agent ${agent.metadata.name}`
}

/** A child's state settles its parent's call when it has nothing more to say without input. */
export function settlesParent(state: string, waitReason: string | null): boolean {
  if (state === 'WAITING') return waitReason === 'turn_complete'
  return ['FINALIZED', 'FAILED', 'CANCELLED', 'TIMED_OUT'].includes(state)
}

const SETTLED = sql`(c.state IN ('FINALIZED', 'FAILED', 'CANCELLED', 'TIMED_OUT')
  OR (c.state = 'WAITING' AND c.wait_reason = 'turn_complete'))`

/**
 * Builds the child objective a sub-agent call spawns, through the objective-creation rules:
 * variation chosen per docs/decisions.md decision 6, `data` = the arguments when the agent has an input schema,
 * otherwise the `prompt` argument is the first user message. Reads only; throws AppError when
 * the child cannot be created (the parent's model is told why).
 */
export async function prepareSubObjective(
  deps: Deps,
  parent: ObjectiveRow,
  agent: StoredSubAgent,
  args: Record<string, unknown>,
  toolCallId: string,
  traceParent?: string,
): Promise<PreparedObjective> {
  const scope = {
    accountId: parent.account_id,
    apiKeyId: '',
    profileId: parent.profile_id,
    homeWorkspaceId: parent.workspace_id,
    permissions: [],
    workspaceId: parent.workspace_id,
  }
  const withSchema = agent.spec.inputDataSchema !== undefined
  const prompt = promptOf(args)
  const prepared = await prepareObjective(
    deps,
    scope,
    {
      agentId: agent.metadata.id,
      data: {
        ...(withSchema ? { data: args } : { initialMessage: prompt }),
        parentObjectiveId: parent.id,
      },
    },
    Math.random,
    { parentToolCallId: toolCallId, ...(traceParent ? { traceParent } : {}) },
  )
  // Fixed now so the parent's `subAgentSpawned` event shows the child's exact metadata.
  prepared.row.created_at = deps.clock.now()
  return prepared
}

const promptOf = (args: Record<string, unknown>) =>
  typeof args.prompt === 'string' ? args.prompt : ''

/**
 * The parent's `subAgentSpawned` for a child it starts: the sub-agent, the child's metadata, and
 * its task (the prompt; the arguments as JSON for an agent with an inputDataSchema).
 */
export function subAgentSpawned(
  agent: StoredSubAgent,
  child: PreparedObjective,
  args: Record<string, unknown>,
): EventPayloads['subAgentSpawned'] {
  const task = agent.spec.inputDataSchema !== undefined ? JSON.stringify(args) : promptOf(args)
  return { agent: agent.metadata, objective: preparedMetadata(child), task }
}

/** The child's metadata (OM) as `subAgentSpawned.objective` carries it. */
export function preparedMetadata(prepared: PreparedObjective): OperationMetadata {
  const r = prepared.row
  return {
    id: r.id,
    accountId: r.account_id,
    workspaceId: r.workspace_id,
    profileId: r.profile_id,
    externalId: r.external_id ?? '',
    labels: {},
    createdAt: (r.created_at as Date).toISOString(),
  }
}

/** Locks an objective row; used to lock a parent before its child (ancestors first). */
export async function lockObjectiveRow(trx: Executor, id: string): Promise<void> {
  await trx.selectFrom('objectives').select('id').where('id', '=', id).forUpdate().execute()
}

/**
 * Makes a parent waiting for sub-objectives runnable again when none of the children its running
 * calls wait for is still at work. Runs in the transaction that settled a child, after the
 * parent's row was locked.
 */
export async function wakeParent(trx: Executor, parentId: string): Promise<void> {
  const { rows } = await sql<{ id: string }>`
    UPDATE objectives p SET state = 'RUNNING', wait_reason = NULL, state_message = '',
      version = version + 1, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
    WHERE p.id = ${parentId} AND p.state = 'WAITING' AND p.wait_reason = 'sub_objectives'
      AND NOT EXISTS (
        SELECT 1 FROM objectives c
        JOIN objective_tool_calls t ON t.id = c.data->>'parentToolCallId' AND t.objective_id = p.id
        WHERE c.parent_objective_id = p.id
          AND t.execution_status = 'TOOL_CALL_EXECUTION_STATUS_RUNNING'
          AND NOT ${SETTLED})
    RETURNING p.id`.execute(trx)
  if (rows.length) await notifyChannel(trx, WORK_CHANNEL, parentId)
}

/**
 * What a sub-agent call returns to its parent's model, and the parent's `subAgentUpdated` that
 * reports it.
 */
export type SubObjectiveOutcome = (
  { ok: true; content: string } | { ok: false; message: string }
) & {
  update: EventPayloads['subAgentUpdated']
}

/** `subAgentUpdated.message` stays short: the call's result carries the whole answer. */
const UPDATE_MESSAGE_CHARS = 500

function clip(text: string): string {
  return text.length > UPDATE_MESSAGE_CHARS ? `${text.slice(0, UPDATE_MESSAGE_CHARS - 1)}…` : text
}

const SETTLED_STATUS: Record<string, SubAgentStatus> = {
  WAITING: 'STATUS_COMPLETED',
  FINALIZED: 'STATUS_COMPLETED',
  FAILED: 'STATUS_FAILED',
  TIMED_OUT: 'STATUS_FAILED',
  CANCELLED: 'STATUS_CANCELLED',
}

/**
 * The outcome of each child spawned by one of `toolCallIds`, by tool call id: its `output` JSON
 * when FINALIZED, its last assistant message when its turn ended, an error when it failed or was
 * cancelled; null while the child still works.
 */
export async function subObjectiveOutcomes(
  db: Executor,
  parentId: string,
  toolCallIds: string[],
): Promise<Map<string, SubObjectiveOutcome | null>> {
  const { rows } = await sql<{
    id: string
    call_id: string
    state: string
    wait_reason: string | null
    state_message: string
    output: unknown
    answer: string | null
    agent_id: string
    agent_name: string | null
  }>`
    SELECT c.id, c.data->>'parentToolCallId' AS call_id, c.state, c.wait_reason, c.state_message,
      c.output, c.agent_id, c.data->'agent'->'metadata'->>'name' AS agent_name,
      (SELECT e.data->'assistantMessage'->>'content' FROM objective_events e
        WHERE e.objective_id = c.id AND e.type = 'assistantMessage'
          AND coalesce(e.data->'assistantMessage'->>'content', '') <> ''
        ORDER BY e.seq DESC LIMIT 1) AS answer
    FROM objectives c
    WHERE c.parent_objective_id = ${parentId}
      AND c.data->>'parentToolCallId' = ANY(${toolCallIds}::text[])`.execute(db)
  const outcomes = new Map<string, SubObjectiveOutcome | null>()
  for (const c of rows) {
    if (!settlesParent(c.state, c.wait_reason)) {
      outcomes.set(c.call_id, null)
      continue
    }
    const detail = c.state_message ? `: ${c.state_message}` : ''
    let answer: { ok: true; content: string } | { ok: false; message: string }
    if (c.state === 'FINALIZED') answer = { ok: true, content: JSON.stringify(c.output ?? null) }
    else if (c.state === 'WAITING') answer = { ok: true, content: c.answer ?? '' }
    else if (c.state === 'CANCELLED') {
      answer = { ok: false, message: `sub-objective ${c.id} was cancelled${detail}` }
    } else if (c.state === 'TIMED_OUT') {
      answer = { ok: false, message: `sub-objective ${c.id} timed out${detail}` }
    } else answer = { ok: false, message: `sub-objective ${c.id} failed${detail}` }
    const update: EventPayloads['subAgentUpdated'] = {
      agent: { id: c.agent_id, name: c.agent_name ?? '' },
      objective: { id: c.id },
      status: SETTLED_STATUS[c.state]!,
      message: clip(answer.ok ? answer.content : answer.message),
    }
    outcomes.set(c.call_id, { ...answer, update })
  }
  return outcomes
}

/** Sub-objectives spawned by an objective's tool calls so far (for maxSubObjectives). */
export async function countSubObjectives(db: Executor, parentId: string): Promise<number> {
  const row = await db
    .selectFrom('objectives')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('parent_objective_id', '=', parentId)
    .where(sql<boolean>`data ? 'parentToolCallId'`)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}
