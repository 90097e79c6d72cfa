import { z } from 'zod'
import { BareMetadata, ListQuery, Timestamp, pageOf } from '../../lib/schemas.ts'

/** An item of the to-do list an objective's model keeps with the built-in task tool. */
export const ObjectiveTask = z
  .object({
    metadata: BareMetadata,
    data: z.object({
      number: z.number().int().meta({ description: '1-based, in the order tasks were added' }),
      task: z.string(),
      completed: z.boolean(),
      completedAt: Timestamp.optional(),
    }),
  })
  .meta({ id: 'ObjectiveTask' })
export type ObjectiveTask = z.infer<typeof ObjectiveTask>

export const ListTasksQuery = ListQuery.pick({ cursor: true, limit: true, sortOrder: true })
export type ListTasksQuery = z.infer<typeof ListTasksQuery>

export const TaskListParams = z.object({ objectiveId: z.string().min(1) })
export const TaskParams = z.object({ objectiveId: z.string().min(1), id: z.string().min(1) })

export const TaskPage = pageOf(ObjectiveTask)
