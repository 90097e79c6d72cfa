/**
 * A form generated from an agent's `inputDataSchema` (JSON Schema): a field per top-level
 * property for strings, numbers, integers, booleans and enums; anything else (objects, arrays)
 * is a JSON text field. The server validates the result against the schema (docs/api.md
 * section 5.1), so the form only helps; it never decides.
 */

export interface FieldState {
  [key: string]: string | boolean
}

/**
 * The schema's properties, required ones first. The server keeps schemas as jsonb, which does
 * not keep the order properties were written in, so that order cannot be honoured.
 */
export function propertiesOf(schema: any): [string, any][] {
  if (!schema || typeof schema !== 'object' || typeof schema.properties !== 'object') return []
  const required = new Set(Array.isArray(schema.required) ? schema.required : [])
  const entries = Object.entries(schema.properties as Record<string, any>)
  return [...entries.filter(([k]) => required.has(k)), ...entries.filter(([k]) => !required.has(k))]
}

export function initialValues(schema: any): FieldState {
  const out: FieldState = {}
  for (const [key, prop] of propertiesOf(schema)) {
    if (prop?.type === 'boolean') out[key] = prop.default === true
    else if (prop?.default !== undefined) {
      out[key] = typeof prop.default === 'string' ? prop.default : JSON.stringify(prop.default)
    } else out[key] = ''
  }
  return out
}

/** Form values to the JSON object the API takes; throws a message for text that is not JSON. */
export function toData(schema: any, values: FieldState): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, prop] of propertiesOf(schema)) {
    const v = values[key]
    if (prop?.type === 'boolean') {
      out[key] = Boolean(v)
      continue
    }
    if (v === '' || v === undefined) continue
    const text = String(v)
    if (prop?.type === 'number' || prop?.type === 'integer') {
      out[key] = Number(text)
    } else if (prop?.type === 'string' || Array.isArray(prop?.enum)) {
      out[key] = text
    } else {
      try {
        out[key] = JSON.parse(text)
      } catch {
        throw new Error(`${key}: not valid JSON`)
      }
    }
  }
  return out
}

export function SchemaForm(props: {
  schema: any
  values: FieldState
  onChange: (values: FieldState) => void
  errors: Record<string, string>
}) {
  const required = new Set<string>(
    Array.isArray(props.schema?.required) ? props.schema.required : [],
  )
  const set = (key: string, value: string | boolean) =>
    props.onChange({ ...props.values, [key]: value })
  return (
    <fieldset class="schema-form">
      <legend>Input data</legend>
      {propertiesOf(props.schema).map(([key, prop]) => {
        const id = `input-${key}`
        const label = (
          <label for={id}>
            {prop?.title ?? key}
            {required.has(key) && <span aria-label="required"> *</span>}
          </label>
        )
        const help = prop?.description && <small class="muted">{prop.description}</small>
        const error = props.errors[`data.${key}`] ?? props.errors[key]
        let input
        if (prop?.type === 'boolean') {
          return (
            <div class="field" key={key}>
              <label class="check">
                <input
                  id={id}
                  type="checkbox"
                  checked={Boolean(props.values[key])}
                  onChange={(e) => set(key, e.currentTarget.checked)}
                />
                {prop?.title ?? key}
              </label>
              {help}
            </div>
          )
        } else if (Array.isArray(prop?.enum)) {
          input = (
            <select
              id={id}
              value={String(props.values[key])}
              onChange={(e) => set(key, e.currentTarget.value)}
            >
              <option value="">—</option>
              {prop.enum.map((v: unknown) => (
                <option key={String(v)} value={String(v)}>
                  {String(v)}
                </option>
              ))}
            </select>
          )
        } else if (prop?.type === 'number' || prop?.type === 'integer') {
          input = (
            <input
              id={id}
              type="number"
              step={prop.type === 'integer' ? '1' : 'any'}
              required={required.has(key)}
              value={String(props.values[key])}
              onInput={(e) => set(key, e.currentTarget.value)}
            />
          )
        } else if (prop?.type === 'string') {
          input = (
            <input
              id={id}
              type="text"
              required={required.has(key)}
              value={String(props.values[key])}
              onInput={(e) => set(key, e.currentTarget.value)}
            />
          )
        } else {
          input = (
            <textarea
              id={id}
              rows={3}
              class="mono"
              placeholder="JSON"
              value={String(props.values[key])}
              onInput={(e) => set(key, e.currentTarget.value)}
            />
          )
        }
        return (
          <div class="field" key={key}>
            {label}
            {input}
            {help}
            {error && <small class="error">{error}</small>}
          </div>
        )
      })}
    </fieldset>
  )
}
