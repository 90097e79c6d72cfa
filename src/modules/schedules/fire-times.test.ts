import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CompiledSchedule, ScheduleSpecError, type ScheduleSpec } from './fire-times.ts'

const at = (iso: string) => Date.parse(iso)
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString())

/** The first `n` fire times after `from`, as ISO strings in UTC. */
function fires(spec: ScheduleSpec, from: string, n: number): (string | undefined)[] {
  const s = CompiledSchedule.compile(spec)
  const out: (string | undefined)[] = []
  let t = at(from)
  for (let i = 0; i < n; i++) {
    const next = s.nextAfter(t)
    out.push(iso(next))
    if (next === undefined) break
    t = next
  }
  return out
}

function violations(spec: ScheduleSpec): string[] {
  try {
    CompiledSchedule.compile(spec, at('2026-01-01T00:00:00Z'))
  } catch (err) {
    assert.ok(err instanceof ScheduleSpecError)
    return err.violations.map((v) => `${v.field}: ${v.description}`)
  }
  return []
}

const daily = (hour: number, minute: number, timezone: string): ScheduleSpec => ({
  calendars: [{ hour: [{ start: hour }], minute: [{ start: minute }] }],
  timezone,
})

describe('calendar fire times', () => {
  it('weekdays at 09:00 Europe/Paris skip the weekend and follow the zone offset', () => {
    const spec = {
      calendars: [{ hour: [{ start: 9 }], dayOfWeek: [{ start: 1, end: 5 }] }],
      timezone: 'Europe/Paris',
    }
    // Friday 27 March 2026, 10:00 in Paris (CET); DST starts on Sunday the 29th.
    assert.deepEqual(fires(spec, '2026-03-27T09:00:00Z', 2), [
      '2026-03-30T07:00:00.000Z', // Monday 09:00 CEST
      '2026-03-31T07:00:00.000Z',
    ])
  })

  it('a step range expands to every step-th value; empty seconds are 0', () => {
    const spec = {
      calendars: [{ minute: [{ start: 0, end: 59, step: 15 }], hour: [{ start: 0, end: 23 }] }],
      timezone: 'UTC',
    }
    assert.deepEqual(fires(spec, '2026-05-01T10:05:00Z', 4), [
      '2026-05-01T10:15:00.000Z',
      '2026-05-01T10:30:00.000Z',
      '2026-05-01T10:45:00.000Z',
      '2026-05-01T11:00:00.000Z',
    ])
  })

  it('day of month 31 only fires in months that have one; day of month and day of week both apply', () => {
    const spec = { calendars: [{ dayOfMonth: [{ start: 31 }] }], timezone: 'UTC' }
    assert.deepEqual(fires(spec, '2026-03-31T00:00:00Z', 2), [
      '2026-05-31T00:00:00.000Z',
      '2026-07-31T00:00:00.000Z',
    ])
    // Friday the 13th.
    const friday13 = {
      calendars: [{ dayOfMonth: [{ start: 13 }], dayOfWeek: [{ start: 5 }] }],
      timezone: 'UTC',
    }
    assert.deepEqual(fires(friday13, '2026-01-01T00:00:00Z', 2), [
      '2026-02-13T00:00:00.000Z',
      '2026-03-13T00:00:00.000Z',
    ])
  })

  it('rules are ORed and a time two rules share fires once', () => {
    const spec = {
      calendars: [{ hour: [{ start: 12 }] }, { hour: [{ start: 0, end: 23, step: 12 }] }],
      intervals: [{ every: '43200s' }],
      timezone: 'UTC',
    }
    assert.deepEqual(fires(spec, '2026-05-01T01:00:00Z', 3), [
      '2026-05-01T12:00:00.000Z',
      '2026-05-02T00:00:00.000Z',
      '2026-05-02T12:00:00.000Z',
    ])
  })
})

