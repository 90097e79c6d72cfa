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

/**
 * Renames snake_case keys to the camelCase names the schema declares, as a gRPC-JSON transcoder does.
 * Walks the schema beside the value, so free-form maps (labels, data, JSON Schemas) keep their keys.
 */
export function normalizeKeys(schema: z.ZodType, value: unknown): unknown {
  const def = defOf(schema)
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return normalizeKeys(def.innerType!, value)
    case 'pipe':
      return normalizeKeys(def.in!, value)
    case 'lazy':
      return normalizeKeys(def.getter!(), value)
    case 'array':
      return Array.isArray(value) ? value.map((item) => normalizeKeys(def.element!, item)) : value
    case 'union':
      // Objects in our unions are alternatives of one shape family; merge their fields.
      return def.options!.reduce((acc, option) => normalizeKeys(option, acc), value)
    case 'object': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return value
      const shape = def.shape!
      const out: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(value)) {
        const name = key in shape ? key : snakeToCamel(key)
        const field = shape[name]
        if (name in out && name !== key) continue // the camelCase spelling wins over its snake twin
        out[name] = field ? normalizeKeys(field, item) : item
      }
      return out
    }
    default:
      return value
  }
}
