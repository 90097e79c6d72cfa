import { compileJsonSchema } from '../../lib/json-schema.ts'
import { secretRedactor } from '../../lib/redact.ts'
import type { Deps } from '../deps.ts'
import { readSecrets } from '../secrets/read-secrets.ts'
import { connectMcp, listMcpTools } from './mcp-client.ts'
import {
  fetchOpenApiDocument,
  OpenApiDocumentError,
  operationTools,
  parseOpenApiDocument,
  serverUrl,
  type OpenApiCall,
} from './openapi-document.ts'
import { approvalRequired, filterMatches, type FilterSubject } from './tool-filter.ts'
import type { ToolSetSpec } from './tool-set.schema.ts'
import type { ToolSpec, ToolStatus } from './tool.schema.ts'
import { parseToolTemplate } from './tool-template.ts'
import {
  findToolsOfSet,
  insertToolSetEvent,
  lockToolSet,
  markToolSetSynced,
  type ToolSetRow,
} from './tools.repository.ts'

/** Bounds each network step of a sync (connect, list, fetch). */
export const SYNC_TIMEOUT_MS = 30_000

const STARTED = { type: 'sync_started', syncStarted: { message: 'sync started' } }

/** A sync that could not complete; its message (secrets redacted) is what the events show. */
export class SyncError extends Error {}

/** A tool as the server or document describes it, ready to upsert. */
interface SyncedTool {
  /** Identity across syncs: the MCP tool name, or `METHOD /path` of an OpenAPI operation. */
  key: string
  name: string
  spec: ToolSpec
  openapiCall?: OpenApiCall
}

/** What a sync read from the server or document, before anything is written. */
export interface FetchedTools {
  tools: SyncedTool[]
  /** The OpenAPI document as fetched (served by GET .../openapi_spec). */
  document?: string
}

interface FilterRules {
  includeTools?: Parameters<typeof filterMatches>[1]
  excludeTools?: Parameters<typeof filterMatches>[1]
  toolApprovals?: Parameters<typeof approvalRequired>[1]
}

/** Excluded tools are OMITTED; tools an include filter does not select are FILTERED. */
function statusOf(subject: FilterSubject, rules: FilterRules): ToolStatus {
  if (rules.excludeTools?.filters?.length && filterMatches(subject, rules.excludeTools)) {
    return 'TOOL_STATUS_OMITTED'
  }
  if (rules.includeTools?.filters?.length && !filterMatches(subject, rules.includeTools)) {
    return 'TOOL_STATUS_FILTERED'
  }
  return 'TOOL_STATUS_AVAILABLE'
}

/**
 * The adapter's headers with `${NAME}` secrets resolved (the tool set's secrets, then the
 * workspace's). A header whose template reads call arguments has no value outside a call and is
 * not sent. Also returns the secret values, to redact them from any error message.
 */
async function resolveHeaders(
  deps: Deps,
  workspaceId: string,
  toolSetId: string | undefined,
  headers: Record<string, string>,
): Promise<{ headers: Record<string, string>; secretValues: string[] }> {
  const out: Record<string, string> = {}
  const values = new Map<string, string>()
  for (const [name, source] of Object.entries(headers)) {
    const template = parseToolTemplate(source, 'none')
    if (template.arguments.length) continue
    for (const secret of template.secrets) {
      if (values.has(secret)) continue
      const owners = toolSetId ? [{ workspaceId, toolSetId }, { workspaceId }] : [{ workspaceId }]
      let value: string | undefined
      for (const owner of owners) {
        value ??= (await readSecrets(deps, owner, [secret])).get(secret)
      }
      if (value === undefined) {
        throw new SyncError(
          `secret "${secret}" is not defined (set it on the tool set or workspace)`,
        )
      }
      values.set(secret, value)
    }
    out[name] = await template.render({}, Object.fromEntries(values))
  }
  return { headers: out, secretValues: [...values.values()] }
}

const ANY_OBJECT = { type: 'object', properties: {} }

/**
 * A tool's parameters as the engine can check a call against them: the model's arguments are
 * validated with this schema at every turn, so one that does not compile would fail the turn.
 * Such a schema is replaced by an open object (the server still checks what it gets).
 */