describe('DST', () => {
  it('Europe/Paris spring forward: 02:30 does not exist on 29 March and is skipped that day only', () => {
    assert.deepEqual(fires(daily(2, 30, 'Europe/Paris'), '2026-03-27T12:00:00Z', 3), [
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ])
  })

  it('Europe/Paris fall back: 02:30 happens twice on 25 October and fires once, the first time', () => {
    assert.deepEqual(fires(daily(2, 30, 'Europe/Paris'), '2026-10-24T12:00:00Z', 3), [
      '2026-10-25T00:30:00.000Z', // 02:30 CEST; 02:30 CET (01:30Z) does not fire
      '2026-10-26T01:30:00.000Z', // 02:30 CET
      '2026-10-27T01:30:00.000Z',
    ])
  })

  it('America/New_York spring forward and fall back (8 March, 1 November 2026)', () => {
    assert.deepEqual(fires(daily(2, 30, 'America/New_York'), '2026-03-06T12:00:00Z', 2), [
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-09T06:30:00.000Z', // 02:30 EDT; none on the 8th
    ])
    assert.deepEqual(fires(daily(1, 30, 'America/New_York'), '2026-10-31T12:00:00Z', 2), [
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; 01:30 EST (06:30Z) does not fire
      '2026-11-02T06:30:00.000Z',
    ])
  })

  it('an hourly calendar fires once in the repeated hour of a fall-back day', () => {
    const hourly = { calendars: [{ hour: [{ start: 0, end: 23 }] }], timezone: 'Europe/Paris' }
    assert.deepEqual(fires(hourly, '2026-10-24T23:30:00Z', 3), [
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T02:00:00.000Z', // 03:00 CET: 02:00 CET (01:00Z) was 02:00 already
      '2026-10-25T03:00:00.000Z',
    ])
  })

  it('a search starting inside the repeated hour does not fire its first occurrence again', () => {
    // 01:15Z is 02:15 CET, the second pass through 02:xx.
    assert.deepEqual(fires(daily(2, 30, 'Europe/Paris'), '2026-10-25T01:15:00Z', 1), [
      '2026-10-26T01:30:00.000Z',
    ])
  })
})

describe('interval fire times', () => {
  it('intervals count from the Unix epoch plus the offset, whatever the zone', () => {
    const spec = { intervals: [{ every: '3600s', offset: '60s' }], timezone: 'Asia/Kolkata' }
    assert.deepEqual(fires(spec, '2026-05-01T10:00:30Z', 2), [
      '2026-05-01T10:01:00.000Z',
      '2026-05-01T11:01:00.000Z',
    ])
  })

  it('catch-up keeps only the latest due fire and counts the ones passed over', () => {
    const s = CompiledSchedule.compile({ intervals: [{ every: '60s' }], timezone: 'UTC' })
    const due = at('2026-05-01T10:00:00Z')
    assert.deepEqual(s.latestDue(due, at('2026-05-01T10:05:30Z')), {
      fireAt: at('2026-05-01T10:05:00Z'),
      missed: 5,
      firstMissed: new Date('2026-05-01T10:00:00Z'),
      lastMissed: new Date('2026-05-01T10:04:00Z'),
    })
    assert.deepEqual(s.latestDue(due, at('2026-05-01T10:00:59Z')), { fireAt: due, missed: 0 })
    // Beyond the counting cap it still lands on the latest fire time.
    const capped = s.latestDue(due, at('2026-05-08T10:00:30Z'), 100)
    assert.equal(iso(capped.fireAt), '2026-05-08T10:00:00.000Z')
  })
})

describe('impossible schedules', () => {
  it('each bad field is named', () => {
    assert.deepEqual(violations({ calendars: [{}], timezone: 'Mars/Olympus' }), [
      'timezone: must be an IANA time zone such as "Europe/Paris", not "Mars/Olympus"',
    ])
    assert.deepEqual(
      violations({
        calendars: [{ hour: [{ start: 24 }], minute: [{ start: 10, end: 5 }] }],
        intervals: [{ every: '0.5s' }, { every: 'hourly' }, { every: '60s', offset: '60s' }],
        timezone: 'UTC',
      }),
      [
        'calendars.0.minute.0.end: must not be before start (10)',
        'calendars.0.hour.0.start: must be an integer from 0 to 23',
        'intervals.0.every: must be at least 1s',
        'intervals.1.every: must be a duration like "3600s"',
        'intervals.2.offset: must be a duration like "60s", shorter than every',
      ],
    )
    assert.deepEqual(violations({ timezone: 'UTC' }), [
      'calendars: a schedule needs a calendar or an interval',
    ])
  })

  it('a calendar that never matches within five years (30 February) is refused', () => {
    assert.deepEqual(
      violations({
        calendars: [{ dayOfMonth: [{ start: 30 }], month: [{ start: 2 }] }],
        timezone: 'UTC',
      }),
      [': has no fire time in the next 5 years'],
    )
  })
})
