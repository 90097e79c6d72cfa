/** Display helpers shared by the pages. */

export const SUPER_TERMINAL = ['STATE_FINALIZED', 'STATE_CANCELLED', 'STATE_TIMED_OUT']

/** Internal states as the workspace family serves them (docs/api.md section 5.3). */
export const STATES = [
  'STATE_PENDING',
  'STATE_RUNNING',
  'STATE_WAITING',
  'STATE_FINALIZED',
  'STATE_FAILED',
  'STATE_CANCELLED',
  'STATE_TIMED_OUT',
]

export function stateLabel(state: string | undefined): string {
  return (state ?? '')
    .replace(/^STATE_/, '')
    .replace(/_/g, ' ')
    .toLowerCase()
}

export function enumLabel(value: string | undefined, prefix: string): string {
  return (value ?? '').replace(prefix, '').replace(/_/g, ' ').toLowerCase()
}

export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return ''
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m`
  if (s < 86400) return `${Math.floor(s / 3600)}h`
  return `${Math.floor(s / 86400)}d`
}

/** How long until `iso` ("in 5m"), or "due" once it has passed. */
export function until(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now
  if (ms <= 0) return 'due'
  return `in ${age(new Date(now - ms).toISOString(), now)}`
}

export function time(iso: string | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  return d.toLocaleString(undefined, { hour12: false })
}

export function num(n: number | undefined): string {
  return (n ?? 0).toLocaleString('en-US')
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(x >= 0.995 || x < 0.005 ? 0 : 1)}%`
}

export function pretty(value: unknown): string {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2)
    } catch {
      return value
    }
  }
  return JSON.stringify(value, null, 2)
}

/** Distinct colours for variations and metric series, readable on white. */
export const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2']
