import type { Executor } from '../db/database.ts'
import { providerTarget, type ResolvedModel } from '../modules/models/index.ts'
import {
  countSubObjectives,
  endOverBudget,
  storedEventOf,
  type BudgetEnd,
  type Spend,
  type ObjectiveRow,
  type StoredEvent,
  type StoredObjectiveData,
} from '../modules/objectives/index.ts'
import { BudgetGuard } from './budget-guard.ts'
import { charge, type CallCost } from './cost.ts'
import { runToolsOf, turnTools, type EngineTool, type RunTools } from './callable-tools.ts'
import { Conversation } from './conversation.ts'
import type { EngineContext } from './engine-context.ts'
import { Superseded, type Lease } from './lease.ts'
import {
  commitLocked,
  commitStep,
  commitTurnEnd,
  WAIT_FOR_INPUT,
  type EventWrite,
  type IdleWrite,
  type StepWrite,
} from './journal.ts'
import { planExtraction } from './extraction.ts'
import { limitStateOf, planModelTurn, type LimitState } from './model-turn.ts'
import { RunCompaction } from './compaction/in-run.ts'
import {
  isAbortError,
  type ModelCallRequest,
  type ModelCallResult,
  type ModelTool,
} from '../providers/index.ts'
import { failureOf } from './failure.ts'
import { callSettingsOf } from './call-settings.ts'
import { markStarted } from './started-at.ts'
import { windowEventsAfter } from './queue.ts'
import { ToolCalls } from './tool-calls.ts'
import { collectSubObjectives, spawnInTurn } from './sub-agent-tool.ts'
import { RunTelemetry } from './telemetry.ts'

/** Why a run stopped without finishing: nothing more may be written by it. */
export type StopReason = 'cancelled' | 'lease-lost' | 'shutdown'

/**
 * One claimed objective, run step by step while this worker holds its lease. A step is one model
 * turn or one tool execution and commits its rows at once; the conversation stays in memory.
 */
export class ObjectiveRun {
  readonly controller = new AbortController()
  private readonly lease: Lease
  private readonly data: StoredObjectiveData
  /** The current context window: compaction moves it. */
  private windowId: string
  /** The tools the model is offered, and the extraction tool. */
  private readonly offered: RunTools
  private readonly limit: LimitState
  private readonly budget: BudgetGuard
  private conversation = new Conversation()
  private readonly toolCalls: ToolCalls
  private readonly compaction: RunCompaction
  private readonly telemetry: RunTelemetry

  constructor(
    private readonly row: ObjectiveRow,
    private readonly ctx: EngineContext,
  ) {
    this.data = row.data as unknown as StoredObjectiveData
    this.lease = {
      objectiveId: row.id,
      version: row.version,
      owner: ctx.owner,
      // A spawned sub-objective answers its parent's call: its settling commits wake the parent.
      ...(this.data.parentToolCallId && row.parent_objective_id
        ? { parentId: row.parent_objective_id }
        : {}),
    }
    this.windowId = row.current_window_id ?? ''
    this.offered = runToolsOf(row, this.data)
    const constraints = this.data.variation.spec?.constraints
    this.budget = new BudgetGuard(ctx.deps.db, row, this.data)
    this.limit = limitStateOf(row, constraints)
    this.telemetry = new RunTelemetry(ctx.tracing, row, this.data)
    this.toolCalls = new ToolCalls(
      {
        windowId: () => this.windowId,
        signal: this.controller.signal,
        commit: (step) => this.commit(step),
        commitWith: (step, extra) => this.commitWith(step, extra),
        event: (event) => this.event(event),
        telemetry: this.telemetry,
      },
      ctx,
      row,
      this.offered.tools,
      this.limit,
      this.offered.discovery,
    )
    this.compaction = new RunCompaction(
      {
        lease: this.lease,
        signal: this.controller.signal,
        conversation: () => this.conversation,
        windowId: () => this.windowId,
        callModel: (r) => this.telemetry.model(r, (x) => this.ctx.callModel(x)),
        charged: (costUsd) => this.telemetry.chargedUsd(costUsd),
        moved: (windowId, event, result) => {
          this.windowId = windowId
          this.afterCommit([event], result)
        },
      },
      ctx,
      row,
      this.data,
    )
  }

