/**
 * Objective tasks: the to-do list a model keeps with the built-in task tool (the engine writes
 * the rows with the tool's result; this module serves them).
 */
export { taskRoutes } from './tasks.routes.ts'
export { loadTaskItems } from './task.service.ts'
export type { ObjectiveTask } from './task.schema.ts'
