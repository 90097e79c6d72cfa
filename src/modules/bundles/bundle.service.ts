import type { Selectable } from 'kysely'
import type {
  BulkWorkspaceApplyTable,
  BulkWorkspaceApplyResultTable,
} from '../../db/schema.bundles.ts'
import { deleteResource, findResource, insertResource, updateResource } from '../../db/resources.ts'
import {
  AppError,
  BAD_REQUEST_TYPE,
  Code,
  alreadyExists,
  fieldError,
  invalidArgument,
  notFound,
  type FieldViolation,
} from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
import { agentOf, validateAgentSpec, variationOf } from '../agents/index.ts'
import type { Deps, Scope } from '../deps.ts'
import { loadProfiles } from '../profiles/index.ts'
import { metadataColumns, newResourceColumns, rethrowUnique } from '../resource.ts'
import {
  readDocumentFirst,
  toolFunctionName,
  toolOf,
  toolSetOf,
  validateToolSetSpec,
  validateToolSpec,
  withInfoAfterSync,
  type ToolSetRow,
  type ToolSetSpec,
} from '../tools/index.ts'
import type {
  Action,
  ApplyBundleBody,
  BulkWorkspaceApply,
  BulkWorkspaceApplyData,
  BulkWorkspaceApplyResult,
  ListAppliesQuery,
  ListResultsQuery,
  ResultType,
  VariationAssignmentEntry,
} from './bundle.schema.ts'
import {
  OWNED,
  findApplyRow,
  findOwned,
  findVariationAssignments,
  listApplyRows,
  listResultRows,
  lockBundle,
} from './bundles.repository.ts'

type ApplyRow = Selectable<BulkWorkspaceApplyTable>
type ResultRow = Selectable<BulkWorkspaceApplyResultTable>
type OwnedTable = (typeof OWNED)[keyof typeof OWNED]
type Entry = { name: string; labels?: Record<string, string>; spec: unknown }
type Document = Awaited<ReturnType<typeof readDocumentFirst>>

interface Outcome {
  type: ResultType
  action: Action
  externalId: string
  resource: unknown
}

// ---- Validation: the whole bundle is checked before anything is written ----

function violationsOf(err: AppError): FieldViolation[] {
  return err.details.flatMap((d) =>
    d['@type'] === BAD_REQUEST_TYPE ? ((d.fieldViolations as FieldViolation[]) ?? []) : [],
  )
}

/** Rewrites a service's 400 (`spec.x`) to name where in the bundle it is (`data.agents.a.spec.x`). */
function underPath(err: unknown, path: string): unknown {
  if (!(err instanceof AppError) || err.code !== Code.INVALID_ARGUMENT) return err
  const fields = violationsOf(err).map((v) => ({ ...v, field: `${path}.${v.field}` }))
  if (fields.length === 0) return fieldError(path, err.message)
  return invalidArgument(`${fields[0]!.field}: ${fields[0]!.description}`, fields)
}

function at<T>(path: string, check: () => T): T {
  try {
    return check()
  } catch (err) {
    throw underPath(err, path)
  }
}

async function atAsync<T>(path: string, check: () => Promise<T>): Promise<T> {
  try {
    return await check()
  } catch (err) {
    throw underPath(err, path)
  }
}

/** Parts of the public bundle this server does not apply: refused rather than silently dropped. */
function refuseNotServed(value: unknown, path: string): void {
  const empty =
    value === undefined ||
    value === null ||
    (Array.isArray(value)
      ? value.length === 0
      : typeof value === 'object' && !Object.keys(value).length)
  if (!empty) throw fieldError(path, 'is not applied by this server (docs/api.md section 3.14)')
}

const TARGET_FIELDS = ['toolId', 'toolSetId', 'subAgentId'] as const

function adapterKind(spec: ToolSetSpec): 'http' | 'mcp' | 'openapi' {
  return spec.adapter.http ? 'http' : spec.adapter.mcp ? 'mcp' : 'openapi'
}

