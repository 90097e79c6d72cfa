import type { ApiFamily } from '../../lib/api-family.ts'
import { fieldError } from '../../lib/errors.ts'
import { findAgentRow } from '../agents/index.ts'
import type { Deps, Scope } from '../deps.ts'
import { findObjectiveRow } from '../objectives/index.ts'
import { findEvent } from './streams.repository.ts'

export interface ResumePoint {
  /** The `Last-Event-ID` header of a reconnecting client; wins over the query. */
  lastEventId?: string
  sinceEventId?: string
}

/**
 * Opens an objective's event stream (docs/decisions.md decision 10): its stored events after the resume point, then
 * live ones, ending cleanly when the objective can produce no more. The subscription is registered
 * with the already-listening hub before the first read, so nothing committed in between is lost.
 */
export async function openObjectiveStream(
  deps: Deps,
  scope: Scope,
  ref: string,
  resume: ResumePoint,
  family: ApiFamily,
): Promise<Response> {
  const objective = await findObjectiveRow(deps, scope, ref)
  let afterSeq = 0
  const eventId = resume.lastEventId?.trim() || resume.sinceEventId
  if (eventId) {
    const event = await findEvent(deps.db, eventId)
    if (!event || event.objective_id !== objective.id) {
      const field = resume.lastEventId?.trim() ? 'Last-Event-ID' : 'sinceEventId'
      throw fieldError(field, 'is not an event of this objective')
    }
    afterSeq = event.seq
  }
  // The hub registers the subscription before its first read, so nothing committed since is lost.
  return deps.events.objectiveStream(objective.id, afterSeq, family)
}

/**
 * Opens the workspace's live event stream, optionally for one agent's objectives (dashboards).
 * It starts at the moment it opens: there is no history to resume from across objectives.
 */
export async function openWorkspaceStream(
  deps: Deps,
  scope: Scope,
  agentRef: string | undefined,
  family: ApiFamily,
): Promise<Response> {
  const agentId = agentRef ? (await findAgentRow(deps, scope, agentRef)).id : undefined
  return deps.events.workspaceStream(scope.workspaceId, family, agentId)
}
