/**
 * Which of the API's two route families a request came in through, and so how its answers read:
 * `implicit` (`/v1/x`, the workspace of the API key) shows objective states and events the seed-003
 * way, `workspace` (`/v1/workspaces/{workspaceId}/x`) the seed-004 way (docs/decisions.md,
 * decision 2). Responses, SSE frames and webhooks are all presented per family, so this is a
 * presentation choice that modules and the engine share, not an HTTP notion.
 */
export type ApiFamily = 'implicit' | 'workspace'
