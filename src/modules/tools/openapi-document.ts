import SwaggerParser from '@apidevtools/swagger-parser'
import { parse as parseYaml } from 'yaml'
import { functionName } from './tool.schema.ts'

/** Where each argument of an OpenAPI tool call goes; stored with the tool, read by the engine. */
export interface OpenApiCall {
  method: string
  /** The server URL the path is appended to (adapter `baseUrl`, or the document's server). */
  baseUrl: string
  /** The path template of the document (`/pets/{petId}`). */
  path: string
  parameters: { name: string; in: 'path' | 'query' | 'header'; property: string }[]
  /**
   * The request body: `flat` when the body schema's properties sit beside the parameters,
   * `wrapped` when the body is one argument (`property`).
   */
  body?: { mode: 'flat' | 'wrapped'; contentType: string; property?: string; properties?: string[] }
}

/** One operation of the document as a tool: what a sync upserts. */
export interface OperationTool {
  /** Stable identity across syncs: `METHOD /path`. */
  key: string
  name: string
  operationId: string
  method: string
  path: string
  description: string
  parameters: Record<string, unknown>
  call: OpenApiCall
}

/** An expected failure to load or parse a document; its message is safe to show. */
export class OpenApiDocumentError extends Error {}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const
const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
/** Headers OpenAPI says are described elsewhere (RFC: ignored as parameters). */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization'])

type Json = Record<string, any>

/** The body as text, or undefined past `limit` bytes (the rest is not downloaded). */
async function readAtMost(res: Response, limit: number): Promise<string | undefined> {
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      return undefined
    }
    chunks.push(value)
  }
  return new TextDecoder().decode(Buffer.concat(chunks, size))
}

/** Fetches a document (headers may carry resolved secrets; redirects are not followed). */
export async function fetchOpenApiDocument(
  url: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; fetch?: typeof fetch },
): Promise<string> {
  let res: Response
  try {
    res = await (opts.fetch ?? fetch)(url, {
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    })
  } catch (err) {
    const e = err as Error & { cause?: { message?: string } }
    if (e.name === 'TimeoutError') {
      throw new OpenApiDocumentError(`fetching ${url} timed out after ${opts.timeoutMs / 1000}s`)
    }
    throw new OpenApiDocumentError(`cannot fetch ${url}: ${e.cause?.message ?? e.message}`)
  }
  if (res.status < 200 || res.status > 299) {
    const where = res.headers.get('location')
    const body = where ? undefined : await readAtMost(res, 4096)
    const detail = where ? `redirect to ${where} not followed` : (body ?? '').slice(0, 300)
    throw new OpenApiDocumentError(`fetching ${url} answered HTTP ${res.status}: ${detail}`)
  }
  const text = await readAtMost(res, MAX_DOCUMENT_BYTES)
  if (text === undefined) {
    throw new OpenApiDocumentError(`the document is larger than ${MAX_DOCUMENT_BYTES} bytes`)
  }
  return text
}

/**
 * Parses an OpenAPI 3.0 or 3.1 document (JSON or YAML), validates it and resolves its internal
 * `$ref`s with swagger-parser. External references are refused: a document must not make the
 * server read its files or other URLs. Recursive schemas keep their `$ref`.
 */
export async function parseOpenApiDocument(text: string): Promise<Json> {
  let raw: unknown
  try {
    raw = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    throw new OpenApiDocumentError(
      `the document is neither JSON nor YAML: ${(err as Error).message}`,
    )
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new OpenApiDocumentError('the document is not an object')
  }
  const version = (raw as Json).openapi
  if (typeof version !== 'string' || !/^3\.[01]\./.test(version)) {
    throw new OpenApiDocumentError('only OpenAPI 3.0 and 3.1 documents are supported')
  }
  let parsed: Json
  try {
    parsed = (await SwaggerParser.validate(raw as never, {
      resolve: { external: false },
      dereference: { circular: 'ignore' },
    })) as Json
  } catch (err) {
    throw new OpenApiDocumentError(`invalid OpenAPI document: ${(err as Error).message}`)
  }
  const external = externalRef(parsed, new WeakSet())
  if (external) {
    throw new OpenApiDocumentError(
      `the document references ${JSON.stringify(external)}: only references within the document are supported`,
    )
  }
  return parsed
}

/** The first `$ref` left that points outside the document (the parser did not follow it). */
function externalRef(value: unknown, seen: WeakSet<object>): string | undefined {
  if (!value || typeof value !== 'object' || seen.has(value)) return undefined
  seen.add(value)
  const ref = (value as Json).$ref
  if (typeof ref === 'string' && !ref.startsWith('#')) return ref
  for (const child of Object.values(value)) {
    const found = externalRef(child, seen)
    if (found) return found
  }
  return undefined
}

/** The URL calls go to: `baseUrl`, else the server named `serverName` (or the first one). */
export function serverUrl(
  document: Json,
  documentUrl: string | undefined,
  adapter: { baseUrl?: string; serverName?: string },
): string {
  if (adapter.baseUrl) return adapter.baseUrl
  const servers: Json[] = Array.isArray(document.servers) ? document.servers : []
  const server = adapter.serverName
    ? servers.find(
        (s) => s.description === adapter.serverName || s['x-name'] === adapter.serverName,
      )
    : servers[0]
  if (adapter.serverName && !server) {
    throw new OpenApiDocumentError(`the document has no server named "${adapter.serverName}"`)
  }
  let url: string = server?.url ?? '/'
  for (const [name, variable] of Object.entries((server?.variables ?? {}) as Json)) {
    url = url.split(`{${name}}`).join(String(variable?.default ?? ''))
  }
  try {
    return new URL(url, documentUrl).toString().replace(/\/+$/, '')
  } catch {
    throw new OpenApiDocumentError(
      `the server URL "${url}" is not absolute; set spec.adapter.openapi.baseUrl`,
    )
  }
}

