import { useEffect, useState } from 'preact/hooks'
import { ApiError, api, listAll, ws } from '../api.ts'
import { useLoad } from '../hooks.ts'
import { navigate } from '../router.ts'
import {
  SchemaForm,
  initialValues,
  propertiesOf,
  toData,
  type FieldState,
} from '../schema-form.tsx'

/** Launches an objective: an agent, an initial message, and input data from its schema. */
export function LaunchPage({ agentId: fixed }: { agentId?: string }) {
  const agents = useLoad(() => listAll(ws('/agents')), [])
  const [agentId, setAgentId] = useState(fixed ?? '')
  const agent = (agents.data ?? []).find((a: any) => a.metadata.id === agentId)
  const schema = agent?.spec?.inputDataSchema
  const [values, setValues] = useState<FieldState>({})
  const [message, setMessage] = useState('')
  const [labels, setLabels] = useState('')
  const [error, setError] = useState('')
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({})
  const [busy, setBusy] = useState(false)

  useEffect(() => setValues(initialValues(schema)), [agentId, schema])
  useEffect(() => {
    if (!agentId && agents.data?.length === 1) setAgentId(agents.data[0].metadata.id)
  }, [agents.data, agentId])

  return (
    <section class="launch">
      <h1>New objective</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault()
          setError('')
          setFieldErrors({})
          let data: Record<string, unknown>
          try {
            data = toData(schema, values)
          } catch (err) {
            setError((err as Error).message)
            return
          }
          const labelMap: Record<string, string> = {}
          for (const pair of labels
            .split(',')
            .map((p) => p.trim())
            .filter(Boolean)) {
            const [k, ...v] = pair.split('=')
            labelMap[k.trim()] = v.join('=').trim()
          }
          setBusy(true)
          try {
            const created = await api.post(ws('/objectives'), {
              agentId,
              data: { initialMessage: message, ...(propertiesOf(schema).length ? { data } : {}) },
              metadata: { labels: labelMap },
            })
            navigate(`/objectives/${created.metadata.id}`)
          } catch (err) {
            if (err instanceof ApiError) {
              setError(err.message)
              setFieldErrors(
                Object.fromEntries(err.violations.map((v) => [v.field, v.description])),
              )
            } else setError(String(err))
          } finally {
            setBusy(false)
          }
        }}
      >
        <div class="field">
          <label for="launch-agent">Agent</label>
          <select
            id="launch-agent"
            value={agentId}
            onChange={(e) => setAgentId(e.currentTarget.value)}
            required
          >
            <option value="">Choose an agent</option>
            {(agents.data ?? []).map((a: any) => (
              <option key={a.metadata.id} value={a.metadata.id}>
                {a.metadata.name}
              </option>
            ))}
          </select>
          {agent?.spec?.description && <small class="muted">{agent.spec.description}</small>}
        </div>
        <div class="field">
          <label for="launch-message">Initial message</label>
          <textarea
            id="launch-message"
            rows={4}
            value={message}
            onInput={(e) => setMessage(e.currentTarget.value)}
            placeholder="What should the agent do?"
          />
        </div>
        {propertiesOf(schema).length > 0 && (
          <SchemaForm schema={schema} values={values} onChange={setValues} errors={fieldErrors} />
        )}
        <div class="field">
          <label for="launch-labels">Labels</label>
          <input
            id="launch-labels"
            placeholder="team=support,env=prod"
            value={labels}
            onInput={(e) => setLabels(e.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={!agentId || busy}>
          {busy ? 'Launching…' : 'Launch'}
        </button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {Object.entries(fieldErrors).length > 0 && (
          <ul class="error">
            {Object.entries(fieldErrors).map(([f, d]) => (
              <li key={f}>
                <code>{f}</code>: {d}
              </li>
            ))}
          </ul>
        )}
      </form>
    </section>
  )
}