  get id(): string {
    return this.row.id
  }

  stop(reason: StopReason): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason)
  }

  /** Runs until the objective waits, fails, or this worker must let go of it. Never throws. */
  async run(): Promise<void> {
    let failure: unknown
    try {
      const model = await this.ctx.models.get(this.row.workspace_id, this.data.modelId)
      await this.loadConversation()
      // The tools loaded by discovery so far, as committed (a resumed run offers the same).
      await this.offered.discovery?.restore(this.ctx.deps.db, this.row.id)
      if (this.limit.maxSubObjectives > 0 && this.data.subAgents?.length) {
        this.limit.spawned = await countSubObjectives(this.ctx.deps.db, this.row.id)
      }
      while (!this.controller.signal.aborted) {
        this.telemetry.step()
        // Started sub-agent calls wait for their children; everything else runs first.
        const next = this.conversation.pending.find(
          (c) => !(c.started && this.toolCalls.isSubAgent(c)),
        )
        if (next?.awaitingApproval) {
          // Only reachable if a decision was lost: park again rather than run an unapproved call.
          if (await this.park()) return
        } else if (next) {
          let parked = false
          await this.telemetry.tool(next, async () => {
            parked = await this.toolCalls.run(next)
          })
          if (parked) return this.parked()
        } else if (this.conversation.pending.length) {
          if (await this.awaitSubObjectives()) return
        } else if (
          this.offered.submitTool &&
          (this.conversation.turnComplete || this.conversation.extractionAttempts > 0)
        ) {
          if (await this.extract(model, this.offered.submitTool)) return
        } else if (this.conversation.turnComplete) {
          if (await this.endTurn({ windowId: this.windowId, events: [] })) return
        } else if (await this.modelTurn(model)) return
      }
    } catch (err) {
      failure = err
      await this.handleError(err)
    } finally {
      this.telemetry.end(failure, this.controller.signal.reason)
    }
  }

  /** Replays the window's events after what a cached conversation already holds. */
  private async loadConversation(): Promise<void> {
    const cached = this.ctx.cache.take(this.row.id, this.windowId, this.row.event_seq)
    if (cached) this.conversation = cached
    const rows = await windowEventsAfter(
      this.ctx.deps.db,
      this.row.id,
      this.windowId,
      this.conversation.seq,
    )
    for (const r of rows) this.conversation.apply(storedEventOf(r), r.seq)
  }

  private async commit(step: StepWrite): Promise<void> {
    // Group commit: this step may share its transaction with other objectives' steps; either way
    // it has committed when this resolves, and only then is it applied and announced.
    const result = await this.ctx.steps.commit(this.lease, step)
    if (!result) throw new Superseded()
    this.afterCommit(step.events, result)
  }

  private async commitWith(
    step: StepWrite,
    extra: (trx: Executor) => Promise<void>,
  ): Promise<void> {
    const done = await commitLocked(this.ctx.deps.db, this.lease, async (trx) => {
      await extra(trx)
      return step
    })
    if (!done) throw new Superseded()
    this.afterCommit(step.events, done.result)
  }

  /** A step parked the objective: the next claim starts from this conversation. */
  private parked(): void {
    this.ctx.cache.put(this.row.id, this.windowId, this.conversation)
  }

  private afterCommit(
    events: EventWrite[],
    result: { version: number; eventSeq: number; compactionRequested?: boolean },
  ) {
    this.lease.version = result.version
    if (result.compactionRequested !== undefined) {
      this.compaction.requested = result.compactionRequested
    }
    const first = result.eventSeq - events.length + 1
    events.forEach((e, i) => this.conversation.apply(e.event, first + i))
  }

  private event(event: StoredEvent): EventWrite {
    return { id: this.ctx.deps.ids('event'), event, profileId: this.row.profile_id }
  }

  /** Parks the objective until every call of the turn is decided; the lease goes with it. */
  private async park(): Promise<boolean> {
    const message = 'waiting for tool call approval'
    await this.commit({
      windowId: this.windowId,
      events: [],
      state: { state: 'WAITING', waitReason: 'approval', message },
    })
    this.ctx.cache.put(this.row.id, this.windowId, this.conversation)
    return true
  }

  /**
   * Before a provider call: a reached cap of the objective or an ancestor ends that objective and
   * its tree (docs/api.md section 5.11); a cap 80 % used is announced once with a `budget.near`
   * notice. Returns true when the run is over.
   */
  private async overBudget(): Promise<boolean> {
    const verdict = await this.budget.check()
    if (verdict.end) return this.endByBudget(verdict.end)
    if (verdict.near.length) {
      await this.commit({ windowId: this.windowId, events: verdict.near.map((e) => this.event(e)) })
      this.budget.warnedOf(verdict.near)
    }
    return false
  }

  private async endByBudget(end: BudgetEnd & { objectiveId: string }): Promise<boolean> {
    const own = end.objectiveId === this.row.id
    const ended = await endOverBudget(
      this.ctx.deps,
      end.objectiveId,
      end,
      own ? { version: this.lease.version, owner: this.lease.owner } : undefined,
    )
    if (ended === undefined) throw new Superseded()
    // An ancestor that already ended (and so cancelled this run's objective) needs nothing more.
    return own || ended.length > 0 || this.controller.signal.aborted
  }

  /** What a call just answered adds to the spend, before its step commits. */
  private static spendOf(cost: CallCost): Spend {
    return {
      inputTokens: cost.inputTokens,
      outputTokens: cost.outputTokens,
      modelCalls: 1,
      costUsd: cost.costUsd ?? '0',
    }
  }

  /** One model call and its rows. Returns true when the run is over. */
  private async modelTurn(model: ResolvedModel): Promise<boolean> {
    const signal = this.controller.signal
    if (signal.aborted) return true
    if (await this.overBudget()) return true
    await this.compaction.compactIfDue(model)
    const messages = this.conversation.messages.length
      ? this.conversation.messages
      : // A prompt-only objective has no user message; providers require one to answer.
        [{ role: 'user' as const, content: 'Begin.' }]
    const startedAt = new Date().toISOString()
    const raw = await this.callModel(model, messages, turnTools(this.offered))
    const answer = this.offered.discovery?.explain(raw) ?? raw
    const plan = planModelTurn(
      answer,
      this.offered.tools,
      this.limit,
      this.ctx.deps.ids,
      this.row.profile_id,
      this.windowId,
    )
    this.telemetry.planned(plan.step.toolCalls)
    const cost = charge(plan.step, answer.usage, model)
    this.telemetry.charged(cost)
    markStarted(plan.step.events[0], startedAt)
    this.compaction.observe(answer.usage.inputTokens)
    // With an output definition the turn's end leads into extraction, not to WAITING.
    if (plan.final) return this.endTurn(plan.step, this.offered.submitTool ? {} : WAIT_FOR_INPUT)
    const spawns = plan.spawnedAdded > 0 && !plan.failed && !plan.parked
    if (spawns && (await this.budget.check(ObjectiveRun.spendOf(cost))).end) {
      // No sub-objective is spawned past a cap: the turn is recorded, then the budget ends it
      // (its unspawned calls are settled as never finishing).
      await this.commit(plan.step)
      const verdict = await this.budget.check()
      return verdict.end ? this.endByBudget(verdict.end) : false
    }
    const unspawned = spawns
      ? await spawnInTurn(
          this.ctx.deps,
          this.row,
          this.offered.tools,
          plan.step,
          (e) => this.event(e),
          this.telemetry.traceParent(),
        )
      : 0
    await this.commit(plan.step)
    this.limit.spawned += plan.spawnedAdded - unspawned
    this.limit.executed += plan.executedAdded
    this.limit.strikes = plan.strikes
    if (plan.parked) this.ctx.cache.put(this.row.id, this.windowId, this.conversation)
    return plan.failed || plan.parked
  }

  /** One provider call with the objective's system prompt, temperature and abort signal. */
  private callModel(
    model: ResolvedModel,
    messages: ModelCallRequest['messages'],
    tools: ModelTool[],
    toolChoice?: string,
  ): Promise<ModelCallResult> {
    const request: ModelCallRequest = {
      target: providerTarget(model),
      system: this.data.systemPrompt || undefined,
      messages,
      tools,
      ...(toolChoice ? { toolChoice } : {}),
      ...callSettingsOf(this.data.variation.spec?.modelConfig),
      signal: this.controller.signal,
    }
    return this.telemetry.model(request, (r) => this.ctx.callModel(r))
  }

  /**
   * One output extraction attempt: the model is offered only `submit_output` (and must call it).
   * The attempt commits as one step; the one that decides the objective finalizes or fails it.
   */
  private async extract(model: ResolvedModel, tool: EngineTool): Promise<boolean> {
    const signal = this.controller.signal
    if (signal.aborted) return true
    if (await this.overBudget()) return true
    const attempt = this.conversation.extractionAttempts + 1
    const instruction = this.conversation.extractionInstruction(attempt)
    const messages = [
      ...this.conversation.messages,
      ...(instruction ? [{ role: 'user' as const, content: instruction }] : []),
    ]
    const answer = await this.callModel(model, messages, [tool.model], tool.model.name)
    const plan = planExtraction(
      answer,
      attempt,
      tool,
      this.ctx.deps.ids,
      this.row.profile_id,
      this.windowId,
    )
    this.telemetry.charged(charge(plan.step, answer.usage, model))
    if (plan.idle) return this.endTurn(plan.step, plan.idle)
    await this.commit(plan.step)
    return false
  }

  /**
   * Ends a turn; queued messages keep it going. Otherwise `idle` is written (default: WAITING).
   * Returns true when the objective left RUNNING.
   */
  private async endTurn(step: StepWrite, idle: IdleWrite = WAIT_FOR_INPUT): Promise<boolean> {
    const ended = await commitTurnEnd(this.ctx.deps.db, this.lease, step, idle)
    if (!ended) throw new Superseded()
    const taken: EventWrite[] = ended.taken.map((m) => ({
      id: m.id,
      event: { type: 'userMessage', payload: { content: m.content } },
      profileId: this.row.profile_id,
    }))
    const written = ended.idled ? (idle.events ?? []) : taken
    this.afterCommit([...step.events, ...written], ended.result)
    if (!ended.idled || !idle.state) return false
    if (idle.state.state === 'WAITING') {
      this.ctx.cache.put(this.row.id, this.windowId, this.conversation)
    }
    return true
  }

  /**
   * Every remaining call waits for a child: answers those that settled, and parks in
   * WAITING(sub_objectives) while any still works. Returns true when parked.
   */
  private async awaitSubObjectives(): Promise<boolean> {
    const ids = this.conversation.pending.map((c) => c.id)
    const done = await commitLocked(this.ctx.deps.db, this.lease, (trx) =>
      collectSubObjectives(trx, this.row.id, ids, this.windowId, (e) => this.event(e)),
    )
    if (!done) throw new Superseded()
    this.afterCommit(done.step.events, done.result)
    if (!done.step.state) return false
    this.ctx.cache.put(this.row.id, this.windowId, this.conversation)
    return true
  }

  /**
   * A run never leaves its objective RUNNING by accident: a provider failure or any unexpected
   * error fails it with an `error` event. Stopping (cancel, lost lease, shutdown) and losing a
   * compare-and-set write nothing.
   */
  private async handleError(err: unknown): Promise<void> {
    if (err instanceof Superseded || this.controller.signal.aborted || isAbortError(err)) return
    const { type, message } = failureOf(err, this.row.id, this.ctx.deps.logger)
    try {
      await commitStep(this.ctx.deps.db, this.lease, {
        windowId: this.windowId,
        events: [this.event({ type: 'error', payload: { type, message } })],
        state: { state: 'FAILED', waitReason: null, message },
      })
    } catch (writeErr) {
      // The lease will expire and another worker will retry the objective.
      const log = this.ctx.deps.logger
      log.error({ err: writeErr, objectiveId: this.row.id }, 'could not record the failure')
    }
  }
}
