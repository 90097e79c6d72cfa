import {
  discoveryCallables,
  subAgentDescription,
  subAgentParameters,
  submitOutputCallable,
  SUBMIT_OUTPUT_TOOL_NAME,
  taskToolCallable,
  TASK_TOOL_NAME,
  type BuiltinOwner,
  type CallableTool,
  type ObjectiveRow,
  type StoredObjectiveData,
  type StoredSubAgent,
  type StoredTool,
} from '../modules/objectives/index.ts'
import { functionName, toolFunctionName, type Tool, type ToolSet } from '../modules/tools/index.ts'
import type { ModelTool } from '../providers/index.ts'
import { TASK_TOOL_DESCRIPTION, TASK_TOOL_PARAMETERS } from './task-tool.ts'
import { needsApproval } from './tool-approval.ts'
import { memoryEngineTools } from './memory-tool.ts'
import { discoverySettings, ToolDiscovery } from './tool-discovery.ts'

const SUBMIT_OUTPUT_DESCRIPTION =
  'Submits the final structured output of this objective. Call it exactly once, with arguments ' +
  'that match its parameters; use only information from the conversation.'

/** A tool as one run offers and executes it: a frozen HTTP tool or a built-in. */
export interface EngineTool {
  model: ModelTool
  callable: CallableTool
  toolId: string | null
  requiresApproval: boolean
  /** Set for HTTP tools; built-ins run in-process. */
  snapshot?: StoredTool
  builtin?: 'tasks' | 'submit_output' | 'memory_load' | 'memory_save' | 'discovery'
  /** Set for sub-agents: a call spawns a child objective of this agent. */
  subAgent?: StoredSubAgent
}

const EMPTY_PARAMETERS = { type: 'object', properties: {} }

/**
 * The tools of one run, by the function name the model calls: the objective's frozen tools, its
 * sub-agents (a name already taken gets a numeric suffix) and the built-in task tool (which takes
 * precedence over a user tool of the same name). Built once per claim, so no step recomputes
 * schemas or approval rules.
 */
export function engineTools(
  stored: StoredTool[],
  owner: BuiltinOwner,
  subAgents: StoredSubAgent[] = [],
): Map<string, EngineTool> {
  const tools = new Map<string, EngineTool>()
  for (const t of stored) {
    const tool = t.tool as unknown as Tool
    const name = toolFunctionName(tool)
    tools.set(name, {
      model: {
        name,
        description: tool.spec.description ?? '',
        parameters: (tool.spec.parameters as Record<string, unknown>) ?? EMPTY_PARAMETERS,
      },
      callable: { tool: t.tool.metadata },
      toolId: t.tool.metadata.id,
      requiresApproval: needsApproval(tool, t.toolSet as unknown as ToolSet),
      snapshot: t,
    })
  }
  for (const agent of subAgents) {
    const base = functionName(agent.metadata.name, 'agent')
    let name = base
    for (let n = 2; tools.has(name) || name === TASK_TOOL_NAME; n++) {
      name = `${base.slice(0, 60)}_${n}`
    }
    tools.set(name, {
      model: {
        name,
        description: subAgentDescription(agent),
        parameters: subAgentParameters(agent),
      },
      callable: { agent: agent.metadata },
      toolId: null,
      requiresApproval: false,
      subAgent: agent,
    })
  }
  tools.set(TASK_TOOL_NAME, {
    model: {
      name: TASK_TOOL_NAME,
      description: TASK_TOOL_DESCRIPTION,
      parameters: TASK_TOOL_PARAMETERS,
    },
    callable: taskToolCallable(owner),
    toolId: null,
    requiresApproval: false,
    builtin: 'tasks',
  })
  return tools
}

/**
 * The output extraction tool of an objective with an output definition. It is offered only in
 * the extraction step, never during the agent's own turns. A top-level `$id` is dropped: the
 * schema is used by value, and ajv would refuse to register one id twice.
 */
export function submitOutputTool(
  definition: Record<string, unknown>,
  owner: BuiltinOwner,
): EngineTool {
  const { $id: _id, ...parameters } = definition
  return {
    model: { name: SUBMIT_OUTPUT_TOOL_NAME, description: SUBMIT_OUTPUT_DESCRIPTION, parameters },
    callable: submitOutputCallable(owner),
    toolId: null,
    requiresApproval: false,
    builtin: 'submit_output',
  }
}

/** Everything one run offers the model: its tools by function name, and the extraction tool. */
export interface RunTools {
  tools: Map<string, EngineTool>
  modelTools: ModelTool[]
  /** The extraction tool, when the objective has an output definition. */
  submitTool?: EngineTool
  /** Set when the variation turns progressive discovery on: user tools wait to be loaded. */
  discovery?: ToolDiscovery
}

/** The tools of the next model request: all of them, or with discovery the loaded ones. */
export function turnTools(offered: RunTools): ModelTool[] {
  return offered.discovery ? offered.discovery.offer(offered.tools.values()) : offered.modelTools
}

/**
 * With discovery on, the user tools (HTTP, MCP, OpenAPI) wait in its pool and `tool_search` /
 * `tool_load` join the built-ins; sub-agents and built-ins stay loaded.
 */
function withDiscovery(
  tools: Map<string, EngineTool>,
  data: StoredObjectiveData,
  owner: BuiltinOwner,
): ToolDiscovery | undefined {
  const settings = discoverySettings(data.variation.spec)
  if (!settings) return undefined
  const pool = new Map([...tools].filter(([, t]) => !!t.snapshot))
  const discovery = new ToolDiscovery(settings, pool)
  const models = discovery.builtinModels()
  const [search, load] = discoveryCallables(owner, data.variation.spec)
  for (const [model, callable] of [
    [models.search, search!],
    [models.load, load!],
  ] as const) {
    tools.set(model.name, {
      model,
      callable,
      toolId: null,
      requiresApproval: false,
      builtin: 'discovery',
    })
  }
  return discovery
}

export function runToolsOf(row: ObjectiveRow, data: StoredObjectiveData): RunTools {
  const owner = {
    accountId: row.account_id,
    workspaceId: row.workspace_id,
    profileId: row.profile_id,
    createdAt: row.created_at.toISOString(),
  }
  const tools = engineTools(row.tools as unknown as StoredTool[], owner, data.subAgents)
  for (const t of memoryEngineTools(data.memory, owner)) tools.set(t.model.name, t)
  const discovery = withDiscovery(tools, data, owner)
  return {
    tools,
    modelTools: [...tools.values()].map((t) => t.model),
    ...(discovery ? { discovery } : {}),
    ...(data.outputDefinition
      ? { submitTool: submitOutputTool(data.outputDefinition, owner) }
      : {}),
  }
}
