import { api, listAll, ws } from '../api.ts'
import { LineChart, timeTicks, type Series } from '../charts.tsx'
import { PALETTE, enumLabel, num, pct, time } from '../format.ts'
import { useLoad, useTick } from '../hooks.ts'
import { Link } from '../router.ts'

/** Goals (docs/compat.md section 1): what agents work toward, with their metrics. */
export function GoalsPage() {
  const goals = useLoad(() => listAll(ws('/goals')), [])
  return (
    <section>
      <h1>Goals</h1>
      {goals.error && (
        <p class="error" role="alert">
          {goals.error}
        </p>
      )}
      <table class="list">
        <thead>
          <tr>
            <th>Goal</th>
            <th>Status</th>
            <th class="num">Objectives</th>
            <th class="num">Finalized</th>
            <th class="num">Mean feedback</th>
          </tr>
        </thead>
        <tbody>
          {(goals.data ?? []).map((g: any) => (
            <tr key={g.metadata.id}>
              <td data-label="Goal">
                <Link href={`/goals/${g.metadata.id}`}>{g.metadata.name}</Link>
                {g.spec.description && <div class="muted small">{g.spec.description}</div>}
              </td>
              <td data-label="Status">{enumLabel(g.spec.status, 'GOAL_STATUS_')}</td>
              <td data-label="Objectives" class="num">
                {num(g.info?.metrics?.objectivesTotal)}
              </td>
              <td data-label="Finalized" class="num">
                {num(g.info?.metrics?.objectivesFinalized)}
              </td>
              <td data-label="Mean feedback" class="num">
                {g.info?.metrics?.meanFeedbackScore?.toFixed?.(2) ?? '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!goals.loading && !goals.data?.length && <p class="muted">No goals yet.</p>}
    </section>
  )
}

export function GoalPage({ id }: { id: string }) {
  const goal = useLoad(() => api.get(ws(`/goals/${id}`)), [id])
  const history = useLoad(() => listAll(ws(`/goals/${id}/metrics`), { sortOrder: 'asc' }), [id])
  const now = useTick(10_000)
  const g = goal.data
  if (goal.error && !g)
    return (
      <p class="error" role="alert">
        {goal.error}
      </p>
    )
  if (!g) return <p class="loading">Loading…</p>
  const m = g.info?.metrics ?? {}
  // One series per numeric metric key; booleans plot as 0/1; a removal (null) ends the series.
  const byKey = new Map<string, [number, number][]>()
  for (const row of history.data ?? []) {
    const v = typeof row.value === 'boolean' ? Number(row.value) : row.value
    if (typeof v !== 'number') continue
    const pts = byKey.get(row.key) ?? []
    pts.push([Date.parse(row.createdAt), v])
    byKey.set(row.key, pts)
  }
  // A value holds until the next one: each line reaches now, unless the metric was removed.
  const current = new Set((g.spec.metrics ?? []).map((x: any) => x.key))
  for (const [key, pts] of byKey) if (current.has(key)) pts.push([now, pts[pts.length - 1][1]])
  const series: Series[] = [...byKey].map(([name, points], i) => ({
    name,
    points,
    color: PALETTE[i % PALETTE.length],
  }))
  return (
    <div class="goal">
      <h1>{g.metadata.name}</h1>
      <dl class="facts">
        <dt>Status</dt>
        <dd>{enumLabel(g.spec.status, 'GOAL_STATUS_')}</dd>
        {g.spec.description && (
          <>
            <dt>Description</dt>
            <dd>{g.spec.description}</dd>
          </>
        )}
        <dt>Agents</dt>
        <dd>
          {(g.info?.agents ?? []).map((a: any) => (
            <Link key={a.id} href={`/agents/${a.id}`}>
              {a.name}{' '}
            </Link>
          ))}
          {!g.info?.agents?.length && '—'}
        </dd>
        <dt>Objectives</dt>
        <dd>
          {num(m.objectivesTotal)} ({num(m.objectivesFinalized)} finalized,{' '}
          {num(m.objectivesFailed)} failed)
        </dd>
        <dt>Fields collected</dt>
        <dd>{typeof m.fieldsCollectedRate === 'number' ? pct(m.fieldsCollectedRate) : '—'}</dd>
        <dt>Mean feedback</dt>
        <dd>{typeof m.meanFeedbackScore === 'number' ? m.meanFeedbackScore.toFixed(2) : '—'}</dd>
      </dl>
      <h2>Metrics</h2>
      <table class="list">
        <thead>
          <tr>
            <th>Metric</th>
            <th>Value</th>
          </tr>
        </thead>
        <tbody>
          {(g.spec.metrics ?? []).map((x: any) => (
            <tr key={x.key}>
              <td data-label="Metric">{x.key}</td>
              <td data-label="Value">{String(x.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <LineChart
        title="Metrics history"
        xLabel="time"
        yLabel="value"
        step
        xFormat={timeTicks(series)}
        series={series}
      />
      <h2>History</h2>
      <table class="list">
        <thead>
          <tr>
            <th>When</th>
            <th>Metric</th>
            <th>Value</th>
          </tr>
        </thead>
        <tbody>
          {[...(history.data ?? [])].reverse().map((row: any) => (
            <tr key={row.id}>
              <td data-label="When">{time(row.createdAt)}</td>
              <td data-label="Metric">{row.key}</td>
              <td data-label="Value">{row.value === null ? 'removed' : String(row.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {g.spec.fields?.length > 0 && (
        <>
          <h2>Fields</h2>
          <ul>
            {g.spec.fields.map((f: any) => (
              <li key={f.key}>
                <code>{f.key}</code> ({f.type}
                {f.required ? ', required' : ''}) {f.label ?? ''}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  )
}
