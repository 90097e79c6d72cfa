import { z } from 'zod'
import { route, type RouteDef } from '../route.ts'
import { openObjectiveStream, openWorkspaceStream } from './stream.service.ts'

const tags = ['Objectives']

const StreamParams = z.object({ objectiveId: z.string().min(1) })
const StreamQuery = z.object({ sinceEventId: z.string().min(1).max(200).optional() })
const WorkspaceStreamQuery = z.object({ agentId: z.string().min(1).max(200).optional() })

// Declared before the objectives routes: `objectives/events/stream` is not an objective id.
export const streamRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/objectives/events/stream',
    scope: 'workspace',
    operationId: 'streamWorkspaceObjectiveEvents',
    summary: "Follow the events of the workspace's objectives live (SSE), optionally one agent's",
    tags,
    query: WorkspaceStreamQuery,
    raw: true,
    handler: ({ deps, scope, query, family }) =>
      openWorkspaceStream(deps, scope, query.agentId, family),
  }),
  route({
    method: 'get',
    path: '/objectives/{objectiveId}/events/stream',
    scope: 'workspace',
    operationId: 'streamObjectiveEvents',
    summary: "Follow an objective's events (SSE): history after Last-Event-ID, then live",
    tags,
    params: StreamParams,
    query: StreamQuery,
    raw: true,
    handler: ({ deps, scope, params, query, header, family }) =>
      openObjectiveStream(
        deps,
        scope,
        params.objectiveId,
        { lastEventId: header('last-event-id'), sinceEventId: query.sinceEventId },
        family,
      ),
  }),
]
