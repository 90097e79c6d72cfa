import {
  parseToolTemplate,
  queryPairs,
  type ConfigHTTP,
  type TemplateEscape,
  type Tool,
  type ToolSet,
  type ToolTemplate,
} from '../../modules/tools/index.ts'
import { resolveSecrets } from './secrets.ts'

/** An expected failure while building the request; its message is safe to show the model. */
export class ToolRequestError extends Error {}

export interface HttpRequestPlan {
  url: URL
  method: string
  headers: Headers
  body?: string
  /** Every secret value the request carries, for redaction. */
  secretValues: string[]
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

function isJsonType(contentType: string): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase()
  return type === 'application/json' || type.endsWith('+json')
}

function parse(source: string, escape: TemplateEscape, where: string): ToolTemplate {
  try {
    return parseToolTemplate(source, escape)
  } catch (err) {
    throw new ToolRequestError(`invalid ${where} template: ${(err as Error).message}`)
  }
}

async function render(
  template: ToolTemplate,
  args: Record<string, unknown>,
  secrets: Record<string, string>,
  where: string,
): Promise<string> {
  const missing = template.arguments.find((name) => args[name] === undefined)
  if (missing) throw new ToolRequestError(`missing argument "${missing}" (used in the ${where})`)
  try {
    return await template.render(args, secrets)
  } catch (err) {
    throw new ToolRequestError(`cannot render the ${where}: ${(err as Error).message}`)
  }
}

/** A query value or header whose template reads an argument the model left out is not sent. */
const usable = (template: ToolTemplate, args: Record<string, unknown>) =>
  template.arguments.every((name) => args[name] !== undefined)

export function appendArgument(params: URLSearchParams, name: string, value: unknown): void {
  if (value === null || value === undefined) return
  if (Array.isArray(value)) {
    for (const item of value) appendArgument(params, name, item)
    return
  }
  params.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value))
}

/**
 * Builds the request of an HTTP tool call. Path, query values, headers and the body template are
 * Liquid templates over the arguments (`{{ orderId }}`; path values are URL-encoded, JSON body
 * values JSON-escaped); `${NAME}` in them is a secret. Arguments no template reads are sent as the
 * JSON body of POST/PUT/PATCH without a body template, or as query parameters of GET/DELETE.
 */
export async function planHttpRequest(
  tool: Tool,
  toolSet: ToolSet,
  args: Record<string, unknown>,
  toolCallId: string,
  resolveSecret: (name: string) => Promise<string | undefined>,
): Promise<HttpRequestPlan> {
  const adapter = toolSet.spec.adapter.http
  const config: ConfigHTTP | undefined = tool.spec.config.http
  if (!adapter)
    throw new ToolRequestError(`tool set "${toolSet.metadata.name}" is not an HTTP tool set`)
  if (!config) throw new ToolRequestError(`tool "${tool.metadata.name}" has no HTTP configuration`)
  const method = config.requestMethod
  const contentType = config.requestBodyContentType || 'application/json'
  const path = parse(config.path ?? '', 'path', 'request path')
  const query = queryPairs(config.query).map(
    ([name, source]) => [name, parse(source, 'none', `query parameter "${name}"`)] as const,
  )
  const headers = [
    ...Object.entries(adapter.headers ?? {}),
    ...Object.entries(config.headers ?? {}),
  ].map(([name, source]) => [name, parse(source, 'none', `header "${name}"`)] as const)
  const bodyTemplate =
    BODY_METHODS.has(method) && config.requestBodyTemplate
      ? parse(config.requestBodyTemplate, isJsonType(contentType) ? 'json' : 'none', 'request body')
      : undefined

  const sentQuery = query.filter(([, t]) => usable(t, args))
  const sentHeaders = headers.filter(([, t]) => usable(t, args))
  const used = [path, ...sentQuery.map(([, t]) => t), ...sentHeaders.map(([, t]) => t)]
  if (bodyTemplate) used.push(bodyTemplate)
  const secrets = await resolveSecrets(
    used.flatMap((t) => t.secrets),
    resolveSecret,
  )

  const base = new URL(adapter.baseUrl)
  const url = new URL(
    adapter.baseUrl.replace(/\/+$/, '') + (await render(path, args, secrets, 'request path')),
  )
  // Arguments are encoded into the path, so it can only leave the base URL's origin by mistake.
  if (url.origin !== base.origin) throw new ToolRequestError('the request path leaves the base URL')
  for (const [name, template] of sentQuery) {
    url.searchParams.append(name, await template.render(args, secrets))
  }
  const consumed = new Set(used.flatMap((t) => t.arguments))
  const rest = Object.entries(args).filter(([name]) => !consumed.has(name))

  const out = new Headers()
  for (const [name, template] of sentHeaders) {
    const value = await template.render(args, secrets)
    if (/[\r\n\0]/.test(value)) throw new ToolRequestError(`header "${name}" renders a line break`)
    out.set(name, value)
  }
  out.set('Idempotency-Key', toolCallId)

  let body: string | undefined
  if (!BODY_METHODS.has(method)) {
    for (const [name, value] of rest) appendArgument(url.searchParams, name, value)
  } else if (bodyTemplate) {
    body = await render(bodyTemplate, args, secrets, 'request body')
    out.set('Content-Type', contentType)
  } else if (contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams()
    for (const [name, value] of rest) appendArgument(form, name, value)
    body = form.toString()
    out.set('Content-Type', contentType)
  } else {
    body = JSON.stringify(Object.fromEntries(rest))
    out.set('Content-Type', isJsonType(contentType) ? contentType : 'application/json')
  }
  return { url, method, headers: out, body, secretValues: Object.values(secrets) }
}
