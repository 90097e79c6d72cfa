import { preparedEnd, type Executor } from '../../db/database.ts'

/**
 * The goal attached to an objective's agent, as the objective sees it at creation (docs/compat.md section 1):
 * rendered into the system prompt and, when the agent has no outputDefinition of its own, turned
 * into the output definition. Reads the goals tables directly: the goals module owns their
 * writes, this is the objective's read-only view.
 */
export interface GoalContext {
  id: string
  name: string
  description: string | null
  fields: GoalContextField[]
}

export interface GoalContextField {
  key: string
  label?: string
  type: 'string' | 'number' | 'boolean' | 'email' | 'phone' | 'date' | 'enum'
  required?: boolean
  description?: string
  options?: string[]
}

/** The goal attached to `agentId` (at most one, goal_agents.agent_id is unique). */
export async function attachedGoal(
  db: Executor,
  workspaceId: string,
  agentId: string,
): Promise<GoalContext | undefined> {
  const row = await db
    .selectFrom('goal_agents')
    .innerJoin('goals', 'goals.id', 'goal_agents.goal_id')
    .select(['goals.id', 'goals.name', 'goals.spec'])
    .where('goal_agents.agent_id', '=', agentId)
    .where('goals.workspace_id', '=', workspaceId)
    .modifyEnd(preparedEnd)
    .executeTakeFirst()
  if (!row) return undefined
  const spec = row.spec as { description?: string | null; fields?: GoalContextField[] }
  return {
    id: row.id,
    name: row.name,
    description: spec.description ?? null,
    fields: spec.fields ?? [],
  }
}

function fieldSchema(field: GoalContextField): Record<string, unknown> {
  const description = [field.label, field.description].filter(Boolean).join(': ')
  const base = description ? { description } : {}
  switch (field.type) {
    case 'number':
      return { type: 'number', ...base }
    case 'boolean':
      return { type: 'boolean', ...base }
    case 'email':
      return { type: 'string', format: 'email', ...base }
    case 'date':
      return { type: 'string', format: 'date', ...base }
    case 'phone':
      // No standard JSON Schema format exists for phone numbers; the description carries it.
      return {
        type: 'string',
        description: description ? `${description} (phone number)` : 'a phone number',
      }
    case 'enum':
      return { type: 'string', enum: field.options ?? [], ...base }
    default:
      return { type: 'string', ...base }
  }
}

/** The goal's fields as the JSON Schema of an objective's output; `required` is honoured. */
export function goalOutputDefinition(goal: GoalContext): Record<string, unknown> {
  return {
    type: 'object',
    properties: Object.fromEntries(goal.fields.map((f) => [f.key, fieldSchema(f)])),
    required: goal.fields.filter((f) => f.required).map((f) => f.key),
    additionalProperties: false,
  }
}

function fieldLine(field: GoalContextField): string {
  const kind = field.type === 'enum' ? `one of ${(field.options ?? []).join(', ')}` : field.type
  const label = field.label ? ` (${field.label})` : ''
  const hint = field.description ? ` — ${field.description}` : ''
  return `- ${field.key}${label}: ${kind}, ${field.required ? 'required' : 'optional'}${hint}`
}

/** The section appended to the system prompt: what the agent works toward and must collect. */
export function renderGoalSection(goal: GoalContext): string {
  const lines = ['## Goal', '', `You are working toward the goal "${goal.name}".`]
  if (goal.description) lines.push('', goal.description)
  if (goal.fields.length) {
    lines.push('', 'Collect the following information during the conversation:')
    lines.push(...goal.fields.map(fieldLine))
  }
  return lines.join('\n')
}

/** The rendered variation prompt with the goal section after it. */
export function withGoalSection(prompt: string, goal: GoalContext | undefined): string {
  if (!goal) return prompt
  const section = renderGoalSection(goal)
  return prompt.trim() ? `${prompt.trimEnd()}\n\n${section}` : section
}
