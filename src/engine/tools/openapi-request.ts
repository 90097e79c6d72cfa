import { parseToolTemplate, type OpenApiCall, type ToolSet } from '../../modules/tools/index.ts'
import { appendArgument, ToolRequestError, type HttpRequestPlan } from './http-request.ts'
import { resolveSecrets } from './secrets.ts'

const isJson = (type: string) => /^application\/([\w.+-]+\+)?json\b/i.test(type)

function text(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)
}

/**
 * Builds the request of a call of a tool synced from an OpenAPI document: path parameters are
 * URL-encoded into the path, query parameters appended, header parameters set, and the body
 * (its properties beside the parameters, or one `body` argument) sent as its content type. The
 * tool set's headers may hold `${NAME}` secrets, as for HTTP tool sets; the HTTP tool executor
 * sends the plan (timeouts, size caps, redaction, idempotency key).
 */
export async function planOpenApiRequest(
  call: OpenApiCall,
  toolSet: ToolSet,
  args: Record<string, unknown>,
  toolCallId: string,
  resolveSecret: (name: string) => Promise<string | undefined>,
): Promise<HttpRequestPlan> {
  const adapter = toolSet.spec.adapter.openapi
  if (!adapter) {
    throw new ToolRequestError(`tool set "${toolSet.metadata.name}" is not an OpenAPI tool set`)
  }
  const headerTemplates = Object.entries(adapter.headers ?? {})
    .map(([name, source]) => [name, parseToolTemplate(source, 'none')] as const)
    .filter(([, t]) => t.arguments.every((a) => args[a] !== undefined))
  const secrets = await resolveSecrets(
    headerTemplates.flatMap(([, t]) => t.secrets),
    resolveSecret,
  )

  let path = call.path
  for (const p of call.parameters.filter((x) => x.in === 'path')) {
    const value = args[p.property]
    if (value === undefined || value === null) {
      throw new ToolRequestError(`missing argument "${p.property}" (a path parameter)`)
    }
    path = path.split(`{${p.name}}`).join(encodeURIComponent(text(value)))
  }
  const base = new URL(call.baseUrl)
  const url = new URL(call.baseUrl.replace(/\/+$/, '') + path)
  if (url.origin !== base.origin) throw new ToolRequestError('the request path leaves the base URL')

  const headers = new Headers()
  for (const [name, template] of headerTemplates) {
    const value = await template.render(args, secrets)
    if (/[\r\n\0]/.test(value)) throw new ToolRequestError(`header "${name}" renders a line break`)
    headers.set(name, value)
  }
  for (const p of call.parameters) {
    const value = args[p.property]
    if (value === undefined || value === null) continue
    if (p.in === 'query') appendArgument(url.searchParams, p.name, value)
    if (p.in === 'header') {
      const rendered = text(value)
      if (/[\r\n\0]/.test(rendered)) {
        throw new ToolRequestError(`header parameter "${p.name}" holds a line break`)
      }
      headers.set(p.name, rendered)
    }
  }
  headers.set('Idempotency-Key', toolCallId)

  let body: string | undefined
  if (call.body) {
    const { mode, contentType, property, properties } = call.body
    const value =
      mode === 'wrapped'
        ? args[property ?? 'body']
        : Object.fromEntries((properties ?? []).flatMap((k) => (k in args ? [[k, args[k]]] : [])))
    if (value !== undefined) {
      headers.set('Content-Type', contentType)
      if (isJson(contentType)) {
        body = JSON.stringify(value)
      } else if (contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
        const form = new URLSearchParams()
        for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
          appendArgument(form, k, v)
        }
        body = form.toString()
      } else {
        body = typeof value === 'string' ? value : JSON.stringify(value)
      }
    }
  }
  return { url, method: call.method, headers, body, secretValues: Object.values(secrets) }
}
