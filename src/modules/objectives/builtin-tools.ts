import type { CallableTool } from './objective.ts'

/** The function name of the built-in to-do list tool (ObjectiveTask rows). */
export const TASK_TOOL_NAME = 'sortie_tasks'

/** The function name of the built-in output extraction tool (objectives with an output definition). */
export const SUBMIT_OUTPUT_TOOL_NAME = 'submit_output'

/** Where an objective's built-ins say they come from (docs/api.md section 5.7: cadenyaProvidedTool is an RM). */
export interface BuiltinOwner {
  accountId: string
  workspaceId: string
  profileId: string
  createdAt: string
}

function builtinCallable(name: string, owner: BuiltinOwner): CallableTool {
  return { cadenyaProvidedTool: { id: name, name, externalId: '', labels: {}, ...owner } }
}

/** The CallableTool of the task tool, as events, tool calls and `info.callableTools` show it. */
export function taskToolCallable(owner: BuiltinOwner): CallableTool {
  return builtinCallable(TASK_TOOL_NAME, owner)
}

/** The CallableTool of the output extraction tool. */
export function submitOutputCallable(owner: BuiltinOwner): CallableTool {
  return builtinCallable(SUBMIT_OUTPUT_TOOL_NAME, owner)
}

/** The built-in that loads a skill's body from the memory stack (seed 003 and later). */
export const MEMORY_LOAD_SKILL_TOOL_NAME = 'memory_load_skill'
/** HEAD's name for the same tool: a call to it is served, it is not offered twice. */
export const GET_MEMORY_TOOL_NAME = 'get_memory'
/** The built-in that writes the objective's episodic memory. */
export const MEMORY_SAVE_TOOL_NAME = 'memory_save'

/**
 * The memory built-ins an objective offers: the skill loader when it has a memory stack, the
 * episodic writer when it has episodic memory.
 */
export function memoryCallables(
  owner: BuiltinOwner,
  memory: { effective: unknown[]; episodic?: unknown } | undefined,
): CallableTool[] {
  if (!memory?.effective.length) return []
  return [
    builtinCallable(MEMORY_LOAD_SKILL_TOOL_NAME, owner),
    ...(memory.episodic ? [builtinCallable(MEMORY_SAVE_TOOL_NAME, owner)] : []),
  ]
}

/** The built-ins of progressive tool discovery (docs/decisions.md decision 20). */
export const TOOL_SEARCH_TOOL_NAME = 'tool_search'
export const TOOL_LOAD_TOOL_NAME = 'tool_load'

/**
 * The discovery built-ins an objective offers: both when its variation turns discovery on
 * (seed 003 `progressiveDiscovery`, seed 004 `toolSelection.autoDiscovery`).
 */
export function discoveryCallables(
  owner: BuiltinOwner,
  spec: { progressiveDiscovery?: unknown; toolSelection?: { autoDiscovery?: unknown } } | undefined,
): CallableTool[] {
  if (!spec?.progressiveDiscovery && !spec?.toolSelection?.autoDiscovery) return []
  return [
    builtinCallable(TOOL_SEARCH_TOOL_NAME, owner),
    builtinCallable(TOOL_LOAD_TOOL_NAME, owner),
  ]
}
