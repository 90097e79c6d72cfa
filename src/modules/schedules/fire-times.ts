/**
 * When a schedule fires: its calendars and intervals compiled once, then asked for the first fire
 * time after an instant. Pure (no clock, no database): the scheduler passes "now" in.
 *
 * Time zones come from luxon's IANAZone (the ICU time-zone data Node ships, via Intl), used only
 * for one thing: the zone's UTC offset at an instant. Wall-clock arithmetic is done here on plain
 * civil dates, so the DST rules are ours and explicit (docs/decisions.md, schedules):
 * - a local time the zone skips that day (spring forward) does not fire that day;
 * - a local time the zone repeats (fall back) fires once, at its first occurrence.
 * Intervals are absolute (every N seconds since the Unix epoch, plus offset) and ignore the zone.
 */
import { IANAZone } from 'luxon'
import type { FieldViolation } from '../../lib/errors.ts'

export interface Range {
  start: number
  end?: number
  step?: number
}

export interface CalendarSpec {
  second?: Range[]
  minute?: Range[]
  hour?: Range[]
  dayOfMonth?: Range[]
  month?: Range[]
  dayOfWeek?: Range[]
  comment?: string
}

export interface IntervalSpec {
  every: string
  offset?: string
}

export interface ScheduleSpec {
  calendars?: CalendarSpec[]
  intervals?: IntervalSpec[]
  timezone: string
}

/** How far ahead a schedule must have a fire time to be accepted, and how far a search looks. */
export const HORIZON_YEARS = 5
const SECOND = 1000
const DAY = 86_400_000
const HORIZON_MS = (HORIZON_YEARS * 366 + 1) * DAY
export const MIN_INTERVAL_MS = SECOND

/**
 * A schedule that cannot be compiled: each violation names its field under `schedule` (`''`:
 * the schedule as a whole).
 */
export class ScheduleSpecError extends Error {
  constructor(readonly violations: FieldViolation[]) {
    super(violations.map((v) => `${v.field} ${v.description}`).join('; '))
  }
}

type Field = 'second' | 'minute' | 'hour' | 'dayOfMonth' | 'month' | 'dayOfWeek'

/** Bounds of each calendar field, and what an empty field means (second/minute/hour: 0). */
const FIELDS: { name: Field; min: number; max: number; emptyIsZero: boolean }[] = [
  { name: 'second', min: 0, max: 59, emptyIsZero: true },
  { name: 'minute', min: 0, max: 59, emptyIsZero: true },
  { name: 'hour', min: 0, max: 23, emptyIsZero: true },
  { name: 'dayOfMonth', min: 1, max: 31, emptyIsZero: false },
  { name: 'month', min: 1, max: 12, emptyIsZero: false },
  // 0 = Sunday, as JavaScript's getUTCDay.
  { name: 'dayOfWeek', min: 0, max: 6, emptyIsZero: false },
]

interface CompiledCalendar {
  seconds: number[]
  minutes: number[]
  hours: number[]
  dayOfMonth: boolean[]
  month: boolean[]
  dayOfWeek: boolean[]
}

interface CompiledInterval {
  everyMs: number
  offsetMs: number
}

/** Wall-clock fields of a civil date-time (no zone). */
interface Wall {
  y: number
  mo: number
  d: number
  h: number
  mi: number
  s: number
}

function expandField(
  ranges: Range[] | undefined,
  f: (typeof FIELDS)[number],
  path: string,
  errors: FieldViolation[],
): number[] {
  if (!ranges || ranges.length === 0) {
    if (f.emptyIsZero) return [0]
    return Array.from({ length: f.max - f.min + 1 }, (_, i) => f.min + i)
  }
  const values = new Set<number>()
  ranges.forEach((r, i) => {
    const at = `${path}.${f.name}.${i}`
    const start = r.start ?? 0
    // Proto3 JSON omits zeros: an absent or 0 end is "end = start", as the API defines.
    const end = r.end === undefined || r.end === 0 ? start : r.end
    const step = r.step === undefined || r.step === 0 ? 1 : r.step
    const bad = (field: string, description: string) =>
      errors.push({ field: `${at}.${field}`, description })
    if (!Number.isInteger(start) || start < f.min || start > f.max) {
      return bad('start', `must be an integer from ${f.min} to ${f.max}`)
    }
    if (!Number.isInteger(end) || end < f.min || end > f.max) {
      return bad('end', `must be an integer from ${f.min} to ${f.max}`)
    }
    if (end < start) return bad('end', `must not be before start (${start})`)
    if (!Number.isInteger(step) || step < 1) return bad('step', 'must be a positive integer')
    for (let v = start; v <= end; v += step) values.add(v)
  })
  return [...values].sort((a, b) => a - b)
}

