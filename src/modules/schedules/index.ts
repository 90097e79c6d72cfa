/**
 * Agent schedules: calendars and intervals (in an IANA time zone) on which an agent is run with
 * a fixed message. The Scheduler, started in every worker process, fires them exactly once per
 * fire time across processes, each fire creating an objective through the objectives module.
 */
export { scheduleRoutes } from './schedules.routes.ts'
export { Scheduler, type SchedulerOptions } from './scheduler.ts'
