import { Liquid } from 'liquidjs'
import type { ValidateFunction } from 'ajv/dist/2020.js'
import { failedPrecondition, fieldError, invalidArgument } from '../../lib/errors.ts'
import { compileJsonSchema } from '../../lib/json-schema.ts'

/** Where `data` sits in the create body (seed shape), for field violations. */
const DATA_FIELD = 'data.data'

const MAX_CACHED_SCHEMAS = 500
const validators = new Map<string, ValidateFunction>()

/**
 * The agent's inputDataSchema as a validator. Rows are parsed afresh per request, so validators
 * are cached by the schema's text; a top-level `$id` is dropped because ajv refuses to register
 * the same id twice and the schema is only ever used here, by value.
 */
function validatorOf(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema)
  const hit = validators.get(key)
  if (hit) return hit
  const { $id: _id, ...rest } = schema
  const validate = compileJsonSchema(rest, 'agent.spec.inputDataSchema')
  if (validators.size >= MAX_CACHED_SCHEMAS) validators.clear()
  validators.set(key, validate)
  return validate
}

/**
 * Validates `data` against the agent's inputDataSchema; each violation names its field, under
 * `field` (where `data` sits in the request: a schedule's is `spec.data`).
 */
export function validateInputData(
  schema: Record<string, unknown> | undefined,
  data: unknown,
  field = DATA_FIELD,
) {
  if (!schema) return
  const validate = validatorOf(schema)
  const value = data === undefined ? {} : data
  if (validate(value)) return
  const violations = (validate.errors ?? []).map((e) => {
    const missing = e.keyword === 'required' ? `/${String(e.params.missingProperty)}` : ''
    const path = `${e.instancePath}${missing}`.split('/').filter(Boolean).join('.')
    return {
      field: path ? `${field}.${path}` : field,
      description: e.message ?? 'is invalid',
    }
  })
  const first = violations[0]!
  throw invalidArgument(
    `data does not match the agent's inputDataSchema: ${first.field} ${first.description}`,
    violations,
  )
}

const liquid = new Liquid({
  strictVariables: true,
  strictFilters: true,
  // `{% if optional %}` on a missing key is a normal prompt idiom, not a mistake.
  lenientIf: true,
  // No file system: `{% include %}` and `{% render %}` must not read server files.
  templates: {},
  // Prompts are user input: bound their cost.
  parseLimit: 400_000,
  renderLimit: 1_000,
  memoryLimit: 50_000_000,
})

/**
 * Renders the variation prompt (a Liquid template) with the objective's `data`. Variables are
 * strict: a variable `data` lacks is a 400 naming it now, rather than a broken prompt later.
 */
export async function renderPrompt(
  template: string,
  data: unknown,
  variationId: string,
  { field = DATA_FIELD, what = 'the variation prompt' }: { field?: string; what?: string } = {},
): Promise<string> {
  if (!template.includes('{')) return template
  const scope = data && typeof data === 'object' && !Array.isArray(data) ? data : {}
  try {
    return await liquid.parseAndRender(template, scope as Record<string, unknown>)
  } catch (err) {
    const error = err as { name?: string; originalError?: Error; message?: string }
    const inner = error.originalError?.message ?? error.message ?? String(err)
    const variable = /^undefined variable: (.+)$/.exec(inner)?.[1]
    if (error.name === 'UndefinedVariableError' && variable) {
      throw fieldError(field, `has no value for {{ ${variable} }}, used by ${what}`)
    }
    throw failedPrecondition(`${what} of variation ${variationId} does not render: ${inner}`)
  }
}
