import type { EventWrite } from './journal.ts'

/**
 * Records when the work an event reports began (the newest API's event `startedAt` and
 * `duration`). Real time, not the engine clock: it is compared with the event's `createdAt`,
 * which the database stamps.
 */
export function markStarted(write: EventWrite | undefined, startedAt: string): void {
  if (!write) return
  write.event.x = { ...write.event.x, startedAt }
}
