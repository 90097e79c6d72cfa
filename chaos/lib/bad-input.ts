/**
 * Building blocks of bad requests: odd ids, broken JSON, wrong types from a JSON schema,
 * prototype-named keys, deep nesting. Values for paths and queries are already percent-encoded.
 */
import type { Random } from './random.ts'
import type { JsonSchema } from './openapi.ts'

/** Path segments that must never resolve to a resource. */
export const ODD_IDS = [
  '',
  '%20',
  'external_id:',
  'eid:',
  'external_id:%00',
  'eid:%00x',
  'external_id:%20',
  'external_id:a%2Fb',
  `external_id:${'x'.repeat(300)}`,
  `eid:${'y'.repeat(3000)}`,
  'agent_',
  'obj_ZZZZZZZZZZZZZZZZZZZZZZZZZZ',
  'obj_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  'agent_01ARZ3NDEKTSV4RRFFQ69G5FAV',
  '00000000-0000-0000-0000-000000000000',
  '%2e%2e',
  '%2F',
  '%25',
  '%FF',
  '%C0%AF',
  '%E2%80%AE',
  '%F0%9F%92%A9',
  '%00',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '99999999999999999999',
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'external_id:__proto__',
  'eid:constructor',
  'external_id:toString',
  'external_id:external_id:x',
  'eid:eid:',
  ':',
  '*',
  '%27%3B%20DROP%20TABLE%20agents%3B--',
  '%7Bid%7D',
  'a'.repeat(3000),
]

/** Odd ids a GET may legitimately answer 2xx for: they route to another path (a list). */
export const ROUTING_IDS = new Set(['', '%2e%2e', '%2F'])

export const BAD_JSON = [
  '{',
  '{"metadata":',
  '[1,2',
  '{"a":1,}',
  "{'a':1}",
  '{"a":undefined}',
  '{}x',
  '\u0000{}',
  'true false',
  '{"a":"\u0001"}',
  '{"a":NaN}',
  '{"a" 1}',
  '\ufeff{"a":}',
  '{"__proto__":',
]

/** JSON that parses but is never an object (every request body is one). */
export const NOT_OBJECTS = ['[]', '[{}]', '"text"', '42', 'true', '-0', '"\u0000"']

export const PROTO_KEYS = [
  'toString',
  'constructor',
  '__proto__',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupGetter__',
  'prototype',
  // snake_case spellings normalise to the camelCase members
  'to_string',
  'value_of',
  'has_own_property',
  'is_prototype_of',
  'to_locale_string',
]

export const PROTO_VALUES: unknown[] = [
  'x',
  1,
  true,
  [],
  {},
  { polluted: 'yes' },
  { prototype: { polluted: 'yes' } },
  { toString: 'x', valueOf: 1 },
]

/** Sets `obj[key] = value` as an own, enumerable property, even for `__proto__`. */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
}

/** The properties of a body schema that have a definite JSON type, with their paths. */
export function typedProperties(
  schema: JsonSchema | undefined,
  resolve: (s: JsonSchema | undefined) => JsonSchema | undefined,
  prefix: string[] = [],
  depth = 0,
): { path: string[]; schema: JsonSchema }[] {
  const s = resolve(schema)
  if (!s || depth > 3 || typeof s.properties !== 'object') return []
  const out: { path: string[]; schema: JsonSchema }[] = []
  for (const [name, raw] of Object.entries<JsonSchema>(s.properties)) {
    const prop = resolve(raw)
    if (!prop) continue
    const path = [...prefix, name]
    if (prop.type) out.push({ path, schema: prop })
    if (prop.type === 'object') out.push(...typedProperties(prop, resolve, path, depth + 1))
  }
  return out
}

/** A value of a JSON type the schema does not allow (never null: null means "unset"). */
export function wrongValue(schema: JsonSchema, rng: Random): unknown {
  const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type]
  const candidates: [string, unknown][] = [
    ['number', rng.pick([12345, -1, 1.5, 1e308])],
    ['string', rng.pick(['not-valid', '', '\u0000', 'toString'])],
    ['boolean', rng.pick([true, false])],
    ['array', rng.pick([[1], [], [{}]])],
    ['object', rng.pick<unknown>([{ x: 1 }, { toString: 1 }])],
  ]
  const allowed = (t: string) => types.includes(t) || (t === 'number' && types.includes('integer'))
  const wrong = candidates.filter(([t]) => !allowed(t))
  return rng.pick(wrong)[1]
}

/** Sets a nested value, making the objects on the way. */
export function setPath(body: Record<string, unknown>, path: string[], value: unknown): void {
  let current = body
  for (const key of path.slice(0, -1)) {
    // own properties only: `current.__proto__` would be Object.prototype itself
    const next = Object.hasOwn(current, key) ? current[key] : undefined
    if (!next || typeof next !== 'object' || Array.isArray(next)) {
      const made: Record<string, unknown> = {}
      setOwn(current, key, made)
      current = made
    } else {
      current = next as Record<string, unknown>
    }
  }
  // a copy: the value lists are shared, and later sets may nest into what is set here
  setOwn(current, path[path.length - 1]!, structuredClone(value))
}

/** JSON text nested `depth` levels deep (built as text: no recursion here). */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
}

/** Puts prototype-named keys at random depths of `body` (objects along the way are made). */
export function sprinkleProtoKeys(
  body: Record<string, unknown>,
  rng: Random,
  objectPaths: string[][],
) {
  const count = rng.int(1, 4)
  for (let i = 0; i < count; i++) {
    const at = rng.chance(0.3) || !objectPaths.length ? [] : rng.pick(objectPaths)
    const key = rng.pick(PROTO_KEYS)
    const nested = rng.chance(0.3) ? [rng.pick(PROTO_KEYS)] : []
    setPath(body, [...at, key, ...nested], rng.pick(PROTO_VALUES))
  }
}

/** A query string made of prototype-named keys (and a nested-looking one). */
export function protoQuery(rng: Random): string {
  const parts: string[] = []
  for (let i = rng.int(1, 4); i > 0; i--) {
    const key = rng.pick([...PROTO_KEYS, '__proto__[polluted]', 'constructor[prototype][polluted]'])
    parts.push(`${encodeURIComponent(key)}=${rng.pick(['1', 'x', '', 'yes', '%00'])}`)
  }
  return parts.join('&')
}
