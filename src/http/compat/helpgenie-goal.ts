import { z } from 'zod'
import * as goals from '../../modules/goals/index.ts'
import { idToUuid, uuidToId } from './uuid.ts'

/** HelpGenie statuses are the goal statuses in lower case, without the prefix. */
const LOWER_STATUSES = goals.GoalStatus.options.map((s) =>
  s.replace('GOAL_STATUS_', '').toLowerCase(),
)

/** A lower-case HelpGenie status (`on_track`) or a native one, as the native enum value. */
export const HgStatus = z
  .string()
  .refine(
    (s) => LOWER_STATUSES.includes(s) || (goals.GoalStatus.options as string[]).includes(s),
    `must be one of ${LOWER_STATUSES.join(', ')}`,
  )
  .transform(
    (s) =>
      (s.startsWith('GOAL_STATUS_') ? s : `GOAL_STATUS_${s.toUpperCase()}`) as goals.GoalStatus,
  )

export const hgStatusOf = (status: goals.GoalStatus) =>
  status.replace('GOAL_STATUS_', '').toLowerCase()

const ref = z.string().trim().min(1, 'is required').max(300)

/** Goal and agent references: UUIDs (HelpGenie's form) or Sortie ids. */
export const goalRef = (value: string) => uuidToId('goal', value)
export const agentRef = (value: string) => uuidToId('agent', value)

export const ListData = z.object({
  agentId: ref.optional(),
  status: HgStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
})

/** The goal rules under HelpGenie's own field names, so errors name `fields.0.key`, not `spec...`. */
export const GoalData = z.object({
  name: z.string({ error: 'is required' }).trim().min(1, 'is required').max(200),
  description: goals.GoalSpecInput.shape.description,
  status: HgStatus.optional(),
  priority: goals.GoalSpecInput.shape.priority,
  agentId: ref.nullable().optional(),
  fields: goals.GoalFields.optional(),
})
export const UpdateData = GoalData.partial()
export type UpdateData = z.infer<typeof UpdateData>

export const AttachData = z.object({ goalId: ref, agentId: ref })
export const DetachData = z.object({ goalId: ref.optional(), agentId: ref })
export const GenerateData = z.object({ description: z.string() })

/** The native spec fields a HelpGenie payload sets; the service validates them. */
export function specOf(data: UpdateData) {
  const spec: Record<string, unknown> = {}
  for (const key of ['description', 'status', 'priority', 'fields'] as const) {
    if (data[key] !== undefined) spec[key] = data[key]
  }
  return spec
}

/** `agent_id` replaces the goal's agents: HelpGenie goals belong to one agent (or none). */
export function agentsOf(data: UpdateData): goals.AgentChange {
  if (data.agentId === undefined) return {}
  return { replaceWith: data.agentId === null ? [] : [agentRef(data.agentId)] }
}

/** The HelpGenie goal object; ids in UUID form, `agent_id` the first attached agent. */
export function hgGoalOf(goal: goals.Goal) {
  const agent = goal.info?.agents[0]
  return {
    id: idToUuid(goal.metadata.id),
    agent_id: agent ? idToUuid(agent.id) : null,
    name: goal.metadata.name,
    description: goal.spec.description,
    status: hgStatusOf(goal.spec.status),
    priority: goal.spec.priority,
    fields: goal.spec.fields,
    created_at: goal.metadata.createdAt,
    updated_at: goal.metadata.updatedAt,
  }
}
