import type {
  ObjectiveRow,
  StoredEvent,
  StoredObjectiveData,
  StoredTool,
} from '../modules/objectives/index.ts'
import { loadTaskItems } from '../modules/tasks/index.ts'
import type { Tool, ToolSet, ToolSnapshot } from '../modules/tools/index.ts'
import type { EngineTool } from './callable-tools.ts'
import { inputOf, type PendingCall } from './conversation.ts'
import type { EngineContext } from './engine-context.ts'
import type { EventWrite, StepWrite, TaskWrite } from './journal.ts'
import type { LimitState } from './model-turn.ts'
import { spawnSubObjective } from './sub-agent-tool.ts'
import { runTaskTool, type TaskItem } from './task-tool.ts'
import { runMemoryLoad, runMemorySave, type MemoryOutcome } from './memory-tool.ts'
import { executeHttpTool } from './tools/http-tool.ts'
import { executeMcpTool } from './tools/mcp-tool.ts'
import { planOpenApiRequest } from './tools/openapi-request.ts'
import { SecretResolver } from './tools/secrets.ts'
import type { Executor } from '../db/database.ts'
import {
  CONTENT_WAIT_MESSAGE,
  contentTimeoutMs,
  isBare,
  setContentDeadline,
  WAITING_FOR_CONTENT,
} from './bare-tool.ts'
import type { RunTelemetry } from './telemetry.ts'
import type { ToolDiscovery } from './tool-discovery.ts'
import { markStarted } from './started-at.ts'

/** What a tool step needs of the run it belongs to: its window, its signal and its commits. */
export interface ToolStepHost {
  /** The current context window (compaction moves it). */
  windowId(): string
  readonly signal: AbortSignal
  /** Commits one step under the run's lease (throws when superseded). */
  commit(step: StepWrite): Promise<void>
  /** Commits one step with more writes of `extra` in its transaction, under the lease. */
  commitWith(step: StepWrite, extra: (trx: Executor) => Promise<void>): Promise<void>
  /** An event of this objective, ready to write. */
  event(event: StoredEvent): EventWrite
  readonly telemetry: RunTelemetry
}

type Outcome = { ok: true; content: string } | { ok: false; message: string }

/**
 * Executes an objective's tool calls, one step each: HTTP, MCP and OpenAPI tools (a `toolCalled`
 * step, the request, then the result step, so a crash between them retries the request with the
 * same idempotency key or MCP `_meta` tool call id), the in-process task tool (one step) and sub-agent calls not spawned with their turn.
 */
export class ToolCalls {
  private readonly secrets: SecretResolver
  /** The to-do list, loaded on the first task-tool call of this run (only this run writes it). */
  private tasks?: TaskItem[]

  constructor(
    private readonly host: ToolStepHost,
    private readonly ctx: EngineContext,
    private readonly row: ObjectiveRow,
    private readonly tools: Map<string, EngineTool>,
    private readonly limit: LimitState,
    private readonly discovery?: ToolDiscovery,
  ) {
    this.secrets = new SecretResolver(ctx.deps, row)
  }

  isSubAgent(call: PendingCall): boolean {
    return !!this.tools.get(call.functionName)?.subAgent
  }

  /**
   * Executes one tool call: RUNNING + `toolCalled`, the request, then its result or error.
   * Returns true when the call parked the objective (a bare tool waits for its content).
   */
  async run(call: PendingCall): Promise<boolean> {
    const tool = this.tools.get(call.functionName)
    if (tool?.snapshot && isBare(tool.snapshot.toolSet as unknown as ToolSet)) {
      await this.awaitContent(call, tool.snapshot)
      return true
    }
    await this.runCall(call, tool)
    return false
  }

