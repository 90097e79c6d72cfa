import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiError, api, listAll, readStream, ws } from '../api.ts'
import { SUPER_TERMINAL, enumLabel, num, pretty, time } from '../format.ts'
import { useDebounced, useLoad } from '../hooks.ts'
import { renderMarkdown } from '../markdown.ts'
import { Link } from '../router.ts'
import { VirtualList } from '../virtual-list.tsx'
import { StateBadge } from './objectives.tsx'

type Conn = 'connecting' | 'live' | 'idle' | 'reconnecting' | 'ended'

/**
 * The objective's live timeline: one SSE stream (docs/api.md section 7) that first replays the
 * stored events and then follows live ones. After a drop it reconnects with Last-Event-ID (the
 * last event shown), and drops any id already shown, so nothing is lost or doubled. The server
 * ends the stream when the objective goes idle; while it can still be woken (a continue, an
 * approval) the page re-opens it now and then, and at once after its own actions.
 */
function useTimeline(id: string, onActivity: () => void) {
  const [events, setEvents] = useState<any[]>([])
  const [conn, setConn] = useState<Conn>('connecting')
  const [error, setError] = useState('')
  const wake = useRef<() => void>(() => {})
  const activity = useRef(onActivity)
  activity.current = onActivity

  useEffect(() => {
    const ctrl = new AbortController()
    const seen = new Set<string>()
    let lastId: string | undefined
    let pending: any[] = []
    let flushTimer: ReturnType<typeof setTimeout> | undefined
    // Frames arrive by the thousand on replay: render them in batches, not one by one.
    const flush = () => {
      flushTimer = undefined
      const batch = pending
      pending = []
      setEvents((prev) => prev.concat(batch))
      activity.current()
    }
    const onFrame = (f: { id?: string; event: string; data: string }) => {
      if (f.event !== 'message' || !f.id || seen.has(f.id)) return
      let event: any
      try {
        event = JSON.parse(f.data)
      } catch {
        return
      }
      seen.add(f.id)
      lastId = f.id
      pending.push(event)
      setConn('live')
      flushTimer ??= setTimeout(flush, 60)
    }
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms)
        wake.current = () => {
          clearTimeout(t)
          resolve()
        }
      })
    void (async () => {
      while (!ctrl.signal.aborted) {
        if (!lastId) setConn('connecting')
        let end: string
        try {
          end = await readStream(
            ws(`/objectives/${id}/events/stream`),
            lastId,
            onFrame,
            ctrl.signal,
            () => setConn('live'),
          )
          setError('')
        } catch (err) {
          end = 'refused'
          setError(err instanceof ApiError ? err.message : String(err))
          // No such objective (or no access): asking again will not change the answer.
          if (err instanceof ApiError && [400, 403, 404].includes(err.status)) {
            setConn('ended')
            return
          }
        }
        if (ctrl.signal.aborted) return
        activity.current()
        if (end === 'dropped' || end === 'refused') {
          setConn('reconnecting')
          await pause(end === 'refused' ? 10_000 : 1000)
          continue
        }
        const obj = await api.get(ws(`/objectives/${id}`)).catch(() => undefined)
        const over = obj && SUPER_TERMINAL.includes(obj.status.state)
        setConn(over ? 'ended' : 'idle')
        await pause(over ? 3_600_000 : 3000)
      }
    })()
    return () => {
      ctrl.abort()
      clearTimeout(flushTimer)
    }
  }, [id])
  return { events, conn, error, wake: () => wake.current() }
}

