import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import { fieldError } from './errors.ts'

/** User-supplied JSON Schemas (2020-12): agent input/output definitions and tool parameters. */
const newAjv = () => new Ajv2020({ allErrors: true, strict: false, validateFormats: false })
const ajv = newAjv()
const cache = new WeakMap<object, ValidateFunction>()

/** Compiles a schema, or throws InvalidArgument naming the field it came from. */
export function compileJsonSchema(schema: object, field: string): ValidateFunction {
  const hit = cache.get(schema)
  if (hit) return hit
  try {
    // A schema with an `$id` would be registered under it; a fresh instance keeps two agents
    // that share one `$id` from colliding.
    const compiler = '$id' in schema ? newAjv() : ajv
    const validate = compiler.compile(schema)
    cache.set(schema, validate)
    return validate
  } catch (err) {
    throw fieldError(field, `is not a valid JSON Schema: ${(err as Error).message}`)
  }
}

export function describeSchemaErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`)
}