  private async runCall(call: PendingCall, tool: EngineTool | undefined): Promise<void> {
    if (tool?.builtin === 'tasks') return this.runTaskCall(call)
    if (tool?.builtin === 'discovery' && this.discovery) {
      return this.runDiscoveryCall(call, this.discovery)
    }
    if (tool?.builtin === 'memory_load' || tool?.builtin === 'memory_save') {
      return this.runMemoryCall(call, tool.builtin)
    }
    if (tool?.subAgent) return this.spawnCall(call, tool.subAgent)
    const { host } = this
    if (!call.started) {
      await host.commit({
        windowId: host.windowId(),
        events: [host.event({ type: 'toolCalled', payload: { toolCallId: call.id } })],
        toolCallUpdates: [
          { id: call.id, executionStatus: 'TOOL_CALL_EXECUTION_STATUS_RUNNING', result: null },
        ],
      })
    }
    const startedAt = new Date().toISOString()
    const snapshot = tool?.snapshot
    const outcome = snapshot
      ? await host.telemetry.executing(() => this.execute(call, snapshot))
      : { ok: false as const, message: `unknown tool ${JSON.stringify(call.functionName)}` }
    if (host.signal.aborted) return
    const step = this.outcomeStep(call.id, outcome, [])
    markStarted(step.events.at(-1), startedAt)
    await host.commit(step)
  }

  /**
   * A bare tool's call: `toolCalled` (unless its turn's step recorded it), WAITING_FOR_CONTENT
   * (with its deadline, if the tool has a `contentTimeout`) and WAITING(content) commit together,
   * so the call is never waiting without the objective parked for it.
   */
  private async awaitContent(call: PendingCall, snapshot: StoredTool): Promise<void> {
    const { host } = this
    const timeoutMs = contentTimeoutMs(
      snapshot.tool as unknown as Tool,
      snapshot.toolSet as unknown as ToolSet,
    )
    const called = host.event({ type: 'toolCalled', payload: { toolCallId: call.id } })
    const step: StepWrite = {
      windowId: host.windowId(),
      events: call.started ? [] : [called],
      toolCallUpdates: [{ id: call.id, executionStatus: WAITING_FOR_CONTENT, result: null }],
      state: { state: 'WAITING', waitReason: 'content', message: CONTENT_WAIT_MESSAGE },
    }
    if (timeoutMs === undefined) return host.commit(step)
    return host.commitWith(step, (trx) => setContentDeadline(trx, call.id, timeoutMs))
  }

  /** Runs a frozen tool by its tool set's adapter: HTTP, MCP, or an OpenAPI operation over HTTP. */
  private execute(call: PendingCall, snapshot: StoredTool): Promise<Outcome> {
    const tool = snapshot.tool as unknown as Tool
    const toolSet = snapshot.toolSet as unknown as ToolSet
    const args = inputOf(call.arguments)
    const resolveSecret = (name: string) => this.secrets.resolve(name, toolSet.metadata?.id)
    const common = {
      tool,
      toolSet,
      arguments: args,
      toolCallId: call.id,
      resolveSecret,
      signal: this.host.signal,
      timeoutMs: this.ctx.toolTimeoutMs,
    }
    const adapter = toolSet.spec.adapter
    if (adapter.mcp) return executeMcpTool({ ...common, sessions: this.ctx.mcp })
    const openapiCall = (snapshot as ToolSnapshot).openapiCall
    if (adapter.openapi) {
      if (!openapiCall) {
        return Promise.resolve({
          ok: false,
          message: `tool "${tool.metadata.name}" was not synced from the OpenAPI document`,
        })
      }
      return executeHttpTool({
        ...common,
        fetch: this.ctx.fetch,
        plan: () => planOpenApiRequest(openapiCall, toolSet, args, call.id, resolveSecret),
      })
    }
    return executeHttpTool({ ...common, fetch: this.ctx.fetch })
  }