/** Every rule a create of each entry would check, plus the bundle's own (unique keys). */
function checkBundle(data: BulkWorkspaceApplyData): void {
  refuseNotServed(data.memoryLayers, 'data.memoryLayers')
  const toolKeys = new Map<string, string>()
  for (const [setKey, set] of Object.entries(data.toolSets ?? {})) {
    const path = `data.toolSets.${setKey}`
    at(path, () => validateToolSetSpec(set.spec))
    const tools = Object.entries(set.tools ?? {})
    const kind = adapterKind(set.spec)
    if (tools.length && kind !== 'http') {
      throw fieldError(
        `${path}.tools`,
        `a ${kind} tool set gets its tools from its sync; only HTTP tool sets list them`,
      )
    }
    const functionNames = new Map<string, string>()
    for (const [key, tool] of tools) {
      const toolPath = `${path}.tools.${key}`
      if (toolKeys.has(key)) {
        throw fieldError(
          toolPath,
          `the key is used by ${toolKeys.get(key)} too (keys are external ids)`,
        )
      }
      toolKeys.set(key, toolPath)
      at(toolPath, () => validateToolSpec(tool.spec, { spec: set.spec }))
      const fn = toolFunctionName({ metadata: { name: tool.name }, spec: tool.spec } as never)
      if (functionNames.has(fn)) {
        throw fieldError(
          toolPath,
          `is called ${JSON.stringify(fn)} like tool ${functionNames.get(fn)}`,
        )
      }
      functionNames.set(fn, key)
    }
  }
  const variationKeys = new Map<string, string>()
  for (const [agentKey, agent] of Object.entries(data.agents ?? {})) {
    const path = `data.agents.${agentKey}`
    at(path, () => validateAgentSpec(agent.spec))
    refuseNotServed(agent.schedules, `${path}.schedules`)
    for (const [key, variation] of Object.entries(agent.variations ?? {})) {
      const vPath = `${path}.variations.${key}`
      if (variationKeys.has(key)) {
        throw fieldError(
          vPath,
          `the key is used by ${variationKeys.get(key)} too (keys are external ids)`,
        )
      }
      variationKeys.set(key, vPath)
      refuseNotServed(variation.memoryLayers, `${vPath}.memoryLayers`)
      variation.assignments?.forEach((a, i) => {
        const given = TARGET_FIELDS.filter((f) => a[f] !== undefined)
        if (given.length !== 1) {
          throw fieldError(
            `${vPath}.assignments[${i}]`,
            'exactly one of toolId, toolSetId or subAgentId must be set',
          )
        }
        at(`${vPath}.assignments[${i}].${given[0]}`, () => parseIdRef(a[given[0]!]!))
      })
    }
  }
}

/** Equal as JSON, whatever the order of object keys (jsonb does not keep it). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b)
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

/**
 * OpenAPI documents are read before the transaction (as a create does before its insert): a
 * document that cannot be used is a 400 naming the tool set, and nothing changes. An unchanged
 * tool set is not read again.
 */
async function readDocuments(
  deps: Deps,
  scope: Scope,
  data: BulkWorkspaceApplyData,
): Promise<Map<string, Document>> {
  const documents = new Map<string, Document>()
  for (const [key, set] of Object.entries(data.toolSets ?? {})) {
    if (!set.spec.adapter.openapi) continue
    const existing = await findResource(deps.db, 'tool_sets', scope.workspaceId, {
      externalId: key,
    })
    if (existing && sameJson(existing.spec, set.spec)) continue
    const document = await atAsync(`data.toolSets.${key}`, () =>
      readDocumentFirst(deps, scope.workspaceId, existing?.id, set.spec),
    )
    documents.set(key, document)
  }
  return documents
}

// ---- The apply: one transaction ----

const KIND_NAME: Record<OwnedTable, string> = {
  tool_sets: 'tool set',
  tools: 'tool',
  agents: 'agent',
  agent_variations: 'variation',
}

const ID_KIND = {
  tool_sets: 'toolSet',
  tools: 'tool',
  agents: 'agent',
  agent_variations: 'variation',
} as const

