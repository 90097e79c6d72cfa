/**
 * Which of the API's two route families a request came in through, and so how its answers read:
 * `workspace` (`/v1/workspaces/{workspaceId}/x`) shows objective states as they are
 * (`STATE_WAITING`, `STATE_FINALIZED`), `implicit` (`/v1/x`, the workspace of the API key) in the
 * seed-004 enum (`STATE_COMPLETED`...; docs/decisions.md, decision 2). Responses, SSE frames and webhooks are all presented per family, so this is a
 * presentation choice that modules and the engine share, not an HTTP notion.
 */
export type ApiFamily = 'implicit' | 'workspace'