  /** Starts a sub-agent call not started with its turn (it waited for another call's approval). */
  private async spawnCall(call: PendingCall, agent: NonNullable<EngineTool['subAgent']>) {
    const { host } = this
    const args = {
      id: call.id,
      arguments: inputOf(call.arguments),
      traceParent: host.telemetry.traceParent(),
    }
    const spawn = await spawnSubObjective(this.ctx.deps, this.row, agent, args, (e) =>
      host.event(e),
    )
    await host.commit({
      windowId: host.windowId(),
      events: spawn.events,
      toolCallUpdates: [
        { id: call.id, executionStatus: spawn.executionStatus, result: spawn.result },
      ],
      ...(spawn.child ? { children: [spawn.child] } : {}),
    })
    if (!spawn.child) this.limit.spawned--
  }

  /**
   * The task tool runs in-process and has no side effect outside this step, so `toolCalled`, its
   * result and the objective_tasks rows commit together in one statement.
   */
  private async runTaskCall(call: PendingCall): Promise<void> {
    const tasks = (this.tasks ??= await loadTaskItems(this.ctx.deps.db, this.row.id))
    const outcome = runTaskTool(tasks, inputOf(call.arguments), this.ctx.deps.ids)
    const called = this.host.event({ type: 'toolCalled', payload: { toolCallId: call.id } })
    await this.host.commit(
      this.outcomeStep(call.id, outcome, outcome.ok ? outcome.writes : [], called),
    )
    if (outcome.ok) this.tasks = outcome.next
  }

  /**
   * The memory built-ins run in-process: `toolCalled`, a loaded skill's `memoryRead` and the
   * result commit in one step.
   */
  private async runMemoryCall(call: PendingCall, kind: 'memory_load' | 'memory_save') {
    const memory = (this.row.data as unknown as StoredObjectiveData).memory
    const args = inputOf(call.arguments)
    const owner = {
      accountId: this.row.account_id,
      workspaceId: this.row.workspace_id,
      profileId: this.row.profile_id,
    }
    const outcome: MemoryOutcome =
      kind === 'memory_load'
        ? await runMemoryLoad(this.ctx.deps, memory, args)
        : await runMemorySave(this.ctx.deps, memory, owner, args)
    if (this.host.signal.aborted) return
    const called = this.host.event({ type: 'toolCalled', payload: { toolCallId: call.id } })
    const step = this.outcomeStep(call.id, outcome, [], called)
    if (outcome.ok && outcome.read) step.events.splice(1, 0, this.host.event(outcome.read))
    await this.host.commit(step)
  }

  /**
   * `tool_search` and `tool_load` run in-process: `toolCalled` and the result commit in one step,
   * and loaded tools join the requests only once that step committed (the result records them).
   */
  private async runDiscoveryCall(call: PendingCall, discovery: ToolDiscovery): Promise<void> {
    const outcome = discovery.run(call.functionName, inputOf(call.arguments))
    const called = this.host.event({ type: 'toolCalled', payload: { toolCallId: call.id } })
    await this.host.commit(this.outcomeStep(call.id, outcome, [], called))
    if (outcome.ok && outcome.loaded) discovery.markLoaded(outcome.loaded)
  }

  private outcomeStep(
    id: string,
    outcome: Outcome,
    tasks: TaskWrite[],
    called?: EventWrite,
  ): StepWrite {
    this.host.telemetry.settled(outcome)
    const [event, executionStatus, result]: [StoredEvent, string, string] = outcome.ok
      ? [
          { type: 'toolResult', payload: { toolCallId: id, content: outcome.content } },
          'TOOL_CALL_EXECUTION_STATUS_COMPLETED',
          outcome.content,
        ]
      : [
          { type: 'toolError', payload: { toolCallId: id, message: outcome.message } },
          'TOOL_CALL_EXECUTION_STATUS_ERRORED',
          outcome.message,
        ]
    return {
      windowId: this.host.windowId(),
      events: [...(called ? [called] : []), this.host.event(event)],
      toolCallUpdates: [{ id, executionStatus, result }],
      ...(tasks.length ? { tasks } : {}),
    }
  }
}
