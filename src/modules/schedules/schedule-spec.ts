/** A schedule's spec as stored, checked, compiled and served. */
import { findVariationRow, agentOf, type AgentRow } from '../agents/index.ts'
import { validateInputData } from '../objectives/index.ts'
import { AppError, fieldError, invalidArgument } from '../../lib/errors.ts'
import type { Deps, Scope } from '../deps.ts'
import { CompiledSchedule, ScheduleSpecError, type ScheduleSpec } from './fire-times.ts'
import type { AgentScheduleSpec, AgentScheduleStatus } from './schedule.schema.ts'

/** Stored statuses, and how the API names them. */
export type StoredStatus = 'ACTIVE' | 'PAUSED' | 'ARCHIVED'
export const apiStatus = (s: string) => `AGENT_SCHEDULE_STATUS_${s}` as AgentScheduleStatus
export function storedStatus(s: AgentScheduleStatus | undefined): StoredStatus {
  if (!s || s === 'AGENT_SCHEDULE_STATUS_UNSPECIFIED') return 'ACTIVE'
  return s.slice('AGENT_SCHEDULE_STATUS_'.length) as StoredStatus
}

/** The stored spec: what the client set, minus the status (a column of its own). */
export type StoredSpec = Omit<AgentScheduleSpec, 'status'>

const MAX_COMPILED = 20_000
const compiledByText = new Map<string, CompiledSchedule>()

/**
 * The compiled form of a stored schedule. Every fire needs one, so they are cached by the spec's
 * text; the cache is bounded by clearing (a miss only costs a recompile).
 */
export function compiledOf(schedule: ScheduleSpec): CompiledSchedule {
  const key = JSON.stringify(schedule)
  const hit = compiledByText.get(key)
  if (hit) return hit
  const compiled = CompiledSchedule.compile(schedule)
  if (compiledByText.size >= MAX_COMPILED) compiledByText.clear()
  compiledByText.set(key, compiled)
  return compiled
}

/**
 * Checks a spec before it is stored: the schedule compiles and fires within the horizon, `data`
 * matches the agent's inputDataSchema, and the variation (when set) is one of the agent's. Each
 * problem is a 400 naming its field.
 */
export async function checkSpec(
  deps: Deps,
  scope: Scope,
  agent: AgentRow,
  spec: StoredSpec,
): Promise<CompiledSchedule> {
  if (!spec.initialMessage?.trim()) throw fieldError('spec.initialMessage', 'is required')
  // An update whose mask names `spec.schedule` but whose body has none clears it.
  if (!spec.schedule) throw fieldError('spec.schedule', 'is required')
  let compiled: CompiledSchedule
  try {
    compiled = CompiledSchedule.compile(spec.schedule, deps.clock.now().getTime())
  } catch (err) {
    if (!(err instanceof ScheduleSpecError)) throw err
    const violations = err.violations.map((v) => ({
      field: v.field ? `spec.schedule.${v.field}` : 'spec.schedule',
      description: v.description,
    }))
    throw invalidArgument(
      `invalid schedule: ${violations[0]!.field} ${violations[0]!.description}`,
      violations,
    )
  }
  validateInputData(agentOf(agent).spec.inputDataSchema, spec.data, 'spec.data')
  if (spec.variationId) {
    await findVariationRow(deps, scope, agent.id, spec.variationId).catch((err) => {
      if (err instanceof AppError && err.status === 404) {
        throw fieldError('spec.variationId', `is not a variation of agent ${agent.id}`)
      }
      throw err
    })
  }
  return compiled
}

/** The next fire time from now of a schedule in `status`, as the row stores it. */
export function nextFireFrom(
  compiled: CompiledSchedule,
  status: StoredStatus,
  now: Date,
): Date | null {
  if (status !== 'ACTIVE') return null
  const next = compiled.nextAfter(now.getTime())
  return next === undefined ? null : new Date(next)
}
