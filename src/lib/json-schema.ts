import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import { fieldError } from './errors.ts'

/** User-supplied JSON Schemas (2020-12): agent input/output definitions and tool parameters. */
const newAjv = () => new Ajv2020({ allErrors: true, strict: false, validateFormats: false })
const ajv = newAjv()
const cache = new WeakMap<object, ValidateFunction>()
/**
 * Compiled validators by schema text: every objective run parses its own copy of the same tool
 * schemas, and compiling one costs far more than serialising it. Bounded; an evicted schema is
 * also dropped from ajv's own cache, which would otherwise keep every schema object it saw.
 */
const byText = new Map<string, { validate: ValidateFunction; schema: object; compiler: Ajv2020 }>()
const MAX_COMPILED = 1000

/** Compiles a schema, or throws InvalidArgument naming the field it came from. */
export function compileJsonSchema(schema: object, field: string): ValidateFunction {
  const hit = cache.get(schema)
  if (hit) return hit
  const text = JSON.stringify(schema)
  const known = byText.get(text)
  if (known) {
    byText.delete(text)
    byText.set(text, known)
    cache.set(schema, known.validate)
    return known.validate
  }
  try {
    // A schema with an `$id` would be registered under it; a fresh instance keeps two agents
    // that share one `$id` from colliding.
    const compiler = '$id' in schema ? newAjv() : ajv
    const validate = compiler.compile(schema)
    cache.set(schema, validate)
    byText.set(text, { validate, schema, compiler })
    if (byText.size > MAX_COMPILED) {
      const [oldest, entry] = byText.entries().next().value!
      byText.delete(oldest)
      entry.compiler.removeSchema(entry.schema)
    }
    return validate
  } catch (err) {
    throw fieldError(field, `is not a valid JSON Schema: ${(err as Error).message}`)
  }
}

export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
}
