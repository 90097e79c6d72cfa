import { useMemo, useState } from 'preact/hooks'
import { ApiError, api, listAll, ws } from '../api.ts'
import { LineChart, timeTicks } from '../charts.tsx'
import { PALETTE, enumLabel, num, pct, pretty, time } from '../format.ts'
import { useDebounced, useLoad, useTick, useWorkspaceEvents } from '../hooks.ts'
import { Link, navigate } from '../router.ts'
import { Schedules } from './schedules.tsx'
import { betaDensity, posteriorHistory, posteriorOf, winProbabilities } from '../thompson.ts'

export function AgentPage({ id }: { id: string }) {
  const agent = useLoad(() => api.get(ws(`/agents/${id}`)), [id])
  const variations = useLoad(
    () => listAll(ws(`/agents/${id}/variations`), { includeInfo: 'true' }),
    [id],
  )
  const feedback = useLoad(
    () => listAll(ws(`/agents/${id}/feedback`), { sortOrder: 'asc', includeInfo: 'true' }),
    [id],
  )
  const refresh = useDebounced(() => {
    void variations.reload()
    void feedback.reload()
  }, 1000)
  // Feedback arrives through the API, not as events; the agent's events are a cheap clock.
  useWorkspaceEvents(ws(`/objectives/events/stream?agentId=${encodeURIComponent(id)}`), refresh)

  const a = agent.data
  const vs: any[] = variations.data ?? []
  const posteriors = vs.map((v) => posteriorOf(v.info?.score ?? 0.5, v.info?.feedbackCount ?? 0))
  const wins = useMemo(() => winProbabilities(posteriors), [JSON.stringify(posteriors)])
  const weighted = a?.spec?.variationSelectionMode === 'VARIATION_SELECTION_MODE_WEIGHTED'

  if (agent.error && !a)
    return (
      <p class="error" role="alert">
        {agent.error}
      </p>
    )
  if (!a) return <p class="loading">Loading…</p>
  return (
    <div class="agent">
      <div class="title-row">
        <h1>{a.metadata.name}</h1>
        <button onClick={() => navigate(`/launch/${id}`)}>Launch objective</button>
      </div>
      <dl class="facts">
        <dt>Id</dt>
        <dd class="mono">{a.metadata.id}</dd>
        <dt>Status</dt>
        <dd>{enumLabel(a.spec.status, 'AGENT_STATUS_')}</dd>
        <dt>Selection</dt>
        <dd>{weighted ? 'weighted' : 'Thompson sampling on feedback'}</dd>
        {a.spec.description && (
          <>
            <dt>Description</dt>
            <dd>{a.spec.description}</dd>
          </>
        )}
        <dt>Objectives</dt>
        <dd>
          <Link href={`/?agentId=${a.metadata.id}`}>see the objectives list (filter by agent)</Link>
        </dd>
      </dl>

      <h2>Variations</h2>
      <div class="variations">
        {vs.map((v, i) => (
          <article class="variation" key={v.metadata.id} data-variation-id={v.metadata.id}>
            <h3>
              <i class="swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
              {v.metadata.name}
            </h3>
            <dl class="facts">
              <dt>Score</dt>
              <dd class="score" data-score={v.info?.score}>
                {(v.info?.score ?? 0).toFixed(3)}
              </dd>
              <dt>Feedback</dt>
              <dd class="feedback-count">{num(v.info?.feedbackCount)}</dd>
              <dt>{weighted ? 'Weight' : 'P(best)'}</dt>
              <dd>{weighted ? num(v.spec.weight) : pct(wins[i] ?? 0)}</dd>
              <dt>Model</dt>
              <dd class="mono">{v.spec.modelConfig?.modelId ?? 'workspace default'}</dd>
              <dt>Tools</dt>
              <dd>
                {(v.info?.assignments ?? [])
                  .map((x: any) => x.tool?.name ?? x.toolSet?.name ?? x.agent?.name ?? x.id)
                  .join(', ') || '—'}
              </dd>
              {v.spec.constraints && (
                <>
                  <dt>Limits</dt>
                  <dd class="mono small">{JSON.stringify(v.spec.constraints)}</dd>
                </>
              )}
            </dl>
            <details>
              <summary>Prompt</summary>
              <pre>{v.spec.prompt || '(none)'}</pre>
            </details>
          </article>
        ))}
      </div>

      <h2>Which variation is winning</h2>
      <p class="muted small">
        Each curve is a variation's Beta(α, β) posterior of its success rate: the peak is the best
        guess, the width is the doubt. More feedback narrows it.
      </p>
      <div class="charts">
        <LineChart
          title="Thompson posteriors"
          xLabel="success rate θ"
          yLabel="density"
          xFormat={(x) => x.toFixed(2)}
          series={vs.map((v, i) => ({
            name: `${v.metadata.name} Beta(${posteriors[i].alpha.toFixed(1)}, ${posteriors[i].beta.toFixed(1)})`,
            color: PALETTE[i % PALETTE.length],
            points: Array.from({ length: 99 }, (_, k) => {
              const x = (k + 1) / 100
              return [x, betaDensity(x, posteriors[i])] as [number, number]
            }),
          }))}
        />
        <ScoreHistory variations={vs} feedback={feedback.data ?? []} />
      </div>
      <Schedules agentId={id} />
      <Deliveries agentId={id} />
      <details>
        <summary>Agent spec (JSON)</summary>
        <pre>{pretty(a.spec)}</pre>
      </details>
    </div>
  )
}

