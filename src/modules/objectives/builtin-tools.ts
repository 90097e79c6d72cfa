import type { CallableTool } from './objective.ts'

/** The function name of the built-in to-do list tool (ObjectiveTask rows). */
export const TASK_TOOL_NAME = 'sortie_tasks'

/** Where an objective's built-ins say they come from (API.md: cadenyaProvidedTool is an RM). */
export interface BuiltinOwner {
  accountId: string
  workspaceId: string
  profileId: string
  createdAt: string
}

/** The CallableTool of the task tool, as events, tool calls and `info.callableTools` show it. */
export function taskToolCallable(owner: BuiltinOwner): CallableTool {
  return {
    cadenyaProvidedTool: {
      id: TASK_TOOL_NAME,
      name: TASK_TOOL_NAME,
      externalId: '',
      labels: {},
      ...owner,
    },
  }
}
