import { useState } from 'preact/hooks'
import { api, listAll, ws } from '../api.ts'
import { STATES, age, num, stateLabel } from '../format.ts'
import { useDebounced, useLoad, useTick, useWorkspaceEvents } from '../hooks.ts'
import { Link, navigate } from '../router.ts'

const PAGE = 25

/** Objectives of the workspace, newest first, live, with filters and cursor paging. */
export function ObjectivesPage() {
  const [agentId, setAgentId] = useState(
    () => new URLSearchParams(location.search).get('agentId') ?? '',
  )
  const [state, setState] = useState('')
  const [labels, setLabels] = useState('')
  // Cursors of the pages before this one: "previous" pops, "next" pushes.
  const [cursors, setCursors] = useState<string[]>([])
  const [cursor, setCursor] = useState('')
  const now = useTick(5000)

  const agents = useLoad(() => listAll(ws('/agents')), [])
  const page = useLoad(
    () =>
      api.list(ws('/objectives'), {
        limit: String(PAGE),
        sortOrder: 'desc',
        includeInfo: 'true',
        agentId,
        state,
        labels: labels.trim(),
        cursor,
      }),
    [agentId, state, labels, cursor],
  )
  const refresh = useDebounced(() => void page.reload(), 400)
  useWorkspaceEvents(ws('/objectives/events/stream'), refresh)

  const setFilter = (fn: () => void) => {
    fn()
    setCursors([])
    setCursor('')
  }
  const items = page.data?.items ?? []
  return (
    <section>
      <div class="title-row">
        <h1>Objectives</h1>
        <button onClick={() => navigate('/launch')}>New objective</button>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          Agent
          <select
            value={agentId}
            onChange={(e) => setFilter(() => setAgentId(e.currentTarget.value))}
          >
            <option value="">All agents</option>
            {(agents.data ?? []).map((a: any) => (
              <option key={a.metadata.id} value={a.metadata.id}>
                {a.metadata.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          State
          <select value={state} onChange={(e) => setFilter(() => setState(e.currentTarget.value))}>
            <option value="">All states</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {stateLabel(s)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Labels
          <input
            placeholder="team=support,env=prod"
            value={labels}
            onChange={(e) => setFilter(() => setLabels(e.currentTarget.value))}
          />
        </label>
      </form>
      {page.error && (
        <p class="error" role="alert">
          {page.error}
        </p>
      )}
      <table class="list objectives">
        <thead>
          <tr>
            <th>Objective</th>
            <th>State</th>
            <th>Agent</th>
            <th>Variation</th>
            <th class="num">Tokens in / out</th>
            <th class="num">Age</th>
          </tr>
        </thead>
        <tbody>
          {items.map((o: any) => (
            <tr key={o.metadata.id} data-objective-id={o.metadata.id}>
              <td data-label="Objective">
                <Link href={`/objectives/${o.metadata.id}`}>{summary(o)}</Link>
                <div class="muted mono small">{o.metadata.id}</div>
              </td>
              <td data-label="State">
                <StateBadge state={o.status.state} />
              </td>
              <td data-label="Agent">
                {o.info?.agent ? (
                  <Link href={`/agents/${o.info.agent.id}`}>{o.info.agent.name}</Link>
                ) : (
                  '—'
                )}
              </td>
              <td data-label="Variation">{o.info?.agentVariation?.name ?? '—'}</td>
              <td data-label="Tokens" class="num">
                {num(o.info?.totalInputTokens)} / {num(o.info?.totalOutputTokens)}
              </td>
              <td data-label="Age" class="num" title={o.metadata.createdAt}>
                {age(o.metadata.createdAt, now)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!page.loading && !items.length && !page.error && (
        <p class="muted">No objectives match. Launch one from an agent.</p>
      )}
      <div class="pager">
        <span class="muted">{page.data ? `${num(page.data.pagination.total)} in all` : ''}</span>
        <button
          disabled={!cursors.length}
          onClick={() => {
            const prev = [...cursors]
            setCursor(prev.pop() ?? '')
            setCursors(prev)
          }}
        >
          Previous
        </button>
        <button
          disabled={!page.data?.pagination.nextCursor}
          onClick={() => {
            setCursors([...cursors, cursor])
            setCursor(page.data!.pagination.nextCursor)
          }}
        >
          Next
        </button>
      </div>
    </section>
  )
}

function summary(o: any): string {
  const text = o.data.initialMessage || o.metadata.externalId || o.metadata.id
  return text.length > 90 ? `${text.slice(0, 90)}…` : text
}

export function StateBadge({ state, reason }: { state: string; reason?: string }) {
  return (
    <span class={`badge ${state.toLowerCase()}`} data-state={state}>
      {stateLabel(state)}
      {reason ? ` (${reason})` : ''}
    </span>
  )
}