/** Levels of a recursive schema a tool's parameters spell out before "any value". */
const RECURSION_LEVELS = 2

/** The value a local `$ref` (`#/components/schemas/Tree`) points to, or undefined. */
function pointer(document: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined
  let at: unknown = document
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
    at = at && typeof at === 'object' ? (at as Json)[key] : undefined
  }
  return at
}

/**
 * A schema taken out of its document. The parser leaves a recursive schema's `$ref`s in place,
 * and the tool's schema does not carry the document: each is spelled out a few levels deep, then
 * becomes "any value" with a note.
 */
function detached(document: Json, value: unknown, levels = RECURSION_LEVELS, depth = 0): unknown {
  if (!value || typeof value !== 'object' || depth > 64) return value
  if (Array.isArray(value)) return value.map((v) => detached(document, v, levels, depth + 1))
  const ref = (value as Json).$ref
  if (typeof ref === 'string') {
    const target = pointer(document, ref)
    if (target === undefined || levels === 0) return { description: `(recursive: ${ref})` }
    return detached(document, target, levels - 1, depth + 1)
  }
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, detached(document, v, levels, depth + 1)]),
  )
}

function schemaOf(document: Json, p: Json): Json {
  const media = p.content && Object.values(p.content as Json)[0]
  const schema = p.schema && typeof p.schema === 'object' ? p.schema : (media as Json)?.schema
  return schema ? (detached(document, schema) as Json) : { type: 'string' }
}

function withDescription(schema: Json, description: unknown): Json {
  return typeof description === 'string' && description && !schema.description
    ? { ...schema, description }
    : schema
}

function bodyOf(
  document: Json,
  op: Json,
): { contentType: string; schema: Json; required: boolean } | undefined {
  const content = op.requestBody?.content as Json | undefined
  if (!content) return undefined
  const types = Object.keys(content)
  const contentType =
    types.find((t) => /^application\/([\w.+-]+\+)?json\b/i.test(t)) ??
    types.find((t) => t.toLowerCase().startsWith('application/x-www-form-urlencoded')) ??
    types[0]
  if (!contentType) return undefined
  return {
    contentType,
    schema: (detached(document, content[contentType]?.schema ?? {}) as Json) ?? {},
    required: !!op.requestBody.required,
  }
}

/**
 * Each operation (GET, POST, PUT, PATCH, DELETE) of the document as a tool, named by its
 * operationId (or method and path), with one JSON Schema merged from its path, query and header
 * parameters and its body. Cookie parameters are not supported and left out.
 */
export function operationTools(document: Json, baseUrl: string): OperationTool[] {
  const tools: OperationTool[] = []
  const names = new Set<string>()
  for (const [path, item] of Object.entries((document.paths ?? {}) as Json)) {
    if (!item || typeof item !== 'object') continue
    for (const method of METHODS) {
      const op = item[method] as Json | undefined
      if (!op) continue
      const byKey = new Map<string, Json>()
      for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])] as Json[]) {
        if (p && typeof p.name === 'string') byKey.set(`${p.in}:${p.name}`, p)
      }
      const properties: Json = {}
      const required: string[] = []
      const parameters: OpenApiCall['parameters'] = []
      for (const p of byKey.values()) {
        if (p.in !== 'path' && p.in !== 'query' && p.in !== 'header') continue
        if (p.in === 'header' && IGNORED_HEADERS.has(p.name.toLowerCase())) continue
        const property = properties[p.name] === undefined ? p.name : `${p.in}_${p.name}`
        properties[property] = withDescription(schemaOf(document, p), p.description)
        if (p.required || p.in === 'path') required.push(property)
        parameters.push({ name: p.name, in: p.in, property })
      }
      const call: OpenApiCall = { method: method.toUpperCase(), baseUrl, path, parameters }
      const body = bodyOf(document, op)
      if (body) {
        const own = body.schema.properties as Json | undefined
        const flat =
          body.schema.type === 'object' &&
          own &&
          Object.keys(own).every((k) => properties[k] === undefined)
        if (flat) {
          Object.assign(properties, own)
          if (body.required) required.push(...((body.schema.required as string[]) ?? []))
          call.body = { mode: 'flat', contentType: body.contentType, properties: Object.keys(own) }
        } else {
          const property = properties.body === undefined ? 'body' : 'requestBody'
          properties[property] = withDescription(body.schema, op.requestBody.description)
          if (body.required) required.push(property)
          call.body = { mode: 'wrapped', contentType: body.contentType, property }
        }
      }
      const operationId = typeof op.operationId === 'string' ? op.operationId : ''
      const fallback = `${method}_${path}`.replace(/[^a-zA-Z0-9]+/g, '_').replace(/_+$/, '')
      let name = functionName(operationId || fallback, 'operation')
      for (let n = 2; names.has(name); n++) name = `${name.slice(0, 60)}_${n}`
      names.add(name)
      tools.push({
        key: `${method.toUpperCase()} ${path}`,
        name,
        operationId,
        method: method.toUpperCase(),
        path,
        description: [op.summary, op.description].filter(Boolean).join('\n\n'),
        parameters: {
          type: 'object',
          properties,
          ...(required.length ? { required: [...new Set(required)] } : {}),
        },
        call,
      })
    }
  }
  return tools
}
