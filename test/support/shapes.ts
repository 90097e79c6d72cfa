/**
 * A typed reader for the era clients (test/era-seed-*.test.ts): a shape written from the API
 * reference's type declarations, checked against a response the way an SDK's types promise it.
 *
 * A shape is a type name (`'string'`, `'int'`, `'number'`, `'boolean'`, `'ts'` an RFC 3339
 * string, `'i64s'` an int64 as a decimal string, `'json'` any JSON value, `'object'` any JSON
 * object), an enum (`E(...)`), a map (`M(shape)`), an array (`[shape]`) or an object whose keys
 * name its fields: a key ending in `?` is optional (absent is fine), any other must be present.
 * Present means not undefined; `null` never matches (proto3 JSON omits, it does not null).
 * Fields the shape does not declare are ignored, as a generated client ignores them.
 */
export type Shape =
  | 'string'
  | 'int'
  | 'number'
  | 'boolean'
  | 'ts'
  | 'i64s'
  | 'json'
  | 'object'
  | { enum: readonly string[] }
  | { map: Shape }
  | Shape[]
  | { [field: string]: Shape }

export const E = (...values: string[]): Shape => ({ enum: values })
export const M = (shape: Shape): Shape => ({ map: shape })

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

function kind(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}

/** Every place `value` breaks `shape`, as `path: problem` lines (empty when it conforms). */
export function shapeErrors(value: unknown, shape: Shape, path = '$'): string[] {
  const bad = (want: string) => [`${path}: expected ${want}, got ${JSON.stringify(value)}`]
  if (typeof shape === 'string') {
    switch (shape) {
      case 'string':
        return typeof value === 'string' ? [] : bad('string')
      case 'int':
        return Number.isInteger(value) ? [] : bad('integer')
      case 'number':
        return typeof value === 'number' && Number.isFinite(value) ? [] : bad('number')
      case 'boolean':
        return typeof value === 'boolean' ? [] : bad('boolean')
      case 'ts':
        return typeof value === 'string' && RFC3339.test(value) ? [] : bad('RFC 3339 timestamp')
      case 'i64s':
        return typeof value === 'string' && /^-?\d+$/.test(value) ? [] : bad('int64 string')
      case 'json':
        return value === undefined ? bad('a JSON value') : []
      case 'object':
        return kind(value) === 'object' ? [] : bad('object')
    }
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return bad('array')
    return value.flatMap((item, i) => shapeErrors(item, shape[0]!, `${path}[${i}]`))
  }
  if ('enum' in shape && Array.isArray(shape.enum)) {
    const values = shape.enum as readonly string[]
    return typeof value === 'string' && values.includes(value)
      ? []
      : bad(`one of ${values.join('|')}`)
  }
  if ('map' in shape && Object.keys(shape).length === 1 && !Array.isArray(shape.map)) {
    if (kind(value) !== 'object') return bad('object (map)')
    return Object.entries(value as object).flatMap(([k, v]) =>
      shapeErrors(v, shape.map as Shape, `${path}.${k}`),
    )
  }
  if (kind(value) !== 'object') return bad('object')
  const record = value as Record<string, unknown>
  const errors: string[] = []
  for (const [key, fieldShape] of Object.entries(shape as Record<string, Shape>)) {
    const optional = key.endsWith('?')
    const name = optional ? key.slice(0, -1) : key
    const field = record[name]
    if (field === undefined) {
      if (!optional) errors.push(`${path}.${name}: required field missing`)
      continue
    }
    errors.push(...shapeErrors(field, fieldShape, `${path}.${name}`))
  }
  return errors
}