/** One apply of one bundle, inside its transaction: what it wrote, kept and must sync afterwards. */
class BundleRun {
  readonly outcomes: Outcome[] = []
  readonly toSync: { row: ToolSetRow; document: Document }[] = []
  private readonly kept = new Set<string>()
  private readonly toolSetIds = new Set<string>()

  constructor(
    private readonly deps: Deps,
    private readonly scope: Scope,
    private readonly bundleKey: string,
  ) {}

  /** Creates, updates or leaves one entry's row; another owner's row of the same key is a 409. */
  private async upsert(
    table: OwnedTable,
    path: string,
    key: string,
    entry: Entry,
    parent: Record<string, string> = {},
  ): Promise<{ row: any; action: Action }> {
    const { db } = this.deps
    const ws = this.scope.workspaceId
    const existing: any = await findResource(db, table, ws, { externalId: key })
    if (existing && existing.bundle_key !== this.bundleKey) {
      const owner = existing.bundle_key
        ? `is owned by bundle ${JSON.stringify(existing.bundle_key)}`
        : 'exists outside any bundle'
      throw alreadyExists(
        `${path}: the ${KIND_NAME[table]} with external id ${JSON.stringify(key)} ${owner}`,
      )
    }
    const metadata = { name: entry.name, externalId: key, labels: entry.labels ?? {} }
    const what = `a ${KIND_NAME[table]}`
    let row: any
    let action: Action
    if (!existing) {
      row = await insertResource(db, table, {
        ...newResourceColumns(this.deps.ids(ID_KIND[table]), this.scope, metadata),
        spec: JSON.stringify(entry.spec),
        bundle_key: this.bundleKey,
        ...parent,
      }).catch((err) => rethrowUnique(err, what))
      action = 'ACTION_CREATED'
    } else if (
      existing.name === entry.name &&
      sameJson(existing.labels, metadata.labels) &&
      sameJson(existing.spec, entry.spec) &&
      Object.entries(parent).every(([column, id]) => existing[column] === id)
    ) {
      row = existing
      action = 'ACTION_UNCHANGED'
    } else {
      row = await updateResource(db, table, existing.id, {
        ...metadataColumns(metadata),
        spec: JSON.stringify(entry.spec),
        ...parent,
      }).catch((err) => rethrowUnique(err, what))
      action = 'ACTION_UPDATED'
    }
    this.kept.add(row.id)
    return { row, action }
  }

  async toolSets(data: BulkWorkspaceApplyData, documents: Map<string, Document>): Promise<void> {
    for (const [key, set] of Object.entries(data.toolSets ?? {})) {
      const path = `data.toolSets.${key}`
      const { row, action } = await this.upsert('tool_sets', path, key, set)
      this.outcomes.push({ type: 'toolSet', action, externalId: key, resource: toolSetOf(row) })
      this.toolSetIds.add(row.id)
      const { mcp, openapi } = set.spec.adapter
      if (action !== 'ACTION_UNCHANGED' && (mcp || openapi)) {
        this.toSync.push({ row, document: documents.get(key) })
      }
      for (const [toolKey, tool] of Object.entries(set.tools ?? {})) {
        const result = await this.upsert('tools', `${path}.tools.${toolKey}`, toolKey, tool, {
          tool_set_id: row.id,
        })
        this.outcomes.push({
          type: 'tool',
          action: result.action,
          externalId: toolKey,
          resource: toolOf(result.row),
        })
      }
    }
  }

  /**
   * Every agent first, then the variations: an assignment may name any agent of the bundle as
   * its sub-agent, wherever it is listed.
   */
  async agents(data: BulkWorkspaceApplyData): Promise<void> {
    const agents = Object.entries(data.agents ?? {})
    const ids = new Map<string, string>()
    for (const [key, agent] of agents) {
      const { row, action } = await this.upsert('agents', `data.agents.${key}`, key, agent)
      this.outcomes.push({ type: 'agent', action, externalId: key, resource: agentOf(row) })
      ids.set(key, row.id)
    }
    for (const [key, agent] of agents) {
      for (const [vKey, variation] of Object.entries(agent.variations ?? {})) {
        const vPath = `data.agents.${key}.variations.${vKey}`
        const result = await this.upsert('agent_variations', vPath, vKey, variation, {
          agent_id: ids.get(key)!,
        })
        this.outcomes.push({
          type: 'agentVariation',
          action: result.action,
          externalId: vKey,
          resource: variationOf(result.row),
        })
        await this.assignments(vPath, result.row, variation.assignments ?? [])
      }
    }
  }

