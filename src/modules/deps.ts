import type { WebhookConfig } from '../config.ts'
import type { Db } from '../db/database.ts'
import type { ApiFamily } from '../lib/api-family.ts'
import type { Clock } from '../lib/clock.ts'
import type { SecretBox } from '../lib/crypto.ts'
import type { IdGenerator } from '../lib/ids.ts'
import type { Logger } from '../lib/logger.ts'
import type { CompactionConfig } from '../lib/schemas.ts'

/** What every use case may depend on; built once in app.ts and passed down, never imported. */
export interface Deps {
  db: Db
  ids: IdGenerator
  clock: Clock
  box: SecretBox
  logger: Logger
  /** Where provider credentials are read from: process.env in production, injected by tests. */
  env: NodeJS.ProcessEnv
  /** In-process signals from use cases to the engine running beside them. */
  local: LocalSignals
  /** This process's live event feed (the streams module's EventHub, fed by NOTIFY). */
  events: LiveEvents
  /** Manual compaction (the engine implements it; it calls models or asks the worker to). */
  compactor: ObjectiveCompactor
  /** How webhook deliveries are sent: timeout, retries, private targets (SORTIE_WEBHOOK_*). */
  webhooks: WebhookConfig
  /**
   * Takes one request from an API key's allowance (SORTIE_RATE_LIMIT_*): 0 when the request may
   * go on, else the milliseconds until it may.
   */
  rateLimit: (apiKeyId: string) => number
}

/**
 * What use cases need of the live event feed, as SSE responses over plain ids: structural, so this
 * file imports no module (the streams module implements it).
 */
export interface LiveEvents {
  /**
   * One objective's events after `afterSeq`, ending cleanly when it can produce no more; shown as
   * `family` shows events.
   */
  objectiveStream(objectiveId: string, afterSeq: number, family: ApiFamily): Response
  /** A workspace's (or one agent's) events from now on, until the client leaves. */
  workspaceStream(workspaceId: string, family: ApiFamily, agentId?: string): Response
  /**
   * Resolves at the next notification about the objective (a new event, a state change) or after
   * `timeoutMs`, whichever comes first: notifications can be lost, so waiters poll too.
   */
  objectiveChanged(objectiveId: string, timeoutMs: number): Promise<void>
  /** Streams open on this process (the sortie_sse_subscribers gauge). */
  readonly size: number
}

export interface ObjectiveCompactor {
  /**
   * Compacts the current context window of an objective, as `profileId`, with `config` (a
   * CompactionConfig) overriding the variation's; resolves with the new window's id. A RUNNING or
   * PENDING one is compacted by its worker, which this waits for (bounded).
   */
  compact(
    objectiveId: string,
    config: CompactionConfig | undefined,
    profileId: string,
  ): Promise<string>
}

export interface LocalSignals {
  /** Called after a cancel commits: aborts this process's in-flight work for the objective now. */
  objectiveCancelled(objectiveId: string): void
}

/** Who is calling: the API key, its profile and the workspace the request acts in. */
export interface Actor {
  accountId: string
  apiKeyId: string
  profileId: string
  /** The key's own workspace: the implicit route family acts in it. */
  homeWorkspaceId: string
  /** The key's permissions (accounts/permissions.ts): `*`, `<family>:read|write`, ... */
  permissions: readonly string[]
}

/** A request resolved to a workspace it may act in. */
export interface Scope extends Actor {
  workspaceId: string
}
