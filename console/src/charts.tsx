/** Plain-SVG charts: a line chart with axes and a legend. Enough for posteriors and metrics. */

/** Tick labels for a time axis: the time of day when the span is under a day, else the date. */
export function timeTicks(series: Series[]): (x: number) => string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]))
  const span = xs.length ? Math.max(...xs) - Math.min(...xs) : 0
  return span < 86_400_000
    ? (x) => new Date(x).toLocaleTimeString(undefined, { hour12: false })
    : (x) => new Date(x).toLocaleDateString()
}

export interface Series {
  name: string
  color: string
  points: [number, number][]
}

interface Props {
  series: Series[]
  title: string
  xLabel: string
  yLabel: string
  xFormat?: (x: number) => string
  yFormat?: (y: number) => string
  yMin?: number
  yMax?: number
  /** Steps between points (a value holds until the next one), as metric histories do. */
  step?: boolean
  height?: number
}

const W = 640
const PAD = { l: 48, r: 12, t: 12, b: 34 }

export function LineChart(p: Props) {
  const H = p.height ?? 240
  const pts = p.series.flatMap((s) => s.points)
  if (!pts.length) return <p class="muted">No data yet for “{p.title}”.</p>
  let x0 = Math.min(...pts.map((q) => q[0]))
  let x1 = Math.max(...pts.map((q) => q[0]))
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1]
  const y0 = p.yMin ?? Math.min(0, ...pts.map((q) => q[1]))
  let y1 = p.yMax ?? Math.max(...pts.map((q) => q[1]))
  if (y1 <= y0) y1 = y0 + 1
  const sx = (x: number) => PAD.l + ((x - x0) / (x1 - x0)) * (W - PAD.l - PAD.r)
  const sy = (y: number) => H - PAD.b - ((y - y0) / (y1 - y0)) * (H - PAD.t - PAD.b)
  const fx = p.xFormat ?? ((x: number) => x.toFixed(2))
  const fy = p.yFormat ?? ((y: number) => (Math.abs(y) >= 100 ? y.toFixed(0) : y.toFixed(2)))
  const ticks = [0, 0.25, 0.5, 0.75, 1]
  const path = (s: Series) =>
    s.points
      .map((q, i) => {
        const prev = s.points[i - 1]
        const step = p.step && prev ? `L${sx(q[0]).toFixed(1)},${sy(prev[1]).toFixed(1)}` : ''
        return `${i ? step + 'L' : 'M'}${sx(q[0]).toFixed(1)},${sy(q[1]).toFixed(1)}`
      })
      .join('')
  return (
    <figure class="chart">
      <div class="chart-title">{p.title}</div>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={p.title}>
        <title>{p.title}</title>
        {ticks.map((t) => {
          const y = y0 + t * (y1 - y0)
          return (
            <g key={`y${t}`}>
              <line x1={PAD.l} x2={W - PAD.r} y1={sy(y)} y2={sy(y)} class="grid" />
              <text x={PAD.l - 6} y={sy(y) + 4} text-anchor="end" class="tick">
                {fy(y)}
              </text>
            </g>
          )
        })}
        {ticks.map((t) => {
          const x = x0 + t * (x1 - x0)
          return (
            <text
              key={`x${t}`}
              x={sx(x)}
              y={H - PAD.b + 16}
              text-anchor={t === 0 ? 'start' : t === 1 ? 'end' : 'middle'}
              class="tick"
            >
              {fx(x)}
            </text>
          )
        })}
        <text x={(W + PAD.l) / 2} y={H - 4} text-anchor="middle" class="axis-label">
          {p.xLabel}
        </text>
        {p.series.map((s) => (
          <g key={s.name}>
            <path d={path(s)} fill="none" stroke={s.color} stroke-width="2" />
            {s.points.length === 1 && (
              <circle cx={sx(s.points[0][0])} cy={sy(s.points[0][1])} r="3" fill={s.color} />
            )}
          </g>
        ))}
      </svg>
      <figcaption>
        <span class="muted">{p.yLabel}</span>
        {p.series.map((s) => (
          <span key={s.name} class="legend">
            <i style={{ background: s.color }} />
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  )
}
