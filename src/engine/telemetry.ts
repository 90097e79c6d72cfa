import {
  context,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api'
import {
  claimLag,
  engineSteps,
  leasesLost,
  modelCost,
  modelTokens,
  providerLatency,
  stepOverhead,
  toolCalls,
} from '../lib/metrics.ts'
import type { Tracing } from '../lib/tracing.ts'
import type { ObjectiveRow, StoredObjectiveData } from '../modules/objectives/index.ts'
import { isAbortError, type ModelCallRequest, type ModelCallResult } from '../providers/index.ts'
import type { PendingCall } from './conversation.ts'
import type { ToolCallInsert } from './journal.ts'
import type { CallCost } from './cost.ts'
import { Superseded } from './lease.ts'

/**
 * The engine's traces and metrics (docs/api.md section 11), as thin hooks the run
 * calls at a few sites, so the loop's code stays the loop's. One RunTelemetry per claimed run:
 * its span is the objective turn (`invoke_agent`), with a `chat` span per model call and an
 * `execute_tool` span per tool call as children, following the OpenTelemetry GenAI semantic
 * conventions. Without tracing (no OTLP endpoint) no span object is ever made; the metrics are
 * prom-client counters, a few additions per step.
 */
type StepKind = 'model' | 'tool' | 'other'

type ToolOutcome = { ok: true; content: string } | { ok: false; message: string }

/** gen_ai.provider.name of each provider kind (the convention's well-known values). */
const PROVIDER_NAME: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'gcp.gemini',
  'openai-compatible': 'openai-compatible',
}

export class RunTelemetry {
  private readonly turn?: Span
  /** The context that makes a span the turn's child. */
  private readonly parent?: Context
  private readonly ids: Attributes
  /** The open tool call's span, settled by the tool step that runs it. */
  private toolSpan?: Span
  private stepStart = 0
  /** Time the current step spent waiting for a provider or a tool, in ms. */
  private external = 0
  private kind: StepKind = 'other'
  /** Provider and model of the last model call: the labels of its cost. */
  private lastModel = { provider: '', model: '' }