  /** A bundle-owned variation's assignments become exactly the listed ones. */
  private async assignments(
    path: string,
    variation: { id: string; agent_id: string },
    entries: VariationAssignmentEntry[],
  ): Promise<void> {
    const { db } = this.deps
    const ws = this.scope.workspaceId
    const TARGETS = {
      toolId: { table: 'tools', column: 'tool_id', key: 'tool' },
      toolSetId: { table: 'tool_sets', column: 'tool_set_id', key: 'toolSet' },
      subAgentId: { table: 'agents', column: 'sub_agent_id', key: 'agent' },
    } as const
    const wanted = new Map<string, { column: string; id: string; ref: object }>()
    for (const [i, entry] of entries.entries()) {
      const field = TARGET_FIELDS.find((f) => entry[f] !== undefined)!
      const target = TARGETS[field]
      const fieldPath = `${path}.assignments[${i}].${field}`
      const ref = entry[field]!
      const row = await findResource(db, target.table, ws, parseIdRef(ref))
      if (!row)
        throw fieldError(fieldPath, `${KIND_NAME[target.table]} ${JSON.stringify(ref)} not found`)
      // Tool sets, tools and agents are all written before any assignment: one the bundle owns
      // but does not list is deleted by this apply, and would take the assignment with it.
      if (row.bundle_key === this.bundleKey && !this.kept.has(row.id)) {
        throw fieldError(
          fieldPath,
          `${KIND_NAME[target.table]} ${JSON.stringify(ref)} is no longer in this bundle and is deleted by this apply`,
        )
      }
      if (field === 'subAgentId' && row.id === variation.agent_id) {
        throw fieldError(fieldPath, 'a variation cannot call its own agent as a sub-agent')
      }
      wanted.set(`${target.column}:${row.id}`, {
        column: target.column,
        id: row.id,
        ref: { [target.key]: { id: row.id, name: row.name } },
      })
    }
    const current = await findVariationAssignments(db, variation.id)
    const keyOf = (a: (typeof current)[number]) =>
      a.tool_id
        ? `tool_id:${a.tool_id}`
        : a.tool_set_id
          ? `tool_set_id:${a.tool_set_id}`
          : `sub_agent_id:${a.sub_agent_id}`
    const have = new Map(current.map((a) => [keyOf(a), a]))
    for (const [k, want] of wanted) {
      const existing = have.get(k)
      let id = existing?.id
      if (!existing) {
        id = this.deps.ids('assignment')
        await db
          .insertInto('variation_assignments')
          .values({
            id,
            account_id: this.scope.accountId,
            workspace_id: ws,
            profile_id: this.scope.profileId,
            variation_id: variation.id,
            [want.column]: want.id,
          })
          .execute()
      }
      this.outcomes.push({
        type: 'variationAssignment',
        action: existing ? 'ACTION_UNCHANGED' : 'ACTION_CREATED',
        externalId: '',
        resource: { id, ...want.ref },
      })
    }
    for (const [k, a] of have) {
      if (wanted.has(k)) continue
      await db.deleteFrom('variation_assignments').where('id', '=', a.id).execute()
      this.outcomes.push({
        type: 'variationAssignment',
        action: 'ACTION_DELETED',
        externalId: '',
        resource: { id: a.id, ...(await this.assignmentRef(a)) },
      })
    }
  }

