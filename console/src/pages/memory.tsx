import { useState } from 'preact/hooks'
import { api, listAll, ws } from '../api.ts'
import { enumLabel, num, time } from '../format.ts'
import { useLoad } from '../hooks.ts'

/** Memory layers (docs/api.md section 3.11): each layer's entries, and an entry's body on demand. */
export function MemoryPage() {
  const layers = useLoad(() => listAll(ws('/memory_layers'), { includeInfo: 'true' }), [])
  const [open, setOpen] = useState<string | undefined>()
  const items: any[] = layers.data ?? []
  return (
    <section>
      <h1>Memory layers</h1>
      {layers.error && <p class="error">{layers.error}</p>}
      {!items.length && !layers.loading && !layers.error ? (
        <p class="muted">No memory layers.</p>
      ) : (
        <table class="list memory-layers">
          <thead>
            <tr>
              <th>Layer</th>
              <th>Type</th>
              <th class="num">Entries</th>
              <th>Last used</th>
            </tr>
          </thead>
          <tbody>
            {items.map((l) => (
              <tr key={l.metadata.id} data-layer-id={l.metadata.id}>
                <td data-label="Layer">
                  <button
                    class="link"
                    aria-expanded={open === l.metadata.id}
                    onClick={() => setOpen(open === l.metadata.id ? undefined : l.metadata.id)}
                  >
                    {l.metadata.name || l.metadata.id}
                  </button>
                  {l.spec.description && <div class="muted small">{l.spec.description}</div>}
                </td>
                <td data-label="Type">
                  <span class="badge">{enumLabel(l.spec.type ?? '', 'MEMORY_LAYER_TYPE_')}</span>
                </td>
                <td data-label="Entries" class="num">
                  {num(l.info?.entryCount ?? 0)}
                </td>
                <td data-label="Last used">{l.info?.lastUsedAt ? time(l.info.lastUsedAt) : '-'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && <Entries key={open} layerId={open} />}
    </section>
  )
}

function Entries({ layerId }: { layerId: string }) {
  const entries = useLoad(
    () => listAll(ws(`/memory_layers/${encodeURIComponent(layerId)}/entries`)),
    [layerId],
  )
  const [body, setBody] = useState<{ id: string; content: string } | undefined>()
  const show = async (id: string) => {
    const detail = await api.get<any>(
      ws(`/memory_layers/${encodeURIComponent(layerId)}/entries/${encodeURIComponent(id)}`),
    )
    setBody({ id, content: detail.content })
  }
  const items: any[] = entries.data ?? []
  return (
    <section class="memory-entries">
      <h2>Entries</h2>
      {entries.error && <p class="error">{entries.error}</p>}
      {!items.length && !entries.loading ? <p class="muted">No entries.</p> : null}
      <ul class="entries">
        {items.map((e) => (
          <li key={e.metadata.id} data-entry-key={e.spec.key}>
            <button class="link" onClick={() => void show(e.metadata.id)}>
              <code>{e.spec.key}</code>
            </button>
            {e.spec.title && <strong> {e.spec.title}</strong>}
            {e.spec.description && <div class="muted small">{e.spec.description}</div>}
            {body && body.id === e.metadata.id && <pre class="entry-content">{body.content}</pre>}
          </li>
        ))}
      </ul>
    </section>
  )
}