export function ObjectivePage({ id }: { id: string }) {
  const obj = useLoad(() => api.get(ws(`/objectives/${id}`)), [id])
  const calls = useLoad(() => listAll(ws(`/objectives/${id}/tool_calls`)), [id])
  const windows = useLoad(() => listAll(ws(`/objectives/${id}/context_windows`)), [id])
  const tasks = useLoad(() => listAll(ws(`/objectives/${id}/tasks`)), [id])
  const children = useLoad(
    () => listAll(ws('/objectives'), { parentObjectiveId: id, includeInfo: 'true' }),
    [id],
  )
  const refresh = useDebounced(() => {
    void obj.reload()
    void calls.reload()
    void windows.reload()
    void tasks.reload()
    void children.reload()
  }, 300)
  const timeline = useTimeline(id, refresh)
  const [tab, setTab] = useState('timeline')

  // After an action: refresh now and listen again (the server ended the idle stream).
  const acted = () => {
    refresh()
    timeline.wake()
  }
  const o = obj.data
  const callsById = useMemo(
    () => new Map((calls.data ?? []).map((c: any) => [c.metadata.id, c])),
    [calls.data],
  )
  const waiting = (calls.data ?? []).filter(
    (c: any) => c.status === 'TOOL_CALL_STATUS_WAITING_FOR_APPROVAL',
  )

  if (obj.error && !o)
    return (
      <p class="error" role="alert">
        {obj.error}
      </p>
    )
  if (!o) return <p class="loading">Loading…</p>
  const tabs: [string, string][] = [
    ['timeline', `Timeline (${num(timeline.events.length)})`],
    ['calls', `Tool calls (${num(calls.data?.length)})`],
    ['windows', `Context windows (${num(windows.data?.length)})`],
    ['tasks', `Tasks (${num(tasks.data?.length)})`],
    ['children', `Sub-objectives (${num(children.data?.length)})`],
  ]
  return (
    <div class="objective">
      <section class="objective-head">
        <div class="title-row">
          <h1 class="mono">{o.metadata.id}</h1>
          <StateBadge state={o.status.state} />
        </div>
        <dl class="facts">
          <dt>Agent</dt>
          <dd>
            <Link href={`/agents/${o.info.agent.id}`}>{o.info.agent.name}</Link>
          </dd>
          <dt>Variation</dt>
          <dd>{o.info.agentVariation.name}</dd>
          <dt>Tokens in / out</dt>
          <dd>
            {num(o.info.totalInputTokens)} / {num(o.info.totalOutputTokens)}
          </dd>
          <dt>Tool calls</dt>
          <dd>{num(o.info.totalToolCalls)}</dd>
          <dt>Created</dt>
          <dd>{time(o.metadata.createdAt)}</dd>
          {o.data.parentObjectiveId && (
            <>
              <dt>Parent</dt>
              <dd>
                <Link href={`/objectives/${o.data.parentObjectiveId}`}>
                  {o.data.parentObjectiveId}
                </Link>
              </dd>
            </>
          )}
          {o.status.message && (
            <>
              <dt>Status</dt>
              <dd>{o.status.message}</dd>
            </>
          )}
          <dt>Stream</dt>
          <dd>
            <span class={`conn ${timeline.conn}`} data-conn={timeline.conn}>
              {CONN_LABEL[timeline.conn]}
            </span>
            {timeline.error && <span class="error"> {timeline.error}</span>}
          </dd>
        </dl>
        {o.data.output !== undefined && (
          <details open>
            <summary>Output</summary>
            <pre>{pretty(o.data.output)}</pre>
          </details>
        )}
      </section>

      {waiting.length > 0 && (
        <section class="approvals" aria-label="Waiting for approval">
          <h2>Waiting for your decision</h2>
          {waiting.map((c: any) => (
            <Approval key={c.metadata.id} objectiveId={id} call={c} onDone={acted} />
          ))}
        </section>
      )}

      <div class="objective-body">
        <section class="objective-main">
          <div class="tabs" role="tablist">
            {tabs.map(([key, label]) => (
              <button
                key={key}
                role="tab"
                aria-selected={tab === key}
                class={tab === key ? 'tab active' : 'tab'}
                onClick={() => setTab(key)}
              >
                {label}
              </button>
            ))}
          </div>
          {tab === 'timeline' && (
            <div class="timeline" data-event-count={timeline.events.length}>
              {timeline.events.length === 0 ? (
                <p class="muted">No events yet.</p>
              ) : (
                <VirtualList
                  label="Event timeline"
                  items={timeline.events}
                  keyOf={(e: any) => e.metadata.id}
                  render={(e: any) => <EventRow event={e} calls={callsById} />}
                />
              )}
            </div>
          )}
          {tab === 'calls' && (
            <ToolCalls calls={calls.data ?? []} objectiveId={id} onDone={acted} />
          )}
          {tab === 'windows' && (
            <table class="list">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Window</th>
                  <th class="num">Prompt tokens</th>
                  <th class="num">Completion tokens</th>
                  <th>Opened</th>
                </tr>
              </thead>
              <tbody>
                {(windows.data ?? []).map((w: any) => (
                  <tr key={w.metadata.id}>
                    <td data-label="#">{w.data.sequence}</td>
                    <td data-label="Window" class="mono small">
                      {w.metadata.id}
                    </td>
                    <td data-label="Prompt" class="num">
                      {num(w.data.promptTokens)}
                    </td>
                    <td data-label="Completion" class="num">
                      {num(w.data.completionTokens)}
                    </td>
                    <td data-label="Opened">{time(w.metadata.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {tab === 'tasks' && (
            <ul class="tasks">
              {(tasks.data ?? []).map((t: any) => (
                <li key={t.metadata.id} class={t.data.completed ? 'done' : ''}>
                  <span aria-hidden="true">{t.data.completed ? '☑' : '☐'}</span> {t.data.number}.{' '}
                  {t.data.task}
                </li>
              ))}
              {!tasks.data?.length && <li class="muted">The model kept no tasks.</li>}
            </ul>
          )}
          {tab === 'children' && (
            <ul class="children">
              {(children.data ?? []).map((c: any) => (
                <li key={c.metadata.id}>
                  <Link href={`/objectives/${c.metadata.id}`}>{c.metadata.id}</Link>{' '}
                  <StateBadge state={c.status.state} /> {c.info?.agent?.name}
                </li>
              ))}
              {!children.data?.length && <li class="muted">No sub-objectives.</li>}
            </ul>
          )}
        </section>
        <aside class="objective-side">
          <Actions objective={o} decisionsPending={waiting.length > 0} onDone={acted} />
        </aside>
      </div>
    </div>
  )
}

const CONN_LABEL: Record<Conn, string> = {
  connecting: 'connecting…',
  live: 'live',
  idle: 'idle: no activity (checked again every 3 s)',
  reconnecting: 'connection lost, reconnecting…',
  ended: 'ended',
}

function callName(c: any): string {
  const callable = c?.data?.callable ?? c?.tool ?? {}
  return callable.tool?.name ?? callable.agent?.name ?? callable.cadenyaProvidedTool?.name ?? 'tool'
}

function EventRow({ event, calls }: { event: any; calls: Map<string, any> }) {
  const d = event.data
  const body = d[d.type] ?? {}
  const call = body.toolCallId ? calls.get(body.toolCallId) : undefined
  const head = (label: string) => (
    <div class="ev-head">
      <span class="ev-type">{label}</span>
      {call && <span class="mono small"> {callName(call)}</span>}
      <time class="muted small">{time(event.metadata.createdAt)}</time>
    </div>
  )
  let content
  switch (d.type) {
    case 'userMessage':
      content = (
        <>
          {head('User')}
          <div class="plain">{body.content}</div>
        </>
      )
      break
    case 'assistantMessage':
      content = (
        <>
          {head('Assistant')}
          {body.content && (
            <div class="md" dangerouslySetInnerHTML={{ __html: renderMarkdown(body.content) }} />
          )}
          {(body.toolCalls ?? []).map((tc: any, i: number) => (
            <div class="tool-call" key={i}>
              <span class="mono">{tc.functionName}</span>
              <pre>{pretty(tc.arguments)}</pre>
            </div>
          ))}
        </>
      )
      break
    case 'toolResult':
      content = (
        <>
          {head('Tool result')}
          <pre class="clip">{pretty(body.content)}</pre>
        </>
      )
      break
    case 'toolError':
      content = (
        <>
          {head('Tool error')}
          <pre class="clip error">{body.message}</pre>
        </>
      )
      break
    case 'toolDenied':
      content = (
        <>
          {head('Tool call denied')}
          {body.memo && <div class="plain">{body.memo}</div>}
        </>
      )
      break
    case 'toolApprovalRequested':
      content = head('Approval requested')
      break
    case 'toolApproved':
      content = head('Tool call approved')
      break
    case 'toolCalled':
      content = head('Tool called')
      break
    case 'error':
      content = (
        <>
          {head('Error')}
          <div class="error">{body.message}</div>
        </>
      )
      break
    case 'cancelled':
      content = (
        <>
          {head('Cancelled')}
          {body.message && <div class="plain">{body.message}</div>}
        </>
      )
      break
    case 'finalized':
      content = (
        <>
          {head('Finalized')}
          <pre class="clip">{pretty(body.output)}</pre>
        </>
      )
      break
    case 'subAgentSpawned':
      content = (
        <>
          {head('Sub-agent started')}
          <div>
            {body.agent?.name}:{' '}
            <Link href={`/objectives/${body.objective?.id}`}>{body.objective?.id}</Link>
          </div>
        </>
      )
      break
    case 'subAgentUpdated':
      content = (
        <>
          {head('Sub-agent update')}
          <div>
            <Link href={`/objectives/${body.objective?.id}`}>{body.objective?.id}</Link>{' '}
            {enumLabel(body.status, 'STATUS_')} {body.message}
          </div>
        </>
      )
      break
    case 'contextWindowCompacted':
      content = (
        <>
          {head('Context compacted')}
          <div class="small">
            {num(body.messagesCompacted)} messages compacted into window{' '}
            {body.newContextWindow?.sequence} ({num(body.newContextWindow?.promptTokens)} prompt
            tokens); {(body.strategies ?? []).join(', ')}
          </div>
        </>
      )
      break
    default:
      content = (
        <>
          {head(d.type)}
          <pre class="clip">{pretty(body)}</pre>
        </>
      )
  }
  return (
    <article class={`event ev-${d.type}`} data-event-id={event.metadata.id} data-type={d.type}>
      {content}
    </article>
  )
}

function useAction() {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const [done, setDone] = useState('')
  const run = async (fn: () => Promise<unknown>, ok: string) => {
    setBusy(true)
    setError('')
    setDone('')
    try {
      await fn()
      setDone(ok)
      return true
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err))
      return false
    } finally {
      setBusy(false)
    }
  }
  const status = (
    <>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {done && (
        <p class="ok" role="status">
          {done}
        </p>
      )}
    </>
  )
  return { busy, run, status }
}

function Approval({
  objectiveId,
  call,
  onDone,
}: {
  objectiveId: string
  call: any
  onDone: () => void
}) {
  const [memo, setMemo] = useState('')
  const act = useAction()
  const base = ws(`/objectives/${objectiveId}/tool_calls/${call.metadata.id}`)
  return (
    <div class="approval" data-tool-call-id={call.metadata.id}>
      <div>
        <strong>{callName(call)}</strong> <span class="mono small">{call.metadata.id}</span>
      </div>
      <pre>{pretty(call.data.arguments)}</pre>
      <div class="row">
        <button
          disabled={act.busy}
          onClick={async () =>
            (await act.run(() => api.post(`${base}/approve`), 'Approved.')) && onDone()
          }
        >
          Approve
        </button>
        <input
          aria-label="Reason for denying"
          placeholder="Reason (sent to the model)"
          value={memo}
          onInput={(e) => setMemo(e.currentTarget.value)}
        />
        <button
          class="danger"
          disabled={act.busy}
          onClick={async () =>
            (await act.run(() => api.post(`${base}/deny`, { memo }), 'Denied.')) && onDone()
          }
        >
          Deny
        </button>
      </div>
      {act.status}
    </div>
  )
}

function ToolCalls({
  calls,
  objectiveId,
  onDone,
}: {
  calls: any[]
  objectiveId: string
  onDone: () => void
}) {
  if (!calls.length) return <p class="muted">No tool calls yet.</p>
  return (
    <div class="calls">
      {calls.map((c) => (
        <details key={c.metadata.id} class="call" open={calls.length <= 5}>
          <summary>
            <strong>{callName(c)}</strong>{' '}
            <span class="badge">{enumLabel(c.status, 'TOOL_CALL_STATUS_')}</span>{' '}
            <span class="badge">{enumLabel(c.executionStatus, 'TOOL_CALL_EXECUTION_STATUS_')}</span>{' '}
            <span class="mono small muted">{c.metadata.id}</span>
          </summary>
          <h4>Arguments</h4>
          <pre>{pretty(c.data.arguments)}</pre>
          {c.data.result && (
            <>
              <h4>Result</h4>
              <pre class="clip">{pretty(c.data.result)}</pre>
            </>
          )}
          {c.data.memo && (
            <>
              <h4>Memo</h4>
              <p>{c.data.memo}</p>
            </>
          )}
          {c.status === 'TOOL_CALL_STATUS_WAITING_FOR_APPROVAL' && (
            <Approval objectiveId={objectiveId} call={c} onDone={onDone} />
          )}
        </details>
      ))}
    </div>
  )
}

function Actions({
  objective,
  decisionsPending,
  onDone,
}: {
  objective: any
  decisionsPending: boolean
  onDone: () => void
}) {
  const id = objective.metadata.id
  const state: string = objective.status.state
  const open = !SUPER_TERMINAL.includes(state)
  // Mid-turn (or parked on an approval) a message can only be queued (docs/api.md section 5.4).
  const busyState = ['STATE_PENDING', 'STATE_RUNNING'].includes(state) || decisionsPending
  const [reason, setReason] = useState('')
  const [message, setMessage] = useState('')
  const [enqueue, setEnqueue] = useState(false)
  const [score, setScore] = useState('1')
  const [comment, setComment] = useState('')
  const cancel = useAction()
  const cont = useAction()
  const compact = useAction()
  const feedback = useAction()
  const cancellable = ['STATE_PENDING', 'STATE_RUNNING', 'STATE_WAITING'].includes(state)
  return (
    <div class="actions">
      <form
        aria-label="Continue"
        onSubmit={async (e) => {
          e.preventDefault()
          const ok = await cont.run(
            () =>
              api.post(ws(`/objectives/${id}/continue`), {
                message,
                enqueue: enqueue || busyState,
              }),
            enqueue || busyState ? 'Queued for the end of the turn.' : 'Sent.',
          )
          if (ok) {
            setMessage('')
            onDone()
          }
        }}
      >
        <h3>Continue</h3>
        <textarea
          aria-label="Message"
          rows={3}
          placeholder="Next message for the agent"
          value={message}
          onInput={(e) => setMessage(e.currentTarget.value)}
          disabled={!open}
        />
        <label class="check">
          <input
            type="checkbox"
            checked={enqueue || busyState}
            disabled={busyState}
            onChange={(e) => setEnqueue(e.currentTarget.checked)}
          />
          Queue until the current turn ends
        </label>
        <button type="submit" disabled={!open || !message.trim() || cont.busy}>
          Send
        </button>
        {cont.status}
      </form>

      <form
        aria-label="Cancel"
        onSubmit={async (e) => {
          e.preventDefault()
          if (
            await cancel.run(
              () => api.post(ws(`/objectives/${id}/cancel`), { reason }),
              'Cancelled.',
            )
          ) {
            onDone()
          }
        }}
      >
        <h3>Cancel</h3>
        <input
          aria-label="Cancel reason"
          placeholder="Reason (optional)"
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
          disabled={!cancellable}
        />
        <button type="submit" class="danger" disabled={!cancellable || cancel.busy}>
          Cancel objective
        </button>
        {cancel.status}
      </form>

      <div>
        <h3>Compact</h3>
        <p class="muted small">Summarise the context into a new window now.</p>
        <button
          disabled={!open || compact.busy}
          onClick={async () =>
            (await compact.run(
              () => api.post(ws(`/objectives/${id}/compact`), {}),
              'Compaction requested.',
            )) && onDone()
          }
        >
          Compact
        </button>
        {compact.status}
      </div>

      <form
        aria-label="Feedback"
        onSubmit={async (e) => {
          e.preventDefault()
          const ok = await feedback.run(
            () =>
              api.post(ws(`/objectives/${id}/feedback`), {
                data: { score: Number(score), comment },
              }),
            'Feedback recorded: it steers which variation runs next.',
          )
          if (ok) setComment('')
        }}
      >
        <h3>Feedback</h3>
        <label>
          Score <output>{Number(score).toFixed(1)}</output>
          <input
            type="range"
            min="-1"
            max="1"
            step="0.1"
            value={score}
            aria-label="Score"
            onInput={(e) => setScore(e.currentTarget.value)}
          />
        </label>
        <textarea
          aria-label="Comment"
          rows={2}
          placeholder="Comment (optional)"
          value={comment}
          onInput={(e) => setComment(e.currentTarget.value)}
        />
        <button type="submit" disabled={feedback.busy}>
          Send feedback
        </button>
        {feedback.status}
      </form>
    </div>
  )
}