  private async assignmentRef(a: {
    tool_id: string | null
    tool_set_id: string | null
    sub_agent_id: string | null
  }): Promise<object> {
    const ws = this.scope.workspaceId
    const [table, key, id] = a.tool_id
      ? (['tools', 'tool', a.tool_id] as const)
      : a.tool_set_id
        ? (['tool_sets', 'toolSet', a.tool_set_id] as const)
        : (['agents', 'agent', a.sub_agent_id!] as const)
    const row = await findResource(this.deps.db, table, ws, { id })
    return { [key]: { id, name: row?.name ?? '' } }
  }

  /**
   * What the bundle owned and no longer lists is deleted, as DELETE on it would (variations
   * first: deleting an agent takes its variations with it). Its last state is the result.
   */
  async deleteUnlisted(): Promise<void> {
    const ws = this.scope.workspaceId
    const order = [
      ['agentVariation', OWNED.agentVariation, (r: any) => variationOf(r)],
      ['agent', OWNED.agent, (r: any) => agentOf(r)],
      ['tool', OWNED.tool, (r: any) => toolOf(r)],
      ['toolSet', OWNED.toolSet, (r: any) => toolSetOf(r)],
    ] as const
    for (const [type, table, map] of order) {
      const rows: any[] = await findOwned(this.deps.db, table, ws, this.bundleKey)
      for (const row of rows) {
        if (this.kept.has(row.id)) continue
        this.outcomes.push({
          type,
          action: 'ACTION_DELETED',
          externalId: row.external_id,
          resource: map(row),
        })
        await deleteResource(this.deps.db, table, row.id)
      }
    }
  }

  /** Function names stay unique in every tool set the bundle wrote to (the bundle's and others'). */
  async checkFunctionNames(): Promise<void> {
    for (const id of this.toolSetIds) {
      const rows = await this.deps.db
        .selectFrom('tools')
        .selectAll()
        .where('tool_set_id', '=', id)
        .orderBy('id')
        .execute()
      const seen = new Map<string, string>()
      for (const row of rows) {
        const fn = toolFunctionName(toolOf(row))
        const other = seen.get(fn)
        if (other !== undefined) {
          throw alreadyExists(
            `tools ${JSON.stringify(other)} and ${JSON.stringify(row.name)} of a tool set would both be called ${JSON.stringify(fn)}`,
          )
        }
        seen.set(fn, row.name)
      }
    }
  }

  /** Records the apply and its results in the same transaction as the changes. */
  async record(data: BulkWorkspaceApplyData): Promise<string> {
    const { db } = this.deps
    const id = this.deps.ids('bulkApply')
    const counts: Record<string, number> = {}
    for (const o of this.outcomes) counts[o.action] = (counts[o.action] ?? 0) + 1
    await db
      .insertInto('bulk_workspace_applies')
      .values({
        id,
        account_id: this.scope.accountId,
        workspace_id: this.scope.workspaceId,
        profile_id: this.scope.profileId,
        bundle_key: this.bundleKey,
        data: JSON.stringify(data),
        state: 'STATE_SUCCEEDED',
        counts: JSON.stringify(counts),
        completed_at: this.deps.clock.now(),
      })
      .execute()
    // Inserted in batches: a large bundle is one statement per few hundred results.
    const rows = this.outcomes.map((o) => ({
      id: this.deps.ids('bulkApplyResult'),
      apply_id: id,
      account_id: this.scope.accountId,
      workspace_id: this.scope.workspaceId,
      profile_id: this.scope.profileId,
      type: o.type,
      action: o.action,
      external_id: o.externalId,
      resource: JSON.stringify(o.resource),
    }))
    for (let i = 0; i < rows.length; i += 500) {
      await db
        .insertInto('bulk_workspace_apply_results')
        .values(rows.slice(i, i + 500))
        .execute()
    }
    return id
  }
}

/**
 * `POST …/bulk_workspace_applies`: makes the workspace match the bundle in one transaction and
 * answers the finished operation (docs/api.md section 3.14, docs/decisions.md decision 19).
 */