function mask(values: number[], size: number): boolean[] {
  const m = new Array<boolean>(size).fill(false)
  for (const v of values) m[v] = true
  return m
}

function compileCalendar(
  cal: CalendarSpec,
  path: string,
  errors: FieldViolation[],
): CompiledCalendar {
  const [seconds, minutes, hours, dom, month, dow] = FIELDS.map((f) =>
    expandField(cal[f.name], f, path, errors),
  ) as number[][]
  return {
    seconds: seconds!,
    minutes: minutes!,
    hours: hours!,
    dayOfMonth: mask(dom!, 32),
    month: mask(month!, 13),
    dayOfWeek: mask(dow!, 7),
  }
}

/** A proto3 JSON Duration ("3600s", "1.5s") in milliseconds, or undefined when malformed. */
export function parseDuration(value: string): number | undefined {
  const m = /^(\d{1,12})(?:\.(\d{1,9}))?s$/.exec(value.trim())
  if (!m) return undefined
  const fraction = (m[2] ?? '').padEnd(3, '0').slice(0, 3)
  return Number(m[1]) * SECOND + Number(fraction)
}

function compileInterval(
  iv: IntervalSpec,
  path: string,
  errors: FieldViolation[],
): CompiledInterval | undefined {
  const everyMs = parseDuration(iv.every ?? '')
  if (everyMs === undefined) {
    errors.push({ field: `${path}.every`, description: 'must be a duration like "3600s"' })
    return undefined
  }
  if (everyMs < MIN_INTERVAL_MS) {
    errors.push({ field: `${path}.every`, description: 'must be at least 1s' })
    return undefined
  }
  const offsetMs = iv.offset ? parseDuration(iv.offset) : 0
  if (offsetMs === undefined || offsetMs >= everyMs) {
    errors.push({
      field: `${path}.offset`,
      description: 'must be a duration like "60s", shorter than every',
    })
    return undefined
  }
  return { everyMs, offsetMs }
}

function wallOfUtcMs(ms: number): Wall {
  const t = new Date(ms)
  return {
    y: t.getUTCFullYear(),
    mo: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    h: t.getUTCHours(),
    mi: t.getUTCMinutes(),
    s: t.getUTCSeconds(),
  }
}

const wallMs = (w: Wall) => Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s)

/** The first time of day at or after h:mi:s the calendar allows, if any. */
function timeAtOrAfter(c: CompiledCalendar, h: number, mi: number, s: number) {
  for (const H of c.hours) {
    if (H < h) continue
    for (const M of c.minutes) {
      if (H === h && M < mi) continue
      for (const S of c.seconds) {
        if (H === h && M === mi && S < s) continue
        return { h: H, mi: M, s: S }
      }
    }
  }
  return undefined
}

/** The first wall-clock time at or after `from` the calendar matches, up to `limitMs` (wall). */
function wallMatchAtOrAfter(c: CompiledCalendar, from: Wall, limitMs: number): Wall | undefined {
  let dayMs = Date.UTC(from.y, from.mo - 1, from.d)
  let first = true
  while (dayMs <= limitMs) {
    const day = new Date(dayMs)
    const y = day.getUTCFullYear()
    const mo = day.getUTCMonth() + 1
    const d = day.getUTCDate()
    if (!c.month[mo]) {
      dayMs = Date.UTC(y, mo, 1)
      first = false
      continue
    }
    if (c.dayOfMonth[d] && c.dayOfWeek[day.getUTCDay()]) {
      const time = first ? timeAtOrAfter(c, from.h, from.mi, from.s) : timeAtOrAfter(c, 0, 0, 0)
      if (time) return { y, mo, d, ...time }
    }
    dayMs += DAY
    first = false
  }
  return undefined
}

/**
 * The first instant whose local time in `zone` is the wall time `w` (given as UTC-ms of its
 * fields): none in a spring-forward gap, the earlier of two in a fall-back fold.
 */
function firstInstantOf(zone: IANAZone, w: number): number | undefined {
  let best: number | undefined
  for (const probe of [w - DAY, w, w + DAY]) {
    const offset = zone.offset(probe)
    const t = w - offset * 60_000
    if (zone.offset(t) === offset && (best === undefined || t < best)) best = t
  }
  return best
}

export class CompiledSchedule {
  private constructor(
    private readonly zone: IANAZone,
    private readonly calendars: CompiledCalendar[],
    private readonly intervals: CompiledInterval[],
  ) {}

