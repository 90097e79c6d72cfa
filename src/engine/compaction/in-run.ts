import type { ObjectiveRow, StoredObjectiveData } from '../../modules/objectives/index.ts'
import type { ResolvedModel } from '../../modules/models/index.ts'
import type { Conversation } from '../conversation.ts'
import type { ModelCaller } from '../../providers/index.ts'
import type { EngineContext } from '../engine-context.ts'
import type { EventWrite } from '../journal.ts'
import { Superseded, type Lease } from '../lease.ts'
import { commitCompaction, recordLostCompaction } from './commit.ts'
import { nothingToCompact, summariserFor, variationCompactionConfig } from './compactor.ts'
import {
  compactionDue,
  compactionSettings,
  planCompaction,
  type CompactionPlan,
  type CompactionSettings,
  type Summarise,
} from './plan.ts'
import { pendingRequest, refuseRequest, type CompactionRequest } from './request.ts'

/** What in-run compaction needs of the run: its lease, conversation and window. */
export interface CompactionHost {
  readonly lease: Lease
  readonly signal: AbortSignal
  conversation(): Conversation
  windowId(): string
  /** The run's model caller: a summarisation call is traced and counted like the run's own. */
  callModel: ModelCaller
  /** A summarisation call was charged (US dollars; undefined when its prices are unknown). */
  charged(costUsd: string | undefined): void
  /** The window moved: the run goes on in `windowId`, with the compaction event committed. */
  moved(windowId: string, event: EventWrite, result: { version: number; eventSeq: number }): void
}

/**
 * Compaction between steps under the run's lease (docs/api.md section 5.6), before the next
 * model call: the one a manual compact asked for (any size, with its config), else the automatic
 * one, when the last call's input reached the threshold of the model's context window. A crash
 * before the commit loses only the summarisation call; the recovering worker rebuilds the old
 * window and compacts again (a request is still on the row, so it is answered then).
 */
export class RunCompaction {
  /** A manual compaction may wait for this run (claim row, then each step's commit says). */
  requested: boolean
  /** Input tokens of the last model call: what decides automatic compaction. */
  private lastInputTokens = 0

  constructor(
    private readonly host: CompactionHost,
    private readonly ctx: EngineContext,
    private readonly row: ObjectiveRow,
    private readonly data: StoredObjectiveData,
  ) {
    this.requested = row.compaction_request != null
  }

  /** Records the input size of a model call: the next check compares it with the threshold. */
  observe(inputTokens: number): void {
    this.lastInputTokens = inputTokens
  }

  async compactIfDue(model: ResolvedModel): Promise<void> {
    if (this.requested) {
      this.requested = false
      const request = await pendingRequest(this.ctx.deps.db, this.row.id)
      if (request && (await this.compactOnRequest(model, request))) return
    }
    const settings = compactionSettings(variationCompactionConfig(this.data))
    if (!compactionDue(this.lastInputTokens, model.maxInputTokens, settings)) return
    this.lastInputTokens = 0
    const plan = await this.plan(model, settings)
    if (plan) await this.commit(plan, this.row.profile_id)
  }

  /**
   * Answers a manual compaction request: compacts with its config, or records why there was
   * nothing to compact (the waiting API call answers FAILED_PRECONDITION). True when compacted.
   */
  private async compactOnRequest(
    model: ResolvedModel,
    request: CompactionRequest,
  ): Promise<boolean> {
    const settings = compactionSettings(request.config ?? variationCompactionConfig(this.data))
    const plan = await this.plan(model, settings)
    if (this.host.signal.aborted) return true
    if (!plan) {
      const refusal = nothingToCompact(this.row.id)
      await refuseRequest(this.ctx.deps.db, this.host.lease, request.id, refusal)
      return false
    }
    return this.commit(plan, request.profileId, request.id)
  }

  private async plan(
    model: ResolvedModel,
    settings: CompactionSettings,
  ): Promise<CompactionPlan | undefined> {
    const { signal } = this.host
    const summariser = summariserFor(this.host.callModel, model, signal)
    const summarise: Summarise = async (req) => {
      const answer = await summariser(req)
      this.host.charged(answer.costUsd)
      return answer
    }
    const plan = await planCompaction(this.host.conversation(), settings, summarise)
    return plan && !signal.aborted ? plan : undefined
  }

  /** Commits a planned compaction; false when the request it answers was withdrawn meanwhile. */
  private async commit(plan: CompactionPlan, profileId: string, requestId?: string) {
    const { host } = this
    const windowId = this.ctx.deps.ids('contextWindow')
    const eventId = this.ctx.deps.ids('event')
    const write = { plan, windowId, eventId, profileId, ...(requestId ? { requestId } : {}) }
    const db = this.ctx.deps.db
    const result = await commitCompaction(db, { lease: host.lease }, write)
    if (!result || result === 'withdrawn') {
      await recordLostCompaction(db, this.row.id, host.windowId(), plan)
      if (!result) throw new Superseded()
      return false
    }
    this.lastInputTokens = 0
    host.moved(windowId, { id: eventId, event: result.event, profileId }, result)
    return true
  }
}