export async function applyBundle(
  deps: Deps,
  scope: Scope,
  body: ApplyBundleBody,
): Promise<BulkWorkspaceApply> {
  const data = body.data
  checkBundle(data)
  const documents = await readDocuments(deps, scope, data)
  const run = await deps.db.transaction().execute(async (trx) => {
    const tx = { ...deps, db: trx }
    await lockBundle(trx, scope.workspaceId, data.bundleKey)
    const run = new BundleRun(tx, scope, data.bundleKey)
    await run.toolSets(data, documents)
    await run.agents(data)
    await run.deleteUnlisted()
    await run.checkFunctionNames()
    return { run, id: await run.record(data) }
  })
  // As after a create or update through the API: MCP and OpenAPI sets show their tools. A sync
  // that fails is recorded on the tool set (its events); the apply itself has committed.
  for (const { row, document } of run.run.toSync) {
    await withInfoAfterSync(deps, row, scope.profileId, document).catch((err) =>
      deps.logger.warn({ err, toolSetId: row.id }, 'sync after a bulk apply failed'),
    )
  }
  return getApply(deps, scope, run.id)
}

// ---- Reads ----

async function applyOf(
  deps: Deps,
  row: ApplyRow,
  withCreator: boolean,
): Promise<BulkWorkspaceApply> {
  const counts = row.counts as Record<string, number>
  const n = (a: string) => counts[a] ?? 0
  const creator = withCreator
    ? (await loadProfiles(deps, [row.profile_id])).get(row.profile_id)
    : undefined
  return {
    metadata: {
      id: row.id,
      accountId: row.account_id,
      workspaceId: row.workspace_id,
      profileId: row.profile_id,
      externalId: '',
      labels: {},
      createdAt: row.created_at.toISOString(),
    },
    data: row.data as BulkWorkspaceApplyData,
    status: { state: row.state as BulkWorkspaceApply['status']['state'], message: '' },
    info: {
      ...(creator ? { createdBy: creator } : {}),
      startedAt: row.created_at.toISOString(),
      ...(row.completed_at ? { completedAt: row.completed_at.toISOString() } : {}),
      totalCount: Object.values(counts).reduce((a, b) => a + b, 0),
      createdCount: n('ACTION_CREATED'),
      updatedCount: n('ACTION_UPDATED'),
      unchangedCount: n('ACTION_UNCHANGED'),
      deletedCount: n('ACTION_DELETED'),
      failedCount: n('ACTION_FAILED'),
    },
  }
}

async function findApply(deps: Deps, scope: Scope, id: string): Promise<ApplyRow> {
  const row = await findApplyRow(deps.db, scope.workspaceId, id)
  if (!row) throw notFound('bulk workspace apply', id)
  return row
}

export async function getApply(deps: Deps, scope: Scope, id: string): Promise<BulkWorkspaceApply> {
  return applyOf(deps, await findApply(deps, scope, id), true)
}

export async function listApplies(
  deps: Deps,
  scope: Scope,
  query: ListAppliesQuery,
): Promise<Page<BulkWorkspaceApply>> {
  const position = decodePageRequest(query)
  const { rows, total } = await listApplyRows(deps.db, scope.workspaceId, position, query)
  const page = toPage(rows, position, total, (r) => r)
  const items = await Promise.all(page.items.map((r) => applyOf(deps, r, !!query.includeInfo)))
  return { ...page, items }
}

function resultOf(row: ResultRow): BulkWorkspaceApplyResult {
  return {
    metadata: {
      id: row.id,
      accountId: row.account_id,
      workspaceId: row.workspace_id,
      profileId: row.profile_id,
      externalId: '',
      labels: {},
      createdAt: row.created_at.toISOString(),
    },
    data: {
      type: row.type as ResultType,
      [row.type]: { action: row.action, externalId: row.external_id, resource: row.resource },
    } as BulkWorkspaceApplyResult['data'],
  }
}

export async function listResults(
  deps: Deps,
  scope: Scope,
  applyId: string,
  query: ListResultsQuery,
): Promise<Page<BulkWorkspaceApplyResult>> {
  const apply = await findApply(deps, scope, applyId)
  const position = decodePageRequest(query)
  const { rows, total } = await listResultRows(deps.db, apply.id, position, query)
  return toPage(rows, position, total, resultOf)
}