function usableParameters(schema: unknown): Record<string, unknown> {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return ANY_OBJECT
  try {
    compileJsonSchema(schema, 'parameters')
    return schema as Record<string, unknown>
  } catch {
    return ANY_OBJECT
  }
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { message?: string; code?: string } }
  const cause = e?.cause?.message ?? e?.cause?.code
  const message = e?.message ?? String(err)
  return cause && !message.includes(cause) ? `${message}: ${cause}` : message
}

async function fetchMcpTools(
  deps: Deps,
  workspaceId: string,
  toolSetId: string | undefined,
  adapter: NonNullable<ToolSetSpec['adapter']['mcp']>,
  fetchImpl?: typeof fetch,
): Promise<FetchedTools> {
  const { headers, secretValues } = await resolveHeaders(
    deps,
    workspaceId,
    toolSetId,
    adapter.headers ?? {},
  )
  const redact = secretRedactor(secretValues)
  const signal = AbortSignal.timeout(SYNC_TIMEOUT_MS)
  let listed
  try {
    const client = await connectMcp(
      { url: adapter.url, headers },
      { timeoutMs: SYNC_TIMEOUT_MS, signal, fetch: fetchImpl },
    )
    try {
      listed = await listMcpTools(client, { timeoutMs: SYNC_TIMEOUT_MS, signal })
    } finally {
      await client.close().catch(() => {})
    }
  } catch (err) {
    throw new SyncError(redact(`cannot list the tools of ${adapter.url}: ${describe(err)}`))
  }
  return {
    tools: listed.map((t) => {
      const subject = { name: t.name, title: t.title ?? '', description: t.description ?? '' }
      return {
        key: t.name,
        name: t.name.slice(0, 200),
        spec: {
          config: {
            mcp: {
              toolName: t.name,
              toolTitle: t.title ?? '',
              toolDescription: t.description ?? '',
            },
          },
          description: t.description ?? '',
          parameters: usableParameters(t.inputSchema),
          status: statusOf(subject, adapter),
          requiresApproval: approvalRequired(subject, adapter.toolApprovals),
        },
      }
    }),
  }
}

async function fetchOpenApiTools(
  deps: Deps,
  workspaceId: string,
  toolSetId: string | undefined,
  adapter: NonNullable<ToolSetSpec['adapter']['openapi']>,
  fetchImpl?: typeof fetch,
): Promise<FetchedTools> {
  if (!adapter.url) {
    throw new SyncError('uploads are not available in this server: give the document as url')
  }
  const { headers, secretValues } = await resolveHeaders(
    deps,
    workspaceId,
    toolSetId,
    adapter.headers ?? {},
  )
  const redact = secretRedactor(secretValues)
  try {
    const text = await fetchOpenApiDocument(adapter.url, headers, {
      timeoutMs: SYNC_TIMEOUT_MS,
      fetch: fetchImpl,
    })
    const document = await parseOpenApiDocument(text)
    const baseUrl = serverUrl(document, adapter.url, adapter)
    const tools = operationTools(document, baseUrl).map((op) => {
      const subject = { name: op.operationId || op.name, title: '', description: op.description }
      return {
        key: op.key,
        name: op.name,
        spec: {
          config: {
            openapi: {
              method: op.method as 'GET',
              path: op.path,
              operationId: op.operationId || op.name,
            },
          },
          description: op.description,
          parameters: usableParameters(op.parameters),
          status: statusOf(subject, adapter),
          requiresApproval: approvalRequired(subject, adapter.toolApprovals),
        },
        openapiCall: op.call,
      }
    })
    return { tools, document: text }
  } catch (err) {
    if (err instanceof OpenApiDocumentError) throw new SyncError(redact(err.message))
    throw new SyncError(redact(describe(err)))
  }
}

/**
 * Reads the tools of an MCP server or OpenAPI document; writes nothing. Throws SyncError.
 * `toolSetId` is unset before the set exists (its own secrets cannot exist yet either).
 */
export async function fetchToolSetTools(
  deps: Deps,
  workspaceId: string,
  toolSetId: string | undefined,
  spec: ToolSetSpec,
  fetchImpl?: typeof fetch,
): Promise<FetchedTools> {
  const { mcp, openapi } = spec.adapter
  if (mcp) return fetchMcpTools(deps, workspaceId, toolSetId, mcp, fetchImpl)
  if (openapi) return fetchOpenApiTools(deps, workspaceId, toolSetId, openapi, fetchImpl)
  return { tools: [] }
}

function keyOf(spec: ToolSpec, name: string): string {
  const { mcp, openapi } = spec.config
  if (mcp) return mcp.toolName ?? name
  if (openapi) return `${openapi.method} ${openapi.path}`
  return `http:${name}`
}

