import type { Selectable } from 'kysely'
import { deleteResource, findResource, insertResource, updateResource } from '../../db/resources.ts'
import type { WorkspaceSecretTable } from '../../db/schema.ts'
import { fieldError, notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import type { Page } from '../../lib/pagination.ts'
import { loadProfiles } from '../accounts/index.ts'
import type { Deps, Scope } from '../deps.ts'
import {
  applyUpdate,
  listNamedResources,
  metadataColumns,
  newResourceColumns,
  resourceMetadata,
  rethrowUnique,
} from '../resource.ts'
import type {
  CreateSecretBody,
  ListSecretsQuery,
  UpdateSecretBody,
  WorkspaceSecret,
} from './secret.schema.ts'
import { findSecretsByName, touchSecrets } from './secrets.repository.ts'

type SecretRow = Selectable<WorkspaceSecretTable>

/** The one row -> WorkspaceSecret mapping; the sealed value never leaves the row. */
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

async function findSecretRow(deps: Deps, scope: Scope, ref: string): Promise<SecretRow> {
  const row = await findResource(deps.db, 'workspace_secrets', scope.workspaceId, parseIdRef(ref))
  if (!row) throw notFound('workspace secret', ref)
  return row
}

export async function createSecret(
  deps: Deps,
  scope: Scope,
  body: CreateSecretBody,
): Promise<WorkspaceSecret> {
  const row = await insertResource(deps.db, 'workspace_secrets', {
    ...newResourceColumns(deps.ids('workspaceSecret'), scope, body.metadata),
    value_sealed: deps.box.seal(body.spec.value),
  }).catch((err) => rethrowUnique(err, 'a workspace secret'))
  return (await withInfo(deps, [row]))[0]!
}

export async function getSecret(deps: Deps, scope: Scope, ref: string): Promise<WorkspaceSecret> {
  return (await withInfo(deps, [await findSecretRow(deps, scope, ref)]))[0]!
}

export async function listSecrets(
  deps: Deps,
  scope: Scope,
  query: ListSecretsQuery,
): Promise<Page<WorkspaceSecret>> {
  return listNamedResources(deps, 'workspace_secrets', scope, query, {
    map: (r) => secretOf(r),
    withInfo: (rows) => withInfo(deps, rows),
  })
}

export async function updateSecret(
  deps: Deps,
  scope: Scope,
  ref: string,
  body: UpdateSecretBody,
): Promise<WorkspaceSecret> {
  const row = await findSecretRow(deps, scope, ref)
  const masksValue = (body.updateMask ?? '').split(',').some((p) => p.trim() === 'spec.value')
  // A secret always has a value: a mask naming spec.value must bring one.
  if (masksValue && body.spec?.value === undefined) throw fieldError('spec.value', 'is required')
  const current = { metadata: resourceMetadata(row), spec: {} as { value?: string } }
  const next = applyUpdate(current, body, body.updateMask)
  const updated = await updateResource(deps.db, 'workspace_secrets', row.id, {
    ...metadataColumns(next.metadata),
    ...(next.spec.value !== undefined ? { value_sealed: deps.box.seal(next.spec.value) } : {}),
  }).catch((err) => rethrowUnique(err, 'a workspace secret'))
  return (await withInfo(deps, [updated]))[0]!
}

export async function deleteSecret(deps: Deps, scope: Scope, ref: string): Promise<void> {
  const row = await findSecretRow(deps, scope, ref)
  await deleteResource(deps.db, 'workspace_secrets', row.id)
}

/**
 * Decrypted values of the named workspace secrets (names not found are absent from the map);
 * marks each found secret as used now.
 */
export async function readWorkspaceSecrets(
  deps: Deps,
  workspaceId: string,
  names: string[],
): Promise<Map<string, string>> {
  const rows = await findSecretsByName(deps.db, workspaceId, [...new Set(names)])
  const values = new Map(rows.map((r) => [r.name, deps.box.open(r.value_sealed)]))
  await touchSecrets(
    deps.db,
    rows.map((r) => r.id),
    deps.clock.now(),
  )
  return values
}
