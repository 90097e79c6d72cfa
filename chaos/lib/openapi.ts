/** The routes Sortie lists in its own `/openapi.json`, with what a request to each needs. */
export interface ApiRoute {
  method: string
  /** The template, e.g. /v1/workspaces/{workspaceId}/agents/{id}. */
  path: string
  pathParams: string[]
  queryParams: string[]
  /** The JSON request body schema ($refs resolved on demand with `resolve`). */
  body?: JsonSchema
  /** The document says the route takes no API key (`security: []`), e.g. an upload URL's PUT. */
  keyless: boolean
}

export type JsonSchema = Record<string, any>

export interface ApiDocument {
  routes: ApiRoute[]
  /** Follows a `$ref` into components (one level at a time). */
  resolve(schema: JsonSchema | undefined): JsonSchema | undefined
}

export function readApiDocument(doc: any): ApiDocument {
  const routes: ApiRoute[] = []
  for (const [path, ops] of Object.entries<any>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<any>(ops)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue
      const params: { in: string; name: string }[] = op.parameters ?? []
      routes.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        body: op.requestBody?.content?.['application/json']?.schema,
        keyless: Array.isArray(op.security) && op.security.length === 0,
      })
    }
  }
  const resolve = (schema: JsonSchema | undefined): JsonSchema | undefined => {
    let s = schema
    for (let i = 0; s?.$ref && i < 10; i++) {
      const name = String(s.$ref).replace('#/components/schemas/', '')
      s = doc.components?.schemas?.[name]
    }
    return s
  }
  return { routes, resolve }
}

/** The path of `route` with each `{param}` replaced (values are inserted as given). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`)
}

/**
 * The collection segment before a path parameter (`agents` for `/v1/agents/{id}`), also when the
 * parameter carries a colon verb (`/v1/objectives/{objectiveId}:cancel`).
 */
export function collectionOf(path: string, param: string): string {
  const segments = path.split('/')
  const at = segments.findIndex((s) => s === `{${param}}` || s.startsWith(`{${param}}:`))
  return at > 0 ? segments[at - 1]! : ''
}

/** The kind of resource a path parameter names, from the collection segment before it. */
export const KIND_OF_COLLECTION: Record<string, string> = {
  agents: 'agent',
  variations: 'variation',
  agent_variations: 'variation',
  assignments: 'assignment',
  tool_sets: 'tool_set',
  tools: 'tool',
  secrets: 'tool_set_secret',
  workspace_secrets: 'workspace_secret',
  objectives: 'objective',
  tool_calls: 'tool_call',
  tasks: 'task',
  webhook_deliveries: 'webhook_delivery',
  goals: 'goal',
  models: 'model',
  ai_provider_keys: 'ai_provider_key',
  api_keys: 'api_key',
}

/** Which surface a route belongs to: native (/v1), a compat surface, or public (no key). */
export function surfaceOf(path: string): 'native' | 'tokensource' | 'helpgenie' | 'public' {
  if (path.startsWith('/tokensource')) return 'tokensource'
  if (path.startsWith('/helpgenie')) return 'helpgenie'
  if (path.startsWith('/v1/')) return 'native'
  return 'public'
}
