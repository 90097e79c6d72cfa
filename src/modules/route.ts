import type { z } from 'zod'
import type { ApiFamily } from '../lib/api-family.ts'
import type { Deps, Scope } from './deps.ts'

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

export interface HandlerInput<P, Q, B> {
  params: P
  query: Q
  body: B
  deps: Deps
  /** Set on workspace-scoped routes; account routes get the actor with its home workspace. */
  scope: Scope
  family: ApiFamily
  /** A request header by name (case-insensitive), e.g. SSE's `Last-Event-ID`. */
  header: (name: string) => string | undefined
}

/**
 * A route declared as data: its schemas validate the request, type the handler and generate the
 * OpenAPI document. Workspace routes are mounted under both route families (docs/decisions.md,
 * decision 1). `src/http/router.ts` mounts them; modules only declare them.
 */
export interface RouteDef<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: Method
  /** Extra methods served by the same handler (e.g. POST for a PUT with a colon-verb alias). */
  alsoMethods?: Method[]
  /** OpenAPI-style path (`/agents/{id}`), relative to `/v1` or `/v1/workspaces/{workspaceId}`. */
  path: string
  scope: 'workspace' | 'account'
  /**
   * Who may call an account route: an account-admin key (the default), or any key (`anyKey`),
   * the handler then deciding what that key may see or change (docs/api.md, "API keys and
   * account administration"). Workspace routes are open to every key that may act in the workspace.
   */
  access?: 'accountAdmin' | 'anyKey'
  /**
   * The permission a workspace route needs, when the one its path and method imply
   * (accounts/permissions.ts permissionFor) is not right for it; a list needs every one of them.
   */
  permission?: string | readonly string[]
  operationId: string
  summary: string
  tags: string[]
  params?: P
  query?: Q
  body?: B
  response?: z.ZodType
  /** A handler that writes its own Response (SSE) says so; its response is documented as text. */
  raw?: boolean
  status?: 200 | 201
  handler: (input: HandlerInput<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<unknown>
}

/** Keeps handler inference while collecting heterogeneous routes into one array. */
export function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  def: RouteDef<P, Q, B>,
): RouteDef {
  return def as unknown as RouteDef
}
