import { listAll, ws } from '../api.ts'
import { enumLabel, num, time, until } from '../format.ts'
import { useEffect } from 'preact/hooks'
import { useLoad, useTick } from '../hooks.ts'
import { Link } from '../router.ts'

/** When a schedule fires, in words: its intervals and calendar comments, and its time zone. */
function cadence(spec: any): string {
  const parts: string[] = []
  for (const i of spec?.schedule?.intervals ?? []) {
    parts.push(`every ${i.every}${i.offset ? ` (offset ${i.offset})` : ''}`)
  }
  for (const c of spec?.schedule?.calendars ?? []) parts.push(c.comment || 'calendar')
  return `${parts.join(', ') || 'never'} · ${spec?.schedule?.timezone ?? 'UTC'}`
}

/**
 * Agent schedules (the objectives a schedule launches carry its id): next and last fire times.
 * `agentId` "-" lists the schedules of every agent.
 */
export function Schedules({ agentId, title = 'Schedules' }: { agentId: string; title?: string }) {
  const now = useTick(5000)
  const list = useLoad(
    () => listAll(ws(`/agents/${encodeURIComponent(agentId)}/schedules`), { includeInfo: 'true' }),
    [agentId],
  )
  // A schedule names its agent by id only.
  const agents = useLoad(
    () => (agentId === '-' ? listAll(ws('/agents')) : Promise.resolve([])),
    [agentId],
  )
  const agentName = new Map((agents.data ?? []).map((a: any) => [a.metadata.id, a.metadata.name]))
  const items: any[] = list.data ?? []
  // A schedule that fires meanwhile shows its new times on the next tick.
  useEffect(() => {
    if (items.some((s) => s.info?.nextFireAt && Date.parse(s.info.nextFireAt) < now)) {
      void list.reload()
    }
  }, [now])
  return (
    <section>
      {agentId === '-' ? <h1>{title}</h1> : <h2>{title}</h2>}
      {list.error && <p class="error">{list.error}</p>}
      {!items.length && !list.loading && !list.error ? (
        <p class="muted">No schedules.</p>
      ) : (
        <table class="list schedules">
          <thead>
            <tr>
              <th>Schedule</th>
              {agentId === '-' && <th>Agent</th>}
              <th>Status</th>
              <th>Next fire</th>
              <th>Last fire</th>
              <th class="num">Fires</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.metadata.id} data-schedule-id={s.metadata.id}>
                <td data-label="Schedule">
                  {s.metadata.name || s.metadata.id}
                  <div class="muted small">{cadence(s.spec)}</div>
                  <div class="small">{s.spec.initialMessage}</div>
                </td>
                {agentId === '-' && (
                  <td data-label="Agent">
                    <Link href={`/agents/${s.info?.agent?.id}`}>
                      {agentName.get(s.info?.agent?.id) ?? s.info?.agent?.name ?? s.info?.agent?.id}
                    </Link>
                  </td>
                )}
                <td data-label="Status">
                  <span class="badge">
                    {enumLabel(s.spec.status || 'active', 'AGENT_SCHEDULE_STATUS_')}
                  </span>
                  {s.info?.lastSkipReason && (
                    <div class="muted small">
                      skipped {time(s.info.lastSkippedAt)}: {s.info.lastSkipReason}
                    </div>
                  )}
                </td>
                <td data-label="Next fire" class="next-fire">
                  {s.info?.nextFireAt ? (
                    <>
                      {time(s.info.nextFireAt)}
                      <div class="muted small">{until(s.info.nextFireAt, now)}</div>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td data-label="Last fire">
                  {s.info?.lastFireAt ? time(s.info.lastFireAt) : '—'}
                  {s.info?.lastObjectiveId && (
                    <div class="small">
                      <Link href={`/objectives/${s.info.lastObjectiveId}`}>
                        {s.info.lastObjectiveId}
                      </Link>
                    </div>
                  )}
                </td>
                <td data-label="Fires" class="num">
                  {num(s.info?.totalFires)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

export function SchedulesPage() {
  return <Schedules agentId="-" />
}
