import { sql, type Selectable } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { findResource, listResources, namePrefix } from '../../db/resources.ts'
import type { ModelTable } from '../../db/schema.ts'
import { notFound } from '../../lib/errors.ts'
import { parseIdRef, type IdGenerator } from '../../lib/ids.ts'
import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
import type { Deps, Scope } from '../deps.ts'
import { resourceMetadata } from '../resource.ts'
import { BUILTIN_MODELS } from './catalogue.ts'
import type { ListModelsQuery, Model, StoredModelSpec } from './model.schema.ts'
import * as repo from './models.repository.ts'

// Rows written before status existed read as enabled, as modelOf presents them.
const STATUS_COLUMN = sql<string>`coalesce(spec->>'status', 'MODEL_STATUS_ENABLED')`

export type ModelRow = Selectable<ModelTable>

/** The one row -> Model mapping; the provider's own model name stays internal. */
export function modelOf(row: ModelRow): Model {
  const spec = row.spec as unknown as StoredModelSpec
  return {
    metadata: resourceMetadata(row),
    spec: {
      family: spec.family,
      provider: spec.provider,
      inputPricePerMillionTokens: String(spec.inputPricePerMillionTokens ?? 0),
      outputPricePerMillionTokens: String(spec.outputPricePerMillionTokens ?? 0),
      ...(spec.cachedInputPricePerMillionTokens !== undefined
        ? { cachedInputPricePerMillionTokens: String(spec.cachedInputPricePerMillionTokens) }
        : {}),
      maxInputTokens: spec.maxInputTokens,
      maxOutputTokens: spec.maxOutputTokens,
      status: spec.status ?? 'MODEL_STATUS_ENABLED',
    },
  }
}

export const familyOf = (modelId: string) => modelId.slice(0, modelId.indexOf('/'))

/** Seeds a workspace with the built-in catalogue; safe to run again (existing rows are kept). */
export async function ensureWorkspaceModels(
  db: Executor,
  ids: IdGenerator,
  w: { workspaceId: string; accountId: string; profileId: string },
): Promise<void> {
  await repo.upsertBuiltinModels(
    db,
    BUILTIN_MODELS.map((model) => ({
      id: ids('model'),
      account_id: w.accountId,
      workspace_id: w.workspaceId,
      profile_id: w.profileId,
      name: model.id,
      builtin: true,
      ai_provider_key_id: null,
      spec: {
        family: familyOf(model.id),
        provider: model.provider,
        providerModelName: model.providerModelName,
        maxInputTokens: model.maxInputTokens,
        maxOutputTokens: model.maxOutputTokens,
        inputPricePerMillionTokens: model.inputPricePerMillionTokens,
        outputPricePerMillionTokens: model.outputPricePerMillionTokens,
        cachedInputPricePerMillionTokens: model.cachedInputPricePerMillionTokens,
        status: 'MODEL_STATUS_ENABLED',
      },
    })),
  )
}

/** Brings every workspace's built-in models up to the catalogue; run at startup. */
export async function syncModelCatalogue(deps: Deps): Promise<void> {
  const workspaces = await repo.listWorkspaces(deps.db)
  for (const w of workspaces) {
    await ensureWorkspaceModels(deps.db, deps.ids, {
      workspaceId: w.id,
      accountId: w.account_id,
      profileId: w.profile_id,
    })
  }
  deps.logger.debug({ workspaces: workspaces.length }, 'model catalogue synced')
}

/** A model of the workspace by id, `external_id:` ref, or its `family/model` name. */
export async function findModelRow(deps: Deps, scope: Scope, ref: string): Promise<ModelRow> {
  const idRef = parseIdRef(ref)
  const row =
    'id' in idRef && idRef.id.includes('/')
      ? await repo.findModelByName(deps.db, scope.workspaceId, idRef.id)
      : await findResource(deps.db, 'models', scope.workspaceId, idRef)
  if (!row) throw notFound('model', ref)
  return row
}

export async function getModel(deps: Deps, scope: Scope, ref: string): Promise<Model> {
  return modelOf(await findModelRow(deps, scope, ref))
}

export async function listModels(
  deps: Deps,
  scope: Scope,
  query: ListModelsQuery,
): Promise<Page<Model>> {
  const position = decodePageRequest(query)
  const prefix = namePrefix(query.prefix)
  const status = query.status === 'MODEL_STATUS_UNSPECIFIED' ? undefined : query.status
  const { rows, total } = await listResources(
    deps.db,
    'models',
    scope.workspaceId,
    position,
    (qb) => {
      const named = prefix(qb)
      return status ? named.where(STATUS_COLUMN, '=', status) : named
    },
  )
  return toPage(rows, position, total, modelOf)
}

export async function setModelStatus(
  deps: Deps,
  scope: Scope,
  ref: string,
  status: StoredModelSpec['status'],
): Promise<Model> {
  const row = await findModelRow(deps, scope, ref)
  return modelOf(await repo.setModelStatusRow(deps.db, row.id, status))
}
