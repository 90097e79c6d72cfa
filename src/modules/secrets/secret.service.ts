import type { Selectable } from 'kysely'
import {
  deleteResource,
  findResource,
  insertResource,
  updateResource,
  type Filter,
} from '../../db/resources.ts'
import type { WorkspaceSecretTable } from '../../db/schema.ts'
import { fieldError, notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import type { Page } from '../../lib/pagination.ts'
import { loadProfiles } from '../profiles/index.ts'
import type { Deps, Scope } from '../deps.ts'
import {
  applyUpdate,
  listNamedResources,
  metadataColumns,
  newResourceColumns,
  resourceMetadata,
  rethrowUnique,
} from '../resource.ts'
import { findToolSetRow } from '../tools/index.ts'
import type {
  CreateSecretBody,
  ListSecretsQuery,
  UpdateSecretBody,
  WorkspaceSecret,
} from './secret.schema.ts'

type SecretRow = Selectable<WorkspaceSecretTable>

/**
 * Where a secret lives: the workspace, or one tool set (its rows carry `tool_set_id`). Both kinds
 * share one shape and one set of operations (docs/decisions.md decision 5).
 */
export interface SecretStore {
  table: 'workspace_secrets' | 'tool_set_secrets'
  what: string
  idKind: 'workspaceSecret' | 'toolSetSecret'
  filter: Filter
  columns: Record<string, unknown>
}

export const workspaceStore: SecretStore = {
  table: 'workspace_secrets',
  what: 'workspace secret',
  idKind: 'workspaceSecret',
  filter: (qb) => qb,
  columns: {},
}

/** The secrets of one tool set of the scope's workspace (404 when the tool set is not there). */
export async function toolSetStore(deps: Deps, scope: Scope, toolSetRef: string) {
  const toolSet = await findToolSetRow(deps, scope, toolSetRef)
  return {
    table: 'tool_set_secrets',
    what: 'tool set secret',
    idKind: 'toolSetSecret',
    filter: (qb) => qb.where('tool_set_id', '=', toolSet.id),
    columns: { tool_set_id: toolSet.id },
  } satisfies SecretStore
}

/** The one row -> secret mapping; the sealed value never leaves the row. */
export function secretOf(row: SecretRow, info?: WorkspaceSecret['info']): WorkspaceSecret {
  return { metadata: resourceMetadata(row), spec: {}, ...(info ? { info } : {}) }
}

async function withInfo(deps: Deps, rows: SecretRow[]): Promise<WorkspaceSecret[]> {
  const profiles = await loadProfiles(
    deps,
    rows.map((r) => r.profile_id),
  )
  return rows.map((row) =>
    secretOf(row, {
      createdBy: profiles.get(row.profile_id),
      ...(row.last_used_at ? { lastUsedAt: row.last_used_at.toISOString() } : {}),
    }),
  )
}

async function findSecretRow(
  deps: Deps,
  scope: Scope,
  store: SecretStore,
  ref: string,
): Promise<SecretRow> {
  const row = await findResource(
    deps.db,
    store.table,
    scope.workspaceId,
    parseIdRef(ref),
    store.filter,
  )
  if (!row) throw notFound(store.what, ref)
  return row
}

export async function createSecret(
  deps: Deps,
  scope: Scope,
  store: SecretStore,
  body: CreateSecretBody,
): Promise<WorkspaceSecret> {
  const row = await insertResource(deps.db, store.table, {
    ...newResourceColumns(deps.ids(store.idKind), scope, body.metadata),
    ...store.columns,
    value_sealed: deps.box.seal(body.spec.value),
  }).catch((err) => rethrowUnique(err, `a ${store.what}`))
  return (await withInfo(deps, [row]))[0]!
}

export async function getSecret(
  deps: Deps,
  scope: Scope,
  store: SecretStore,
  ref: string,
): Promise<WorkspaceSecret> {
  return (await withInfo(deps, [await findSecretRow(deps, scope, store, ref)]))[0]!
}

export async function listSecrets(
  deps: Deps,
  scope: Scope,
  store: SecretStore,
  query: ListSecretsQuery,
): Promise<Page<WorkspaceSecret>> {
  return listNamedResources(deps, store.table, scope, query, {
    filter: store.filter,
    map: (r) => secretOf(r),
    withInfo: (rows) => withInfo(deps, rows),
  })
}

export async function updateSecret(
  deps: Deps,
  scope: Scope,
  store: SecretStore,
  ref: string,
  body: UpdateSecretBody,
): Promise<WorkspaceSecret> {
  const row = await findSecretRow(deps, scope, store, ref)
  const masksValue = (body.updateMask ?? '').split(',').some((p) => p.trim() === 'spec.value')
  // A secret always has a value: a mask naming spec.value must bring one.
  if (masksValue && body.spec?.value === undefined) throw fieldError('spec.value', 'is required')
  const current = { metadata: resourceMetadata(row), spec: {} as { value?: string } }
  const next = applyUpdate(current, body, body.updateMask)
  const updated = await updateResource(deps.db, store.table, row.id, {
    ...metadataColumns(next.metadata),
    ...(next.spec.value !== undefined ? { value_sealed: deps.box.seal(next.spec.value) } : {}),
  }).catch((err) => rethrowUnique(err, `a ${store.what}`))
  return (await withInfo(deps, [updated]))[0]!
}

export async function deleteSecret(
  deps: Deps,
  scope: Scope,
  store: SecretStore,
  ref: string,
): Promise<void> {
  const row = await findSecretRow(deps, scope, store, ref)
  await deleteResource(deps.db, store.table, row.id)
}
