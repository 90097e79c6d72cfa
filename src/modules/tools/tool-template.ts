import { Liquid, type Template } from 'liquidjs'
import { fieldError } from '../../lib/errors.ts'

/**
 * Tool request templates. Path, query values, header values and the body template are Liquid
 * (`{{ orderId }}`) rendered with strict variables over the call's arguments; `${NAME}` anywhere in
 * them is a secret reference (docs/decisions.md decision 5). Secret references are rewritten to Liquid lookups
 * of a reserved variable before parsing, so secret values are never parsed as Liquid and argument
 * values are never scanned for secret references (a model cannot ask for a secret by naming it).
 */
export const SECRET_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g
export const SECRETS_VARIABLE = '__secrets'

/** How rendered values are escaped: per URL path segment, as JSON string content, or not at all. */
export type TemplateEscape = 'path' | 'json' | 'none'

function escapeJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value).slice(1, -1)
  if (value === undefined) return ''
  return JSON.stringify(value) ?? ''
}

const escapers: Record<TemplateEscape, (value: unknown) => string> = {
  path: (value) => encodeURIComponent(typeof value === 'string' ? value : stringify(value)),
  json: escapeJson,
  none: (value) => (typeof value === 'string' ? value : stringify(value)),
}

function stringify(value: unknown): string {
  if (value === null || value === undefined) return ''
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

function engine(escape: TemplateEscape): Liquid {
  return new Liquid({
    strictVariables: true,
    strictFilters: true,
    // No file system: `{% include %}` and `{% render %}` must not read server files.
    templates: {},
    outputEscape: escapers[escape],
    // Templates are user input: bound their cost.
    parseLimit: 200_000,
    renderLimit: 1_000,
    memoryLimit: 10_000_000,
  })
}

const engines: Record<TemplateEscape, Liquid> = {
  path: engine('path'),
  json: engine('json'),
  none: engine('none'),
}

export interface ToolTemplate {
  /** Secret names the template references, in first-use order. */
  secrets: string[]
  /** Top-level argument names the template reads. */
  arguments: string[]
  render(scope: Record<string, unknown>, secrets: Record<string, string>): Promise<string>
}

/** Parses a template or throws the parse error (caller decides how to report it). */
export function parseToolTemplate(source: string, escape: TemplateEscape): ToolTemplate {
  const secrets: string[] = []
  const rewritten = source.replace(SECRET_REFERENCE, (_, name: string) => {
    if (!secrets.includes(name)) secrets.push(name)
    return `{{ ${SECRETS_VARIABLE}['${name}'] }}`
  })
  const liquid = engines[escape]
  const parsed: Template[] = liquid.parse(rewritten)
  const args = liquid.globalVariablesSync(parsed).filter((v) => v !== SECRETS_VARIABLE)
  return {
    secrets,
    arguments: args,
    render: (scope, secretValues) =>
      liquid.render(parsed, { ...scope, [SECRETS_VARIABLE]: secretValues }) as Promise<string>,
  }
}

/** Validates a template at write time, naming the field it came from. */
export function checkToolTemplate(source: string, escape: TemplateEscape, field: string): void {
  try {
    parseToolTemplate(source, escape)
  } catch (err) {
    throw fieldError(field, `is not a valid Liquid template: ${(err as Error).message}`)
  }
}
