import { agentOf, findAgentRow, findVariationRow, variationOf } from '../agents/index.ts'
import type { AgentVariationSpec } from '../agents/index.ts'
import { loadProfiles } from '../accounts/index.ts'
import { resolveModel } from '../models/index.ts'
import { loadVariationTools } from '../tools/index.ts'
import type { RouteFamily } from '../../http/router.ts'
import { failedPrecondition, fieldError, invalidArgument } from '../../lib/errors.ts'
import type { Deps, Scope } from '../deps.ts'
import { rethrowUnique } from '../resource.ts'
import { objectiveOf, storedEventData, type StoredObjectiveData } from './objective.mappers.ts'
import type { CreateObjectiveBody, Objective } from './objective.schema.ts'
import * as repo from './objectives.repository.ts'
import { renderPrompt, validateInputData } from './input-data.ts'
import { attachedGoal, goalOutputDefinition, withGoalSection } from './goal-context.ts'
import { WORK_CHANNEL } from './runtime.ts'
import { selectVariation, type Rng } from './variation-selection.ts'

/**
 * Sortie has no memory layers yet, so no reference on a memory stack can resolve: refusing it
 * names the problem instead of running an objective without the memory its caller asked for.
 */
function refuseMemoryStack(stack: { memoryLayerId: string }[] | undefined) {
  if (!stack?.length) return
  throw invalidArgument(
    `memory layer ${stack[0]!.memoryLayerId} not found: this server has no memory layers`,
    stack.map((ref, i) => ({
      field: `data.memoryStack.${i}.memoryLayerId`,
      description: `${ref.memoryLayerId} is not a memory layer of this workspace`,
    })),
  )
}

/**
 * The engine cannot run sub-agents yet: an objective of a variation that assigns one is refused
 * rather than run without the sub-agent its variation promises.
 */
async function refuseSubAgents(deps: Deps, variationId: string) {
  const subAgents = await repo.subAgentAssignments(deps.db, variationId)
  if (subAgents.length === 0) return
  throw failedPrecondition(
    `variation ${variationId} assigns sub-agent ${subAgents[0]!.sub_agent_id}: this server cannot run sub-agents yet; remove the assignment or choose another variation`,
  )
}

async function chooseVariation(
  deps: Deps,
  scope: Scope,
  agent: Awaited<ReturnType<typeof findAgentRow>>,
  explicit: string | undefined,
  rng: Rng,
) {
  // An explicit variation wins, even one with weight 0 (decision 6).
  if (explicit) return findVariationRow(deps, scope, agent.id, explicit)
  const mode = agentOf(agent).spec.variationSelectionMode
  const id = selectVariation(await repo.variationChoices(deps.db, agent.id), mode, rng)
  if (!id) {
    throw failedPrecondition(
      `agent ${agent.id} has no variation that can be selected: create one (or give one a weight)`,
    )
  }
  return findVariationRow(deps, scope, agent.id, id)
}

/**
 * Creates an objective: picks and snapshots the variation, its tools and the agent, validates
 * `data` against the agent's inputDataSchema and renders the variation prompt with it (plus the
 * attached goal, whose fields become the output definition when the agent has none), checks the
 * model resolves (a bad model or missing credential is a 400 now, not a failure later), then
 * writes the objective, its first context window and the first user message in one transaction.
 */
export async function createObjective(
  deps: Deps,
  scope: Scope,
  body: CreateObjectiveBody,
  family: RouteFamily,
  rng: Rng = Math.random,
): Promise<Objective> {
  const initialMessage = body.data?.initialMessage ?? body.initialMessage ?? ''
  refuseMemoryStack(body.data?.memoryStack)
  const agent = await findAgentRow(deps, scope, body.agentId)
  const variationRow = await chooseVariation(deps, scope, agent, body.variationId, rng)
  const variation = variationOf(variationRow)
  const spec = variation.spec as AgentVariationSpec
  const input = body.data?.data
  const agentSpec = agentOf(agent).spec
  validateInputData(agentSpec.inputDataSchema, input)
  const goal = await attachedGoal(deps.db, scope.workspaceId, agent.id)
  const systemPrompt = withGoalSection(
    await renderPrompt(spec.prompt ?? '', input, variation.metadata.id),
    goal,
  )
  // The agent's own definition wins; a goal with fields to collect supplies one otherwise.
  const outputDefinition =
    agentSpec.outputDefinition ?? (goal?.fields.length ? goalOutputDefinition(goal) : undefined)
  if (!initialMessage.trim() && !systemPrompt.trim()) {
    throw invalidArgument('an objective needs an initial message or a variation prompt', [
      { field: 'data.initialMessage', description: 'is required when the variation has no prompt' },
    ])
  }
  const modelId = spec.modelConfig?.modelId
  if (!modelId) {
    throw failedPrecondition(`variation ${variation.metadata.id} has no modelConfig.modelId`)
  }
  await resolveModel(deps, scope.workspaceId, modelId, deps.env)
  const tools = await loadVariationTools(deps, scope.workspaceId, variationRow.id)
  await refuseSubAgents(deps, variationRow.id)

  const parentObjectiveId = body.data?.parentObjectiveId || null
  if (parentObjectiveId) {
    const parent = await repo.findObjective(deps.db, scope.workspaceId, { id: parentObjectiveId })
    if (!parent) throw fieldError('data.parentObjectiveId', 'is not an objective of this workspace')
  }
  const secrets = body.data?.secrets ?? []
  const metadata = body.metadata ?? {}
  const id = deps.ids('objective')
  const windowId = deps.ids('contextWindow')
  const data: StoredObjectiveData = {
    initialMessage,
    ...(body.data?.data !== undefined ? { data: body.data.data } : {}),
    systemPrompt,
    agent: agentOf(agent),
    variation,
    secretNames: secrets.map((s) => s.name),
    modelId,
    ...(outputDefinition ? { outputDefinition } : {}),
    ...(goal ? { goalId: goal.id } : {}),
  }
  const hasMessage = initialMessage.trim() !== ''
  const row = await deps.db
    .transaction()
    .execute(async (trx) => {
      const row = await repo.insertObjective(trx, {
        id,
        account_id: scope.accountId,
        workspace_id: scope.workspaceId,
        profile_id: scope.profileId,
        external_id: metadata.externalId ?? body.externalId ?? '',
        labels: JSON.stringify(metadata.labels ?? body.labels ?? {}),
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
      })
      await repo.insertWindow(trx, { id: windowId, objective_id: id, sequence: 1 })
      if (hasMessage) {
        await repo.insertEvent(trx, {
          id: deps.ids('event'),
          objective_id: id,
          seq: 1,
          window_id: windowId,
          type: 'userMessage',
          data: JSON.stringify(
            storedEventData({ type: 'userMessage', payload: { content: initialMessage } }),
          ),
          profile_id: scope.profileId,
        })
      }
      await repo.notifyChannel(trx, WORK_CHANNEL, id)
      return row
    })
    .catch((err) => rethrowUnique(err, 'an objective'))
  const profiles = await loadProfiles(deps, [row.profile_id])
  return objectiveOf(row, family, { withInfo: true, createdBy: profiles.get(row.profile_id) })
}
