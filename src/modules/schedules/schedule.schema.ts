import { z } from 'zod'
import {
  BareMetadata,
  NamedListQuery,
  ResourceMetadata,
  Timestamp,
  UpdateMask,
  UpdateResourceMetadata,
  pageOf,
} from '../../lib/schemas.ts'

export const AgentScheduleStatus = z.enum([
  'AGENT_SCHEDULE_STATUS_UNSPECIFIED',
  'AGENT_SCHEDULE_STATUS_ACTIVE',
  'AGENT_SCHEDULE_STATUS_PAUSED',
  'AGENT_SCHEDULE_STATUS_ARCHIVED',
])
export type AgentScheduleStatus = z.infer<typeof AgentScheduleStatus>

export const OverlapPolicy = z.enum([
  'OVERLAP_POLICY_UNSPECIFIED',
  'OVERLAP_POLICY_ALLOW',
  'OVERLAP_POLICY_SKIP',
])

// Bounds are checked by fire-times.ts, which names the field and the allowed values.
const int = z.number().int()
export const Range = z
  .object({
    start: int.default(0),
    end: int.optional().meta({ description: 'inclusive; absent or 0 = start' }),
    step: int.optional().meta({ description: 'absent or 0 = 1' }),
  })
  .meta({ id: 'Range' })

const ranges = z.array(Range).max(100)

export const CalendarSpec = z
  .object({
    second: ranges.optional().meta({ description: 'empty = 0' }),
    minute: ranges.optional().meta({ description: 'empty = 0' }),
    hour: ranges.optional().meta({ description: 'empty = 0' }),
    dayOfMonth: ranges.optional().meta({ description: '1-31; empty = any' }),
    month: ranges.optional().meta({ description: '1-12; empty = any' }),
    dayOfWeek: ranges.optional().meta({ description: '0-6, 0 = Sunday; empty = any' }),
    comment: z.string().max(1000).optional(),
  })
  .meta({ id: 'CalendarSpec' })

export const IntervalSpec = z
  .object({
    every: z.string().max(40).meta({ description: 'a duration, at least "1s" (e.g. "3600s")' }),
    offset: z.string().max(40).optional().meta({ description: 'a duration shorter than every' }),
  })
  .meta({ id: 'IntervalSpec' })

export const ScheduleSpec = z
  .object({
    calendars: z.array(CalendarSpec).max(50).optional(),
    intervals: z.array(IntervalSpec).max(50).optional(),
    timezone: z.string().max(100).meta({ description: 'IANA time zone, e.g. "Europe/Paris"' }),
  })
  .meta({ id: 'ScheduleSpec' })
export type ScheduleSpecInput = z.infer<typeof ScheduleSpec>

const initialMessage = z.string().max(200_000)

export const AgentScheduleSpec = z
  .object({
    initialMessage,
    schedule: ScheduleSpec,
    data: z.unknown().optional(),
    variationId: z.string().max(300).optional(),
    overlapPolicy: OverlapPolicy.optional(),
    status: AgentScheduleStatus.optional(),
  })
  .meta({ id: 'AgentScheduleSpec' })
export type AgentScheduleSpec = z.infer<typeof AgentScheduleSpec>

export const AgentScheduleInfo = z
  .object({
    nextFireAt: Timestamp.optional().meta({ description: 'absent while it cannot fire' }),
    lastFireAt: Timestamp.optional(),
    lastObjectiveId: z.string(),
    lastSkippedAt: Timestamp.optional(),
    lastSkipReason: z.string(),
    totalFires: z.number().int(),
    agent: BareMetadata.meta({ description: 'the agent it runs (Sortie addition)' }),
  })
  .meta({ id: 'AgentScheduleInfo' })

export const AgentSchedule = z
  .object({
    metadata: ResourceMetadata,
    spec: AgentScheduleSpec,
    info: AgentScheduleInfo.optional(),
  })
  .meta({ id: 'AgentSchedule' })
export type AgentSchedule = z.infer<typeof AgentSchedule>

const name = z.string().trim().max(200)
const externalId = z
  .string()
  .max(200)
  .regex(/^[^:/\s]*$/, 'may not contain spaces, ":" or "/"')
const labels = z
  .record(z.string().min(1).max(63), z.string().max(256))
  .refine((l) => Object.keys(l).length <= 64, 'at most 64 labels')

export const CreateScheduleBody = z.object({
  // A schedule's name is optional: the API defines none for it.
  metadata: z
    .object({ name: name.optional(), externalId: externalId.optional(), labels: labels.optional() })
    .default({}),
  spec: AgentScheduleSpec.extend({
    initialMessage: initialMessage.trim().min(1, 'is required'),
  }),
})
export type CreateScheduleBody = z.infer<typeof CreateScheduleBody>

export const UpdateScheduleBody = z.object({
  metadata: UpdateResourceMetadata.extend({ name: name.optional() }).optional(),
  spec: AgentScheduleSpec.partial().optional(),
  updateMask: UpdateMask.optional(),
})
export type UpdateScheduleBody = z.infer<typeof UpdateScheduleBody>

export const ScheduleParams = z.object({ agentId: z.string().min(1), id: z.string().min(1) })
export const ScheduleListParams = z.object({
  agentId: z.string().min(1).meta({ description: 'an agent, or "-" for every agent' }),
})
export const ListSchedulesQuery = NamedListQuery
export type ListSchedulesQuery = z.infer<typeof ListSchedulesQuery>
export const SchedulePage = pageOf(AgentSchedule)
export const ScheduleVerbBody = z.object({})