/** The posterior mean of each variation after each feedback, replayed from the feedback list. */
function ScoreHistory({ variations, feedback }: { variations: any[]; feedback: any[] }) {
  const now = useTick(10_000)
  const series = variations.map((v, i) => {
    const mine = feedback.filter(
      (f) => f.info?.agentVariation?.id === v.metadata.id && typeof f.data.score === 'number',
    )
    const history = posteriorHistory(mine.map((f) => f.data.score))
    const start = Date.parse(v.metadata.createdAt)
    const points: [number, number][] = history.map((p, k) => [
      k === 0 ? start : Date.parse(mine[k - 1].metadata.createdAt),
      p.alpha / (p.alpha + p.beta),
    ])
    // The score holds until now: the line reaches the right edge.
    points.push([now, points[points.length - 1][1]])
    return { name: v.metadata.name, color: PALETTE[i % PALETTE.length], points }
  })
  return (
    <LineChart
      title="Score over time"
      xLabel="time"
      yLabel="score (posterior mean)"
      yMin={0}
      yMax={1}
      step
      xFormat={timeTicks(series)}
      series={series}
    />
  )
}

function Deliveries({ agentId }: { agentId: string }) {
  const [cursor, setCursor] = useState('')
  const page = useLoad(
    () =>
      api.list(ws(`/agents/${agentId}/webhook_deliveries`), {
        limit: '20',
        sortOrder: 'desc',
        cursor,
      }),
    [agentId, cursor],
  )
  const [error, setError] = useState('')
  const items: any[] = page.data?.items ?? []
  return (
    <section>
      <h2>Webhook deliveries</h2>
      {page.error && <p class="error">{page.error}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!items.length && !page.loading ? (
        <p class="muted">No deliveries (the agent has no webhook URL, or nothing happened yet).</p>
      ) : (
        <table class="list">
          <thead>
            <tr>
              <th>Event</th>
              <th>Status</th>
              <th class="num">Attempts</th>
              <th class="num">HTTP</th>
              <th class="num">Latency</th>
              <th>Last attempt</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.metadata.id}>
                <td data-label="Event">
                  {enumLabel(d.data.eventType, 'OBJECTIVE_EVENT_TYPE_')}
                  <div class="small">
                    <Link href={`/objectives/${d.data.objectiveId}`}>{d.data.objectiveId}</Link>
                  </div>
                </td>
                <td data-label="Status">
                  <span class="badge">{enumLabel(d.data.status, 'WEBHOOK_DELIVERY_STATUS_')}</span>
                  {d.data.errorMessage && <div class="error small">{d.data.errorMessage}</div>}
                </td>
                <td data-label="Attempts" class="num">
                  {d.data.attemptCount}
                </td>
                <td data-label="HTTP" class="num">
                  {d.data.httpStatusCode || '—'}
                </td>
                <td data-label="Latency" class="num">
                  {d.data.latencyMs} ms
                </td>
                <td data-label="Last attempt">{time(d.data.lastAttemptAt)}</td>
                <td>
                  <button
                    class="small"
                    onClick={async () => {
                      setError('')
                      try {
                        await api.post(
                          ws(`/agents/${agentId}/webhook_deliveries/${d.metadata.id}/redeliver`),
                        )
                        await page.reload()
                      } catch (err) {
                        setError(err instanceof ApiError ? err.message : String(err))
                      }
                    }}
                  >
                    Redeliver
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="pager" hidden={!items.length && !cursor}>
        <button disabled={!cursor} onClick={() => setCursor('')}>
          Newest
        </button>
        <button
          disabled={!page.data?.pagination.nextCursor}
          onClick={() => setCursor(page.data!.pagination.nextCursor)}
        >
          Older
        </button>
      </div>
    </section>
  )
}
