import type { IdGenerator } from '../lib/ids.ts'
import type { TaskWrite } from './journal.ts'

/** The built-in to-do list tool (CallableTool.cadenyaProvidedTool): run in-process, no HTTP. */
export const TASK_TOOL_DESCRIPTION =
  'Keeps your to-do list for this objective. operation "add" appends a task (give "task"), ' +
  '"complete" marks task "number" done, "list" shows the list. Every call answers with the list.'

export const TASK_TOOL_PARAMETERS = {
  type: 'object',
  properties: {
    operation: { type: 'string', enum: ['add', 'complete', 'list'] },
    task: { type: 'string', minLength: 1, maxLength: 2000, description: 'the task, for "add"' },
    number: { type: 'integer', minimum: 1, description: 'the task number, for "complete"' },
  },
  required: ['operation'],
  additionalProperties: false,
}

/** More tasks than this is a model looping, not planning. */
export const MAX_TASKS = 200

export interface TaskItem {
  number: number
  task: string
  completed: boolean
}

export type TaskOutcome =
  | { ok: true; content: string; writes: TaskWrite[]; next: TaskItem[] }
  | { ok: false; message: string }

/**
 * Applies one call to the objective's list. Pure: the caller commits `writes` together with the
 * tool result (one statement) and only then adopts `next`, so a lost commit changes nothing.
 */
export function runTaskTool(
  tasks: TaskItem[],
  args: Record<string, unknown>,
  ids: IdGenerator,
): TaskOutcome {
  const next = tasks.map((t) => ({ ...t }))
  const writes: TaskWrite[] = []
  if (args.operation === 'add') {
    const task = typeof args.task === 'string' ? args.task.trim() : ''
    if (!task) return { ok: false, message: '"add" needs a non-empty "task"' }
    if (next.length >= MAX_TASKS) return { ok: false, message: `at most ${MAX_TASKS} tasks` }
    const number = (next.at(-1)?.number ?? 0) + 1
    next.push({ number, task, completed: false })
    writes.push({ kind: 'add', id: ids('task'), number, task })
  } else if (args.operation === 'complete') {
    const item = next.find((t) => t.number === args.number)
    if (!item) return { ok: false, message: `there is no task number ${String(args.number)}` }
    if (!item.completed) {
      item.completed = true
      writes.push({ kind: 'complete', number: item.number })
    }
  } else if (args.operation !== 'list') {
    return { ok: false, message: 'operation must be "add", "complete" or "list"' }
  }
  return { ok: true, content: JSON.stringify({ tasks: next }), writes, next }
}