/**
 * Writes what a sync fetched, in one transaction under the tool set's row lock: each tool is
 * updated in place (same id, so old tool calls keep their reference) or inserted; a tool no
 * longer there is archived, never deleted. Returns false, writing nothing, when the set was
 * changed or deleted since `row` was read (that change runs its own sync).
 */
export async function applySync(
  deps: Deps,
  row: ToolSetRow,
  fetched: FetchedTools,
  profileId: string,
  started?: boolean,
): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const current = await lockToolSet(trx, row.id)
    if (!current || current.updated_at.getTime() !== row.updated_at.getTime()) return false
    const existing = await findToolsOfSet(trx, row.id)
    const byKey = new Map(existing.map((t) => [keyOf(t.spec as ToolSpec, t.name), t]))
    const seen = new Set<string>()
    for (const tool of fetched.tools) {
      // A server that lists one tool twice gets it once.
      if (seen.has(tool.key)) continue
      seen.add(tool.key)
      const call = tool.openapiCall ? JSON.stringify(tool.openapiCall) : null
      const old = byKey.get(tool.key)
      if (old) {
        await trx
          .updateTable('tools')
          .set({
            name: tool.name,
            spec: JSON.stringify(tool.spec),
            openapi_call: call,
            updated_at: new Date(),
          })
          .where('id', '=', old.id)
          .execute()
      } else {
        await trx
          .insertInto('tools')
          .values({
            id: deps.ids('tool'),
            account_id: row.account_id,
            workspace_id: row.workspace_id,
            profile_id: profileId,
            name: tool.name,
            labels: '{}',
            spec: JSON.stringify(tool.spec),
            openapi_call: call,
            tool_set_id: row.id,
          })
          .execute()
      }
    }
    for (const old of existing) {
      const spec = old.spec as ToolSpec
      if (seen.has(keyOf(spec, old.name)) || spec.status === 'TOOL_STATUS_ARCHIVED') continue
      await trx
        .updateTable('tools')
        .set({
          spec: JSON.stringify({ ...spec, status: 'TOOL_STATUS_ARCHIVED' }),
          updated_at: new Date(),
        })
        .where('id', '=', old.id)
        .execute()
    }
    await markToolSetSynced(trx, row.id, fetched.document)
    const completed = {
      type: 'sync_completed',
      syncCompleted: {
        message: `synced ${fetched.tools.length} tools`,
        toolsSynced: fetched.tools.length,
      },
    }
    for (const event of started ? [completed] : [STARTED, completed]) {
      await insertToolSetEvent(trx, deps.ids('toolSetEvent'), row, profileId, event)
    }
    return true
  })
}

export interface SyncResult {
  ok: boolean
  message: string
}

/**
 * Syncs a tool set from its server or document: `sync_started`, then the tools and
 * `sync_completed`, or `sync_failed` with the reason while the previous tools stay as they were.
 */
export async function syncToolSet(
  deps: Deps,
  row: ToolSetRow,
  profileId: string,
  fetchImpl?: typeof fetch,
): Promise<SyncResult> {
  await insertToolSetEvent(deps.db, deps.ids('toolSetEvent'), row, profileId, STARTED)
  let fetched: FetchedTools
  try {
    fetched = await fetchToolSetTools(
      deps,
      row.workspace_id,
      row.id,
      row.spec as ToolSetSpec,
      fetchImpl,
    )
  } catch (err) {
    const message = err instanceof SyncError ? err.message : 'the sync failed unexpectedly'
    if (!(err instanceof SyncError)) {
      deps.logger.warn({ err: (err as Error).message, toolSetId: row.id }, 'tool set sync failed')
    }
    const failed = {
      type: 'sync_failed',
      syncFailed: { error: true, errorType: 'SYNC_ERROR', message },
    }
    await insertToolSetEvent(deps.db, deps.ids('toolSetEvent'), row, profileId, failed).catch(
      (err) => {
        // The set was deleted while it synced: there is nothing left to record the failure on.
        if ((err as { code?: string }).code !== '23503') throw err
      },
    )
    return { ok: false, message }
  }
  const applied = await applySync(deps, row, fetched, profileId, true)
  return applied
    ? { ok: true, message: `synced ${fetched.tools.length} tools` }
    : { ok: true, message: 'the tool set changed during the sync; its own sync applies' }
}
