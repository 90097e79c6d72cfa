/** `sortie schedules list`: each schedule with its next fire time, in its own zone and in UTC. */
import { DateTime } from 'luxon'
import type { Client } from './client.ts'

interface Schedule {
  metadata: { id: string; name: string }
  spec: { status: string; schedule: { timezone: string }; initialMessage: string }
  info?: { nextFireAt?: string; totalFires: number; agent: { id: string } }
}

interface Page {
  items: Schedule[]
  pagination: { nextCursor: string }
}

/** When the next fire is, as its zone's clock reads it and in UTC. */
function nextFire(s: Schedule): string {
  const at = s.info?.nextFireAt
  if (!at) return 'next: none'
  const local = DateTime.fromISO(at, { zone: s.spec.schedule.timezone })
  return `next: ${local.toFormat('ccc yyyy-MM-dd HH:mm:ss')} ${s.spec.schedule.timezone} (${at})`
}

export function formatSchedule(s: Schedule): string {
  const status = s.spec.status.replace('AGENT_SCHEDULE_STATUS_', '').toLowerCase()
  return [
    s.metadata.id,
    s.metadata.name ? `"${s.metadata.name}"` : '',
    `agent ${s.info?.agent.id ?? '?'}`,
    status,
    nextFire(s),
    `fires: ${s.info?.totalFires ?? 0}`,
  ]
    .filter(Boolean)
    .join('  ')
}

/** Prints every schedule of `agent` (or of every agent), page by page; resolves with the count. */
export async function listSchedules(
  client: Client,
  opts: { agent?: string; write: (line: string) => void },
): Promise<number> {
  const agent = encodeURIComponent(opts.agent ?? '-')
  let cursor = ''
  let count = 0
  do {
    const page = await client<Page>(
      'GET',
      `/v1/agents/${agent}/schedules?includeInfo=true&limit=500&cursor=${encodeURIComponent(cursor)}`,
    )
    for (const s of page.items) opts.write(formatSchedule(s))
    count += page.items.length
    cursor = page.pagination.nextCursor
  } while (cursor)
  if (count === 0) opts.write('no schedules')
  return count
}