  constructor(
    private readonly tracing: Tracing | undefined,
    row: ObjectiveRow,
    data: StoredObjectiveData,
  ) {
    this.ids = {
      'sortie.objective.id': row.id,
      'gen_ai.agent.id': row.agent_id,
      'sortie.variation.id': row.variation_id,
      'gen_ai.conversation.id': row.id,
    }
    if (!tracing) return
    const agentName = (data.agent?.metadata as { name?: string } | undefined)?.name
    // A sub-objective's turns join its parent's trace, under the span that spawned it.
    const spawnedBy = spanContextOf(data.traceParent)
    const origin = spawnedBy ? trace.setSpanContext(context.active(), spawnedBy) : undefined
    this.turn = tracing.tracer.startSpan(
      `invoke_agent${agentName ? ` ${agentName}` : ''}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          ...(agentName ? { 'gen_ai.agent.name': agentName } : {}),
          ...this.ids,
          'sortie.workspace.id': row.workspace_id,
          ...(row.parent_objective_id
            ? { 'sortie.parent_objective.id': row.parent_objective_id }
            : {}),
        },
      },
      origin,
    )
    this.parent = trace.setSpan(context.active(), this.turn)
  }

  /** The loop starts its next step: the previous one is measured. */
  step(): void {
    const now = performance.now()
    this.finishStep(now)
    this.stepStart = now
    this.external = 0
    this.kind = 'other'
  }

  private finishStep(now: number): void {
    if (!this.stepStart) return
    engineSteps.inc({ kind: this.kind })
    stepOverhead.observe(Math.max(0, now - this.stepStart - this.external) / 1000)
    this.stepStart = 0
  }

  /** One provider call: a `chat` span, the latency histogram and the token counters. */
  async model(
    req: ModelCallRequest,
    call: (req: ModelCallRequest) => Promise<ModelCallResult>,
  ): Promise<ModelCallResult> {
    this.kind = 'model'
    const provider = PROVIDER_NAME[req.target.provider] ?? req.target.provider
    const model = req.target.modelName
    this.lastModel = { provider, model }
    const span = this.turn && this.child(`chat ${model}`, SpanKind.CLIENT, chatAttributes(req))
    if (span && this.tracing?.captureContent) captureRequest(span, req)
    const started = performance.now()
    let outcome = 'error'
    try {
      const answer = await call(req)
      outcome = 'ok'
      modelTokens.inc({ provider, model, type: 'input' }, answer.usage.inputTokens)
      modelTokens.inc({ provider, model, type: 'output' }, answer.usage.outputTokens)
      span?.setAttributes({
        'gen_ai.response.finish_reasons': [answer.finishReason],
        'gen_ai.usage.input_tokens': answer.usage.inputTokens,
        'gen_ai.usage.output_tokens': answer.usage.outputTokens,
      })
      if (span && this.tracing?.captureContent) {
        span.setAttribute('gen_ai.output.messages', JSON.stringify(answer.responseMessages))
      }
      return answer
    } catch (err) {
      if (span) failed(span, err)
      throw err
    } finally {
      const elapsed = performance.now() - started
      this.external += elapsed
      providerLatency.observe({ provider, model, outcome }, elapsed / 1000)
      span?.end()
    }
  }

  /** The last model call was charged (src/engine/cost.ts); unknown prices add nothing. */
  charged(cost: CallCost): void {
    this.chargedUsd(cost.costUsd)
  }

  /** The last model call's cost in US dollars (a summarisation call's, too). */
  chargedUsd(costUsd: string | undefined): void {
    const usd = costUsd === undefined ? 0 : Number(costUsd)
    if (usd > 0) modelCost.inc(this.lastModel, usd)
  }

  /** One tool step: an `execute_tool` span around it, settled by `settled`. */
  async tool(call: PendingCall, run: () => Promise<void>): Promise<void> {
    this.kind = 'tool'
    if (!this.turn) return run()
    const span = this.child(`execute_tool ${call.functionName}`, SpanKind.INTERNAL, {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': call.functionName,
      'gen_ai.tool.call.id': call.id,
      'gen_ai.tool.type': 'function',
    })
    if (this.tracing?.captureContent)
      span.setAttribute('gen_ai.tool.call.arguments', call.arguments)
    this.toolSpan = span
    try {
      await run()
    } catch (err) {
      failed(span, err)
      throw err
    } finally {
      this.toolSpan = undefined
      span.end()
    }
  }

  /** The tool's own work (the request, the MCP call): not counted as the step's overhead. */
  async executing<T>(work: () => Promise<T>): Promise<T> {
    const started = performance.now()
    try {
      return await work()
    } finally {
      this.external += performance.now() - started
    }
  }

  /** A tool call's result is about to be committed. */
  settled(outcome: ToolOutcome): void {
    toolCalls.inc({ status: outcome.ok ? 'completed' : 'errored' })
    const span = this.toolSpan
    if (!span) return
    span.setAttribute('sortie.tool_call.status', outcome.ok ? 'completed' : 'errored')
    if (this.tracing?.captureContent) {
      span.setAttribute('gen_ai.tool.call.result', outcome.ok ? outcome.content : outcome.message)
    }
    if (!outcome.ok) {
      span.setAttribute('error.type', 'tool_error')
      span.setStatus({ code: SpanStatusCode.ERROR })
    }
  }

  /** A model turn's calls refused before running (unknown tool, bad arguments, limits). */
  planned(rows: ToolCallInsert[] = []): void {
    let rejected = 0
    for (const r of rows) if (r.executionStatus === 'TOOL_CALL_EXECUTION_STATUS_ERRORED') rejected++
    if (rejected) toolCalls.inc({ status: 'rejected' }, rejected)
  }

  /**
   * The run ended: the last step is measured and the turn span ends, failed on an error unless
   * the run was stopped (cancel, lost lease, shutdown) or superseded, which are no failures.
   */
  end(err: unknown, stopped: unknown): void {
    this.finishStep(performance.now())
    if (!this.turn) return
    if (stopped) this.turn.setAttribute('sortie.run.stop', String(stopped))
    else if (err instanceof Superseded) this.turn.setAttribute('sortie.run.stop', 'superseded')
    else if (err !== undefined && !isAbortError(err)) failed(this.turn, err)
    this.turn.end()
  }

  /**
   * The W3C traceparent of the span at work now (the tool call's, else the turn's), stored on a
   * sub-objective it spawns so that the child's turns join this trace; undefined when not tracing.
   */
  traceParent(): string | undefined {
    const span = this.toolSpan ?? this.turn
    if (!span) return undefined
    const { traceId, spanId, traceFlags } = span.spanContext()
    return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`
  }

  private child(name: string, kind: SpanKind, attributes: Attributes): Span {
    return this.tracing!.tracer.startSpan(
      name,
      { kind, attributes: { ...attributes, ...this.ids } },
      this.parent,
    )
  }
}

function chatAttributes(req: ModelCallRequest): Attributes {
  const provider = PROVIDER_NAME[req.target.provider] ?? req.target.provider
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': provider,
    // The name the conventions used before gen_ai.provider.name, still read by many backends.
    'gen_ai.system': provider,
    'gen_ai.request.model': req.target.modelName,
    ...(req.temperature !== undefined ? { 'gen_ai.request.temperature': req.temperature } : {}),
    ...(req.maxOutputTokens !== undefined
      ? { 'gen_ai.request.max_tokens': req.maxOutputTokens }
      : {}),
  }
}

/** Prompts and messages: only with SORTIE_OTEL_CAPTURE_CONTENT (they are the users' data). */
function captureRequest(span: Span, req: ModelCallRequest): void {
  if (req.system) {
    span.setAttribute(
      'gen_ai.system_instructions',
      JSON.stringify([{ type: 'text', content: req.system }]),
    )
  }
  span.setAttribute('gen_ai.input.messages', JSON.stringify(req.messages))
}

/** Marks a span failed by its error's kind; the message stays out (it may quote user data). */
function failed(span: Span, err: unknown): void {
  const type = err instanceof Error ? err.name || 'Error' : typeof err
  span.setAttribute('error.type', type)
  span.setStatus({ code: SpanStatusCode.ERROR })
}

/** A worker claimed these objectives: how long each waited since it last changed. */
export function claimed(rows: Pick<ObjectiveRow, 'updated_at'>[]): void {
  const now = Date.now()
  for (const r of rows) claimLag.observe(Math.max(0, now - new Date(r.updated_at).getTime()) / 1000)
}

/** A heartbeat found a run's lease gone. */
export function leaseLost(): void {
  leasesLost.inc()
}

const TRACE_PARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/** A stored W3C traceparent as a remote span context; undefined when absent or malformed. */
function spanContextOf(traceParent: string | undefined) {
  const m = traceParent ? TRACE_PARENT.exec(traceParent) : null
  if (!m) return undefined
  return { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true }
}
