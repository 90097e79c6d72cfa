import type { Deps } from '../modules/deps.ts'
import type { ModelResolutionCache } from './model-cache.ts'
import type { ModelCaller } from '../providers/index.ts'
import type { ConversationCache } from './conversation-cache.ts'
import type { GroupCommit } from './group-commit.ts'
import type { McpSessions } from './tools/mcp-tool.ts'
import type { Tracing } from '../lib/tracing.ts'

/** What every objective run of a worker shares. */
export interface EngineContext {
  deps: Deps
  /** This worker's id: the lease owner it writes. */
  owner: string
  env: NodeJS.ProcessEnv
  callModel: ModelCaller
  fetch?: typeof fetch
  toolTimeoutMs: number
  /** The worker's MCP client sessions, one per tool set, shared by its runs. */
  mcp: McpSessions
  cache: ConversationCache
  models: ModelResolutionCache
  /** Set when OpenTelemetry export is on (src/engine/telemetry.ts). */
  tracing?: Tracing
  /** Commits the runs' steps, several objectives' steps in one transaction (group-commit.ts). */
  steps: GroupCommit
}
