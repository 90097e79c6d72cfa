import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { freePort } from './support/database.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

/** The server's clock: tests move it and tick the scheduler, nothing sleeps. */
const clock = {
  ms: Date.parse('2026-03-27T09:00:00Z'), // a Friday, 10:00 in Paris
  now: () => new Date(clock.ms),
  set: (iso: string) => (clock.ms = Date.parse(iso)),
}

let t: TestSortie
let agentId: string
let ws: string

before(async () => {
  // No engine: fired objectives stay PENDING, which is what the overlap tests need. The model
  // only has to resolve at creation; nothing calls it.
  t = await startTestSortie(
    { OPENAI_API_KEY: 'unused', OPENAI_BASE_URL: 'http://127.0.0.1:9' },
    { clock, scheduler: true },
  )
  ws = `/v1/workspaces/${t.workspaceId}`
  agentId = await newAgent('scheduled')
})
after(() => t?.sortie.stop())

async function newAgent(name: string, spec: Record<string, unknown> = {}): Promise<string> {
  const res = await t.api('POST', '/v1/agents', {
    metadata: { name },
    spec,
    defaultVariation: {
      metadata: { name: 'default' },
      spec: { prompt: 'You run on a schedule.', modelConfig: { modelId: 'openai/gpt-4.1-mini' } },
    },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.metadata.id
}

async function createSchedule(spec: Record<string, unknown>, agent = agentId) {
  const res = await t.api('POST', `/v1/agents/${agent}/schedules`, {
    metadata: { name: 'nightly' },
    spec: { initialMessage: 'Run the report', ...spec },
  })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

const everyMinute = (extra: Record<string, unknown> = {}) => ({
  schedule: { intervals: [{ every: '60s' }], timezone: 'UTC' },
  ...extra,
})

async function getSchedule(id: string, agent = agentId) {
  const res = await t.api('GET', `/v1/agents/${agent}/schedules/${id}`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

async function objectivesOf(scheduleId: string): Promise<any[]> {
  const res = await t.api(
    'GET',
    `${ws}/objectives?agentScheduleId=${scheduleId}&limit=500&sortOrder=asc`,
  )
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.items
}

const tick = () => t.sortie.scheduler!.tick()

describe('schedule API', () => {
  it('a weekday 09:00 Europe/Paris calendar reports its next fire in that zone, with the defaults filled in', async () => {
    clock.set('2026-03-27T09:00:00Z')
    const created = await createSchedule({
      schedule: {
        calendars: [
          { hour: [{ start: 9 }], dayOfWeek: [{ start: 1, end: 5 }], comment: 'weekdays' },
        ],
        timezone: 'Europe/Paris',
      },
    })
    assert.match(created.metadata.id, /^as_/)
    assert.equal(created.spec.status, 'AGENT_SCHEDULE_STATUS_ACTIVE')
    assert.equal(created.spec.overlapPolicy, 'OVERLAP_POLICY_SKIP')
    // Monday 30 March, 09:00 CEST (DST began on the Sunday).
    assert.equal(created.info.nextFireAt, '2026-03-30T07:00:00.000Z')
    assert.equal(created.info.totalFires, 0)
    assert.equal(created.info.lastObjectiveId, '')
    const inWorkspace = await t.api(
      'GET',
      `${ws}/agents/${agentId}/schedules/${created.metadata.id}`,
    )
    assert.deepEqual(inWorkspace.body, created)
  })

  it('an impossible or malformed schedule is 400 naming the field, and nothing is created', async () => {
    const typed = await newAgent('typed', {
      inputDataSchema: {
        type: 'object',
        properties: { region: { type: 'string' } },
        required: ['region'],
      },
    })
    const other = await newAgent('other')
    const otherVariation = (await t.api('GET', `/v1/agents/${other}/variations`)).body.items[0]
    const before = (await t.api('GET', `/v1/agents/${typed}/schedules`)).body.pagination.total
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        { schedule: { intervals: [{ every: '60s' }], timezone: 'Mars/Olympus' } },
        'spec.schedule.timezone',
        /IANA/,
      ],
      [{ schedule: { intervals: [{ every: '60s' }] } }, 'spec.schedule.timezone', /required/],
      [
        { schedule: { calendars: [{ hour: [{ start: 24 }] }], timezone: 'UTC' } },
        'spec.schedule.calendars.0.hour.0.start',
        /0 to 23/,
      ],
      [
        {
          schedule: { calendars: [{ minute: [{ start: 0, end: 59, step: -5 }] }], timezone: 'UTC' },
        },
        'spec.schedule.calendars.0.minute.0.step',
        /positive/,
      ],
      [
        { schedule: { intervals: [{ every: '0.5s' }], timezone: 'UTC' } },
        'spec.schedule.intervals.0.every',
        /at least 1s/,
      ],
      [
        {
          schedule: {
            calendars: [{ dayOfMonth: [{ start: 30 }], month: [{ start: 2 }] }],
            timezone: 'UTC',
          },
        },
        'spec.schedule',
        /next 5 years/,
      ],
      [{ schedule: { timezone: 'UTC' } }, 'spec.schedule.calendars', /calendar or an interval/],
      [{ ...everyMinute(), data: { region: 7 } }, 'spec.data.region', /string/],
      [{ ...everyMinute() }, 'spec.data.region', /required/],
      [
        { ...everyMinute(), data: { region: 'eu' }, variationId: otherVariation.metadata.id },
        'spec.variationId',
        /not a variation/,
      ],
      [
        { ...everyMinute(), data: { region: 'eu' }, initialMessage: '  ' },
        'spec.initialMessage',
        /required/,
      ],
      [
        { ...everyMinute(), data: { region: 'eu' }, overlapPolicy: 'SOMETIMES' },
        'spec.overlapPolicy',
        /./,
      ],
    ]
    for (const [spec, field, description] of cases) {
      const res = await t.api('POST', `/v1/agents/${typed}/schedules`, {
        spec: { initialMessage: 'go', ...spec },
      })
      assert.equal(res.status, 400, `${field}: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.code, 3)
      const violation = res.body.details[0].fieldViolations.find((v: any) => v.field === field)
      assert.ok(violation, `${field} in ${JSON.stringify(res.body)}`)
      assert.match(violation.description, description)
    }
    const after = (await t.api('GET', `/v1/agents/${typed}/schedules`)).body.pagination.total
    assert.equal(after, before)
    const ok = await t.api('POST', `/v1/agents/${typed}/schedules`, {
      spec: { initialMessage: 'go', ...everyMinute(), data: { region: 'eu' } },
    })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
  })

  it('a key that may write agents but not create objectives cannot make a schedule that fires (403)', async () => {
    const key = await t.api('POST', '/v1/api_keys', {
      metadata: { name: 'agents only' },
      spec: { permissions: ['agents:write'] },
    })
    assert.equal(key.status, 200, JSON.stringify(key.body))
    const token = key.body.spec.token
    const before = (await t.api('GET', `/v1/agents/${agentId}/schedules`)).body.pagination.total
    const denied = await t.api(
      'POST',
      `/v1/agents/${agentId}/schedules`,
      { spec: { initialMessage: 'go', ...everyMinute() } },
      { token },
    )
    assert.equal(denied.status, 403, JSON.stringify(denied.body))
    assert.equal(denied.body.code, 7)
    assert.match(denied.body.message, /objectives:write/)
    // A paused one creates nothing, so agents:write is enough; resuming it is not.
    const paused = await t.api(
      'POST',
      `/v1/agents/${agentId}/schedules`,
      {
        spec: { initialMessage: 'go', ...everyMinute(), status: 'AGENT_SCHEDULE_STATUS_PAUSED' },
      },
      { token },
    )
    assert.equal(paused.status, 200, JSON.stringify(paused.body))
    const resume = await t.api(
      'POST',
      `/v1/agents/${agentId}/schedules/${paused.body.metadata.id}:resume`,
      {},
      { token },
    )
    assert.equal(resume.status, 403)
    const after = await t.api('GET', `/v1/agents/${agentId}/schedules/${paused.body.metadata.id}`)
    assert.equal(after.body.spec.status, 'AGENT_SCHEDULE_STATUS_PAUSED')
    assert.equal(
      (await t.api('GET', `/v1/agents/${agentId}/schedules`)).body.pagination.total,
      before + 1,
    )
  })

  it('updateMask replaces only the named fields and a new schedule moves the next fire', async () => {
    clock.set('2026-05-01T10:00:30Z')
    const s = await createSchedule(everyMinute())
    assert.equal(s.info.nextFireAt, '2026-05-01T10:01:00.000Z')
    const res = await t.api('PATCH', `/v1/agents/${agentId}/schedules/${s.metadata.id}`, {
      metadata: { name: 'ignored: not in the mask' },
      spec: {
        initialMessage: 'ignored too',
        schedule: { intervals: [{ every: '3600s' }], timezone: 'UTC' },
      },
      updateMask: 'spec.schedule',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.metadata.name, 'nightly')
    assert.equal(res.body.spec.initialMessage, 'Run the report')
    assert.equal(res.body.info.nextFireAt, '2026-05-01T11:00:00.000Z')
    const bad = await t.api('PATCH', `/v1/agents/${agentId}/schedules/${s.metadata.id}`, {
      spec: { schedule: { intervals: [{ every: '1ms' }], timezone: 'UTC' } },
      updateMask: 'spec.schedule',
    })
    assert.equal(bad.status, 400)
    // A mask naming the schedule with none in the body would clear it: refused, not a 500.
    const cleared = await t.api('PATCH', `/v1/agents/${agentId}/schedules/${s.metadata.id}`, {
      updateMask: 'spec.schedule',
    })
    assert.equal(cleared.status, 400, JSON.stringify(cleared.body))
    assert.equal(cleared.body.details[0].fieldViolations[0].field, 'spec.schedule')
    assert.equal((await getSchedule(s.metadata.id)).info.nextFireAt, '2026-05-01T11:00:00.000Z')
  })

  it('lists page with a cursor in either order, show info on request, and "-" lists every agent', async () => {
    const agent = await newAgent('paged')
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await createSchedule(everyMinute(), agent)).metadata.id)
    const first = await t.api('GET', `/v1/agents/${agent}/schedules?limit=2&sortOrder=desc`)
    assert.deepEqual(
      first.body.items.map((s: any) => s.metadata.id),
      [ids[2], ids[1]],
    )
    assert.equal(first.body.items[0].info, undefined)
    assert.equal(first.body.pagination.total, 3)
    const cursor = first.body.pagination.nextCursor
    const second = await t.api(
      'GET',
      `${ws}/agents/${agent}/schedules?limit=2&sortOrder=desc&includeInfo=true&cursor=${cursor}`,
    )
    assert.deepEqual(
      second.body.items.map((s: any) => s.metadata.id),
      [ids[0]],
    )
    assert.ok(second.body.items[0].info.nextFireAt)
    assert.equal(second.body.pagination.nextCursor, '')
    const all = await t.api('GET', '/v1/agents/-/schedules?limit=500&includeInfo=true')
    const agents = new Set(all.body.items.map((s: any) => s.info.agent.id))
    assert.ok(agents.has(agent) && agents.has(agentId), JSON.stringify([...agents]))
  })

  it('delete removes the schedule; the objectives it created stay', async () => {
    clock.set('2026-05-01T10:00:30Z')
    const s = await createSchedule(everyMinute({ overlapPolicy: 'OVERLAP_POLICY_ALLOW' }))
    clock.set('2026-05-01T10:01:00Z')
    await tick()
    const del = await t.api('DELETE', `/v1/agents/${agentId}/schedules/${s.metadata.id}`)
    assert.equal(del.status, 200)
    const gone = await t.api('GET', `/v1/agents/${agentId}/schedules/${s.metadata.id}`)
    assert.equal(gone.status, 404)
    assert.equal((await objectivesOf(s.metadata.id)).length, 1)
  })
})

describe('firing', () => {
  it('each fire time creates one objective with sourceScheduleId and configSnapshot.agentSchedule, found by agentScheduleId', async () => {
    clock.set('2026-05-01T10:00:30Z')
    const s = await createSchedule(
      everyMinute({ overlapPolicy: 'OVERLAP_POLICY_ALLOW', data: { region: 'eu' } }),
    )
    const id = s.metadata.id
    await tick()
    assert.equal((await objectivesOf(id)).length, 0, 'nothing is due before the first fire time')
    clock.set('2026-05-01T10:01:00Z')
    await tick()
    await tick()
    assert.equal((await objectivesOf(id)).length, 1, 'a fire time fires once')
    clock.set('2026-05-01T10:02:10Z')
    await tick()
    const objectives = await objectivesOf(id)
    assert.equal(objectives.length, 2)
    for (const o of objectives) {
      assert.equal(o.data.sourceScheduleId, id)
      assert.equal(o.data.initialMessage, 'Run the report')
      assert.deepEqual(o.data.data, { region: 'eu' })
      assert.equal(o.configSnapshot.agentSchedule.metadata.id, id)
      assert.equal(o.configSnapshot.agent.metadata.id, agentId)
    }
    const info = (await getSchedule(id)).info
    assert.equal(info.totalFires, 2)
    assert.equal(info.lastFireAt, '2026-05-01T10:02:00.000Z')
    assert.equal(info.lastObjectiveId, objectives[1].metadata.id)
    assert.equal(info.nextFireAt, '2026-05-01T10:03:00.000Z')
    // Objectives not made by this schedule are not in its list.
    const direct = await t.api('POST', '/v1/objectives', {
      agentId,
      data: { initialMessage: 'by hand' },
    })
    assert.equal(direct.body.data.sourceScheduleId, '')
    assert.equal((await objectivesOf(id)).length, 2)
  })

  it('SKIP records a fire while the previous objective is pending as skipped; ALLOW runs it', async () => {
    clock.set('2026-05-02T10:00:30Z')
    const skip = (await createSchedule(everyMinute())).metadata.id
    const allow = (await createSchedule(everyMinute({ overlapPolicy: 'OVERLAP_POLICY_ALLOW' })))
      .metadata.id
    clock.set('2026-05-02T10:01:00Z')
    await tick()
    clock.set('2026-05-02T10:02:00Z')
    await tick()
    assert.equal((await objectivesOf(skip)).length, 1)
    assert.equal((await objectivesOf(allow)).length, 2)
    const info = (await getSchedule(skip)).info
    assert.equal(info.totalFires, 1)
    assert.equal(info.lastSkippedAt, '2026-05-02T10:02:00.000Z')
    assert.match(info.lastSkipReason, /SKIP.*still running/)
    // Once the previous objective is over, the next fire runs.
    const [previous] = await objectivesOf(skip)
    const cancel = await t.api('POST', `${ws}/objectives/${previous.metadata.id}:cancel`, {})
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body))
    clock.set('2026-05-02T10:03:00Z')
    await tick()
    assert.equal((await objectivesOf(skip)).length, 2)
    assert.equal((await getSchedule(skip)).info.totalFires, 2)
  })

  it('paused and archived schedules never fire; resume starts from now without a burst', async () => {
    clock.set('2026-05-03T10:00:30Z')
    const id = (await createSchedule(everyMinute({ overlapPolicy: 'OVERLAP_POLICY_ALLOW' })))
      .metadata.id
    const paused = await t.api('POST', `${ws}/agents/${agentId}/schedules/${id}:pause`, {})
    assert.equal(paused.status, 200, JSON.stringify(paused.body))
    assert.equal(paused.body.spec.status, 'AGENT_SCHEDULE_STATUS_PAUSED')
    assert.equal(paused.body.info.nextFireAt, undefined)
    clock.set('2026-05-03T10:30:00Z')
    await tick()
    assert.equal((await objectivesOf(id)).length, 0)
    const resumed = await t.api('POST', `/v1/agents/${agentId}/schedules/${id}:resume`, {})
    assert.equal(resumed.body.spec.status, 'AGENT_SCHEDULE_STATUS_ACTIVE')
    assert.equal(resumed.body.info.nextFireAt, '2026-05-03T10:31:00.000Z')
    await tick()
    assert.equal(
      (await objectivesOf(id)).length,
      0,
      'the fire times missed while paused do not run',
    )
    clock.set('2026-05-03T10:31:00Z')
    await tick()
    assert.equal((await objectivesOf(id)).length, 1)
    const archived = await t.api('POST', `/v1/agents/${agentId}/schedules/${id}/archive`, {})
    assert.equal(archived.body.spec.status, 'AGENT_SCHEDULE_STATUS_ARCHIVED')
    clock.set('2026-05-03T11:00:00Z')
    await tick()
    const again = await t.api('POST', `/v1/agents/${agentId}/schedules/${id}:resume`, {})
    assert.equal(again.status, 400)
    assert.equal(again.body.code, 9)
    const viaUpdate = await t.api('PATCH', `/v1/agents/${agentId}/schedules/${id}`, {
      spec: { status: 'AGENT_SCHEDULE_STATUS_ACTIVE' },
      updateMask: 'spec.status',
    })
    assert.equal(viaUpdate.status, 400)
    assert.equal((await objectivesOf(id)).length, 1)
  })

  it('after downtime only the latest missed fire runs and the others are counted as skipped', async () => {
    clock.set('2026-05-04T10:00:30Z')
    const id = (await createSchedule(everyMinute())).metadata.id
    // The server was "down" from 10:00:30 to 10:10:05: ten fire times passed.
    clock.set('2026-05-04T10:10:05Z')
    await tick()
    const objectives = await objectivesOf(id)
    assert.equal(objectives.length, 1)
    const info = (await getSchedule(id)).info
    assert.equal(info.lastFireAt, '2026-05-04T10:10:00.000Z')
    assert.equal(info.lastSkippedAt, '2026-05-04T10:09:00.000Z')
    assert.match(info.lastSkipReason, /^9 fire times .*only the latest ran/)
    assert.equal(info.nextFireAt, '2026-05-04T10:11:00.000Z')
  })

  it('a fire whose objective cannot be created is skipped with the reason and the schedule goes on', async () => {
    clock.set('2026-05-05T10:00:30Z')
    const agent = await newAgent('fragile')
    const variation = (await t.api('GET', `/v1/agents/${agent}/variations`)).body.items[0]
    const id = (await createSchedule(everyMinute({ variationId: variation.metadata.id }), agent))
      .metadata.id
    await t.api('DELETE', `/v1/agents/${agent}/variations/${variation.metadata.id}`)
    clock.set('2026-05-05T10:01:00Z')
    await tick()
    const info = (await getSchedule(id, agent)).info
    assert.equal(info.totalFires, 0)
    assert.match(info.lastSkipReason, /could not be created: variation/)
    assert.equal(info.nextFireAt, '2026-05-05T10:02:00.000Z')
  })
})

describe('fire times through the API', () => {
  /** Follows a schedule through `n` fires, moving the clock to each nextFireAt in turn. */
  async function fireTimes(spec: Record<string, unknown>, from: string, n: number) {
    clock.set(from)
    const id = (await createSchedule({ schedule: spec, overlapPolicy: 'OVERLAP_POLICY_ALLOW' }))
      .metadata.id
    const seen: string[] = []
    for (let i = 0; i < n; i++) {
      const next = (await getSchedule(id)).info.nextFireAt
      clock.set(next)
      await tick()
      const info = (await getSchedule(id)).info
      assert.equal(info.lastFireAt, next)
      seen.push(next)
    }
    assert.equal((await objectivesOf(id)).length, n)
    return seen
  }

  it('a step range on minutes, every hour of weekends only', async () => {
    const spec = {
      calendars: [
        {
          minute: [{ start: 0, end: 59, step: 20 }],
          hour: [{ start: 0, end: 23 }],
          dayOfWeek: [{ start: 0 }, { start: 6 }],
        },
      ],
      timezone: 'UTC',
    }
    // Friday 8 May 2026 23:30 UTC.
    assert.deepEqual(await fireTimes(spec, '2026-05-08T23:30:00Z', 4), [
      '2026-05-09T00:00:00.000Z',
      '2026-05-09T00:20:00.000Z',
      '2026-05-09T00:40:00.000Z',
      '2026-05-09T01:00:00.000Z',
    ])
  })

  it('the 1st and 15th at 06:00 America/New_York', async () => {
    const spec = {
      calendars: [{ hour: [{ start: 6 }], dayOfMonth: [{ start: 1 }, { start: 15 }] }],
      timezone: 'America/New_York',
    }
    assert.deepEqual(await fireTimes(spec, '2026-02-20T00:00:00Z', 3), [
      '2026-03-01T11:00:00.000Z', // EST
      '2026-03-15T10:00:00.000Z', // EDT
      '2026-04-01T10:00:00.000Z',
    ])
  })

  it('daily 02:30 skips the spring-forward day and fires once on the fall-back day (Paris, New York)', async () => {
    const daily = (timezone: string) => ({
      calendars: [{ hour: [{ start: 2 }], minute: [{ start: 30 }] }],
      timezone,
    })
    assert.deepEqual(await fireTimes(daily('Europe/Paris'), '2026-03-27T12:00:00Z', 3), [
      '2026-03-28T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ])
    assert.deepEqual(await fireTimes(daily('Europe/Paris'), '2026-10-24T12:00:00Z', 2), [
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ])
    assert.deepEqual(await fireTimes(daily('America/New_York'), '2026-03-07T12:00:00Z', 2), [
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ])
    const oneThirty = {
      calendars: [{ hour: [{ start: 1 }], minute: [{ start: 30 }] }],
      timezone: 'America/New_York',
    }
    assert.deepEqual(await fireTimes(oneThirty, '2026-10-31T12:00:00Z', 2), [
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ])
  })
})

describe('sortie schedules list', () => {
  function runCli(url: string, args: string[]): Promise<{ code: number; stdout: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['bin/sortie.js', 'schedules', 'list', ...args], {
        env: { ...process.env, SORTIE_URL: url, SORTIE_TOKEN: t.token },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let stdout = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.on('exit', (code) => resolve({ code: code ?? -1, stdout }))
    })
  }

  it('prints each schedule with its next fire time in its zone, for one agent or all', async () => {
    const port = await freePort()
    await t.sortie.listen('127.0.0.1', port)
    const url = `http://127.0.0.1:${port}`
    clock.set('2026-03-27T09:00:00Z')
    const agent = await newAgent('listed')
    const id = (
      await createSchedule(
        {
          schedule: {
            calendars: [{ hour: [{ start: 9 }], dayOfWeek: [{ start: 1, end: 5 }] }],
            timezone: 'Europe/Paris',
          },
        },
        agent,
      )
    ).metadata.id
    const one = await runCli(url, ['--agent', agent])
    assert.equal(one.code, 0)
    const lines = one.stdout.trim().split('\n')
    assert.equal(lines.length, 1, one.stdout)
    assert.match(lines[0]!, new RegExp(`^${id} `))
    assert.match(
      lines[0]!,
      /active {2}next: Mon 2026-03-30 09:00:00 Europe\/Paris \(2026-03-30T07:00:00.000Z\)/,
    )
    const all = await runCli(url, [])
    assert.equal(all.code, 0)
    assert.ok(all.stdout.includes(id) && all.stdout.includes(`agent ${agentId}`), all.stdout)
  })
})
