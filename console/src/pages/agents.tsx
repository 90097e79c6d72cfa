import { listAll, ws } from '../api.ts'
import { enumLabel, num, time } from '../format.ts'
import { useLoad } from '../hooks.ts'
import { Link } from '../router.ts'

export function AgentsPage() {
  const agents = useLoad(() => listAll(ws('/agents'), { includeInfo: 'true' }), [])
  return (
    <section>
      <h1>Agents</h1>
      {agents.error && (
        <p class="error" role="alert">
          {agents.error}
        </p>
      )}
      <table class="list">
        <thead>
          <tr>
            <th>Agent</th>
            <th>Status</th>
            <th>Selection</th>
            <th class="num">Variations</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {(agents.data ?? []).map((a: any) => (
            <tr key={a.metadata.id}>
              <td data-label="Agent">
                <Link href={`/agents/${a.metadata.id}`}>{a.metadata.name}</Link>
                {a.spec.description && <div class="muted small">{a.spec.description}</div>}
              </td>
              <td data-label="Status">{enumLabel(a.spec.status, 'AGENT_STATUS_')}</td>
              <td data-label="Selection">
                {enumLabel(
                  a.spec.variationSelectionMode || 'thompson',
                  'VARIATION_SELECTION_MODE_',
                )}
              </td>
              <td data-label="Variations" class="num">
                {num(a.info?.variationCount)}
              </td>
              <td data-label="Created">{time(a.metadata.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!agents.loading && !agents.data?.length && (
        <p class="muted">No agents yet: create one through the API (POST /v1/agents).</p>
      )}
    </section>
  )
}
