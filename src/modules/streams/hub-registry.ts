import { AppError, Code } from '../../lib/errors.ts'
import type { Deps } from '../deps.ts'
import type { EventHub } from './event-hub.ts'

// Route handlers receive only `deps`; the composition root (app.ts) attaches its process's hub to
// that deps object. Keyed by deps, so several Sortie instances in one process (tests) stay apart.
const hubs = new WeakMap<Deps, EventHub>()

/** Makes `hub` the event hub of every request served with `deps`. */
export function provideEventHub(deps: Deps, hub: EventHub): void {
  hubs.set(deps, hub)
}

export function eventHubOf(deps: Deps): EventHub {
  const hub = hubs.get(deps)
  if (!hub) throw new AppError(Code.UNAVAILABLE, 'event streams are not available in this process')
  return hub
}
