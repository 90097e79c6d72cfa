import type { z } from 'zod'

export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
}

export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

type AnyDef = {
  type: string
  shape?: Record<string, z.ZodType>
  innerType?: z.ZodType
  element?: z.ZodType
  options?: z.ZodType[]
  in?: z.ZodType
  getter?: () => z.ZodType
}

function defOf(schema: z.ZodType): AnyDef {
  return (schema as unknown as { _zod: { def: AnyDef } })._zod.def
}

export interface NormalizeOptions {
  /**
   * A JSON `null` on an optional field that does not take null reads as the field being unset,
   * as proto3 JSON mapping says ("null is accepted for all field types and treated as the default
   * value"). Values inside free-form maps (data, JSON Schemas) are never touched.
   */
  nullIsUnset?: boolean
}

/**
 * Renames snake_case keys to the camelCase names the schema declares, as a gRPC-JSON transcoder does.
 * Walks the schema beside the value, so free-form maps (labels, data, JSON Schemas) keep their keys.
 */
export function normalizeKeys(
  schema: z.ZodType,
  value: unknown,
  opts: NormalizeOptions = {},
): unknown {
  const recurse = (inner: z.ZodType, item: unknown) => normalizeKeys(inner, item, opts)
  const def = defOf(schema)
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return recurse(def.innerType!, value)
    case 'pipe':
      return recurse(def.in!, value)
    case 'lazy':
      return recurse(def.getter!(), value)
    case 'array':
      return Array.isArray(value) ? value.map((item) => recurse(def.element!, item)) : value
    case 'union':
      // Objects in our unions are alternatives of one shape family; merge their fields.
      return def.options!.reduce((acc, option) => recurse(option, acc), value)
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return value
      const shape = def.shape!
      const out: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(value)) {
        // Own properties only: a key named like an Object.prototype member (`toString`,
        // `constructor`) is an unknown key like any other, and `__proto__` is dropped (assigning
        // it would replace the object's prototype instead of adding a field).
        if (key === '__proto__') continue
        const name = Object.hasOwn(shape, key) ? key : snakeToCamel(key)
        const field = Object.hasOwn(shape, name) ? shape[name] : undefined
        if (Object.hasOwn(out, name) && name !== key) continue // camelCase wins over its snake twin
        if (item === null && field && opts.nullIsUnset && isOptional(field)) {
          if (!field.safeParse(null).success) continue
        }
        out[name] = field ? recurse(field, item) : item
      }
      return out
    }
    default:
      return value
  }
}

/** Whether an object field may be left out (optional, or with a default). */
function isOptional(field: z.ZodType): boolean {
  const type = defOf(field).type
  return type === 'optional' || type === 'default' || type === 'prefault'
}