  /**
   * Compiles a schedule, or throws ScheduleSpecError naming each bad field. `now` is only used to
   * refuse a schedule with no fire time in the next HORIZON_YEARS (Feb 30, an interval of 6 years).
   */
  static compile(spec: ScheduleSpec, now?: number): CompiledSchedule {
    const errors: FieldViolation[] = []
    if (!spec.timezone || !IANAZone.isValidZone(spec.timezone)) {
      errors.push({
        field: 'timezone',
        description: `must be an IANA time zone such as "Europe/Paris"${spec.timezone ? `, not ${JSON.stringify(spec.timezone)}` : ''}`,
      })
    }
    const calendars = (spec.calendars ?? []).map((c, i) =>
      compileCalendar(c, `calendars.${i}`, errors),
    )
    const intervals = (spec.intervals ?? [])
      .map((iv, i) => compileInterval(iv, `intervals.${i}`, errors))
      .filter((iv): iv is CompiledInterval => !!iv)
    if (!spec.calendars?.length && !spec.intervals?.length) {
      errors.push({ field: 'calendars', description: 'a schedule needs a calendar or an interval' })
    }
    if (errors.length) throw new ScheduleSpecError(errors)
    const compiled = new CompiledSchedule(IANAZone.create(spec.timezone), calendars, intervals)
    if (now !== undefined && compiled.nextAfter(now) === undefined) {
      throw new ScheduleSpecError([
        { field: '', description: `has no fire time in the next ${HORIZON_YEARS} years` },
      ])
    }
    return compiled
  }

  /** The first fire time strictly after `afterMs` (whole seconds), or undefined within the horizon. */
  nextAfter(afterMs: number): number | undefined {
    let best: number | undefined
    for (const iv of this.intervals) {
      const k = Math.floor((afterMs - iv.offsetMs) / iv.everyMs) + 1
      const t = iv.offsetMs + k * iv.everyMs
      if (t - afterMs <= HORIZON_MS && (best === undefined || t < best)) best = t
    }
    for (const c of this.calendars) {
      const t = this.nextCalendar(c, afterMs, best)
      if (t !== undefined && (best === undefined || t < best)) best = t
    }
    return best
  }

  private nextCalendar(
    c: CompiledCalendar,
    afterMs: number,
    before: number | undefined,
  ): number | undefined {
    const startMs = Math.floor(afterMs / SECOND) * SECOND + SECOND
    let from = wallOfUtcMs(startMs + this.zone.offset(startMs) * 60_000)
    const limit = wallMs(from) + HORIZON_MS
    for (;;) {
      const w = wallMatchAtOrAfter(c, from, limit)
      if (!w) return undefined
      const local = wallMs(w)
      const t = firstInstantOf(this.zone, local)
      if (t !== undefined && t > afterMs) return t
      // Past an earlier rule's answer: nothing later in this calendar can win.
      if (before !== undefined && local - 14 * 3_600_000 > before) return undefined
      from = wallOfUtcMs(local + SECOND)
    }
  }

  /**
   * The latest fire time at or before `nowMs`, starting from a due fire `dueMs`, and how many fire
   * times before it were passed over (capped at `cap`): catch-up runs only the latest.
   */
  latestDue(
    dueMs: number,
    nowMs: number,
    cap = 10_000,
  ): { fireAt: number; missed: number; firstMissed?: Date; lastMissed?: Date } {
    let fireAt = dueMs
    let missed = 0
    for (;;) {
      const next = this.nextAfter(fireAt)
      if (next === undefined || next > nowMs) break
      fireAt = next
      missed++
      // A long downtime: stop counting one by one and jump to the latest.
      if (missed >= cap) {
        fireAt = this.latestAtOrBefore(fireAt, nowMs)
        break
      }
    }
    if (missed === 0) return { fireAt, missed }
    // The last passed-over fire is the one before the latest (found from a second back).
    const before = this.latestAtOrBefore(dueMs, fireAt - 1)
    return { fireAt, missed, firstMissed: new Date(dueMs), lastMissed: new Date(before) }
  }

  /** The last fire time in [floorMs, nowMs], found by widening a window back from `nowMs`. */
  private latestAtOrBefore(floorMs: number, nowMs: number): number {
    for (let w = SECOND; ; w *= 2) {
      const lo = Math.max(floorMs, nowMs - w)
      let t = this.nextAfter(lo)
      if (t !== undefined && t <= nowMs) {
        for (;;) {
          const n = this.nextAfter(t)
          if (n === undefined || n > nowMs) return t
          t = n
        }
      }
      if (lo === floorMs) return floorMs
    }
  }
}
