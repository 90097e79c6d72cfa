import { fieldError } from '../../lib/errors.ts'
import { compileJsonSchema } from '../../lib/json-schema.ts'
import type { ToolSetSpec } from './tool-set.schema.ts'
import type { ToolSetRow } from './tool-set.service.ts'
import type { ToolSpec } from './tool.schema.ts'
import { queryPairs } from './query-template.ts'
import { checkToolTemplate } from './tool-template.ts'

type AdapterKind = 'http' | 'mcp' | 'openapi'

function adapterKind(toolSet: Pick<ToolSetRow, 'spec'>): AdapterKind {
  const adapter = (toolSet.spec as ToolSetSpec).adapter
  return adapter.http ? 'http' : adapter.mcp ? 'mcp' : 'openapi'
}

/** Rules a spec must meet beyond its shape: adapter match, a compilable schema, parsable templates. */
export function validateToolSpec(spec: ToolSpec, toolSet: Pick<ToolSetRow, 'spec'>): void {
  const kind = adapterKind(toolSet)
  for (const other of ['http', 'mcp', 'openapi'] as const) {
    if (other !== kind && spec.config[other]) {
      throw fieldError(`spec.config.${other}`, `does not match the tool set's ${kind} adapter`)
    }
  }
  if (!spec.config[kind]) {
    throw fieldError(`spec.config.${kind}`, `is required for a tool of a ${kind} tool set`)
  }
  if (spec.parameters) {
    const type = spec.parameters.type
    if (type !== undefined && type !== 'object') {
      throw fieldError('spec.parameters', 'must be a JSON Schema of type "object"')
    }
    compileJsonSchema(spec.parameters, 'spec.parameters')
  }
  const http = spec.config.http
  if (!http) return
  const field = 'spec.config.http'
  if (http.path) checkToolTemplate(http.path, 'path', `${field}.path`)
  for (const [k, v] of queryPairs(http.query)) {
    checkToolTemplate(
      v,
      'none',
      typeof http.query === 'string' ? `${field}.query` : `${field}.query.${k}`,
    )
  }
  for (const [k, v] of Object.entries(http.headers ?? {})) {
    checkToolTemplate(v, 'none', `${field}.headers.${k}`)
  }
  if (http.requestBodyTemplate) {
    checkToolTemplate(http.requestBodyTemplate, 'none', `${field}.requestBodyTemplate`)
  }
}
