import type { Selectable } from 'kysely'
import type { z } from 'zod'
import type { Executor } from '../../db/database.ts'
import {
  deleteResource,
  findResource,
  insertResource,
  listResources,
  namePrefix,
  updateResource,
} from '../../db/resources.ts'
import type { AiProviderKeyTable } from '../../db/schema.ts'
import { alreadyExists, notFound } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import { decodePageRequest, toPage, type Page } from '../../lib/pagination.ts'
import type { NamedListQuery } from '../../lib/schemas.ts'
import { loadProfiles } from '../profiles/index.ts'
import type { Deps, Scope } from '../deps.ts'
import {
  applyUpdate,
  metadataColumns,
  newResourceColumns,
  resourceMetadata,
  rethrowUnique,
} from '../resource.ts'
import type {
  AiProviderKey,
  CreateAiProviderKeyBody,
  StoredKeySpec,
  UpdateAiProviderKeyBody,
} from './ai-provider-key.schema.ts'
import { checkKeySpec } from './ai-provider-key.rules.ts'
import { familyOf } from './model.service.ts'
import * as repo from './models.repository.ts'

export type AiProviderKeyRow = Selectable<AiProviderKeyTable>
type ListQuery = z.infer<typeof NamedListQuery>

// Defaults for declared models that do not state their limits: a common context size for
// current open-weight models, and an output cap most OpenAI-compatible servers accept.
const DEFAULT_MAX_INPUT_TOKENS = 128_000
const DEFAULT_MAX_OUTPUT_TOKENS = 8_192

/** The one row -> AIProviderKey mapping; the sealed API key never leaves the row. */
export function aiProviderKeyOf(
  row: AiProviderKeyRow,
  info?: AiProviderKey['info'],
): AiProviderKey {
  const spec = row.spec as unknown as StoredKeySpec
  return {
    metadata: resourceMetadata(row),
    spec: { provider: spec.provider, baseUrl: spec.baseUrl ?? '', models: spec.models ?? [] },
    ...(info ? { info } : {}),
  }
}

async function withInfo(deps: Deps, row: AiProviderKeyRow): Promise<AiProviderKey> {
  const profiles = await loadProfiles(deps, [row.profile_id])
  return aiProviderKeyOf(row, { createdBy: profiles.get(row.profile_id) })
}

/** Makes the workspace's models match the key's declared list (adds, refreshes, removes). */
async function syncKeyModels(
  trx: Executor,
  deps: Deps,
  row: AiProviderKeyRow,
  spec: StoredKeySpec,
): Promise<void> {
  await repo.deleteKeyModels(
    trx,
    row.id,
    spec.models.map((m) => m.id),
  )
  const provider = spec.provider === 'AI_PROVIDER_OPENROUTER' ? 'openrouter' : 'openai-compatible'
  for (const model of spec.models) {
    const written = await repo.upsertKeyModel(trx, {
      id: deps.ids('model'),
      account_id: row.account_id,
      workspace_id: row.workspace_id,
      profile_id: row.profile_id,
      name: model.id,
      builtin: false,
      ai_provider_key_id: row.id,
      spec: {
        family: familyOf(model.id),
        provider,
        providerModelName: model.name,
        maxInputTokens: model.maxInputTokens ?? DEFAULT_MAX_INPUT_TOKENS,
        maxOutputTokens: model.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
        inputPricePerMillionTokens: 0,
        outputPricePerMillionTokens: 0,
        status: 'MODEL_STATUS_ENABLED',
      },
    })
    if (!written) throw alreadyExists(`a model named ${model.id} already exists in this workspace`)
  }
}

export async function findAiProviderKeyRow(
  deps: Deps,
  scope: Scope,
  ref: string,
): Promise<AiProviderKeyRow> {
  const row = await findResource(deps.db, 'ai_provider_keys', scope.workspaceId, parseIdRef(ref))
  if (!row) throw notFound('AI provider key', ref)
  return row
}

export async function createAiProviderKey(
  deps: Deps,
  scope: Scope,
  body: CreateAiProviderKeyBody,
): Promise<AiProviderKey> {
  const apiKey = body.spec.apiKey ?? ''
  const spec = checkKeySpec(body.spec, apiKey !== '')
  const row = await deps.db
    .transaction()
    .execute(async (trx) => {
      const inserted = await insertResource(trx, 'ai_provider_keys', {
        ...newResourceColumns(deps.ids('aiProviderKey'), scope, body.metadata),
        spec: JSON.stringify(spec),
        api_key_sealed: deps.box.seal(apiKey),
      })
      await syncKeyModels(trx, deps, inserted, spec)
      return inserted
    })
    .catch((err) => rethrowUnique(err, 'an AI provider key'))
  return withInfo(deps, row)
}

export async function getAiProviderKey(deps: Deps, scope: Scope, ref: string) {
  return withInfo(deps, await findAiProviderKeyRow(deps, scope, ref))
}

export async function listAiProviderKeys(
  deps: Deps,
  scope: Scope,
  query: ListQuery,
): Promise<Page<AiProviderKey>> {
  const position = decodePageRequest(query)
  const { rows, total } = await listResources(
    deps.db,
    'ai_provider_keys',
    scope.workspaceId,
    position,
    namePrefix(query.prefix),
  )
  const page = toPage(rows, position, total, (r) => r)
  const profiles = query.includeInfo
    ? await loadProfiles(
        deps,
        page.items.map((r) => r.profile_id),
      )
    : undefined
  const items = page.items.map((r) =>
    aiProviderKeyOf(r, profiles ? { createdBy: profiles.get(r.profile_id) } : undefined),
  )
  return { ...page, items }
}

export async function updateAiProviderKey(
  deps: Deps,
  scope: Scope,
  ref: string,
  body: UpdateAiProviderKeyBody,
): Promise<AiProviderKey> {
  const row = await findAiProviderKeyRow(deps, scope, ref)
  const current = aiProviderKeyOf(row)
  const next = applyUpdate(current, body, body.updateMask) as typeof current & {
    spec: { apiKey?: string }
  }
  const newApiKey = next.spec.apiKey
  const hasApiKey =
    newApiKey !== undefined ? newApiKey !== '' : deps.box.open(row.api_key_sealed) !== ''
  const spec = checkKeySpec(next.spec, hasApiKey)
  const updated = await deps.db
    .transaction()
    .execute(async (trx) => {
      const saved = await updateResource(trx, 'ai_provider_keys', row.id, {
        ...metadataColumns(next.metadata),
        spec: JSON.stringify(spec),
        ...(newApiKey !== undefined ? { api_key_sealed: deps.box.seal(newApiKey) } : {}),
      })
      await syncKeyModels(trx, deps, saved, spec)
      return saved
    })
    .catch((err) => rethrowUnique(err, 'an AI provider key'))
  return withInfo(deps, updated)
}

/** Deletes the key and the models it contributed. */
export async function deleteAiProviderKey(deps: Deps, scope: Scope, ref: string): Promise<void> {
  const row = await findAiProviderKeyRow(deps, scope, ref)
  await deps.db.transaction().execute(async (trx) => {
    await repo.deleteKeyModels(trx, row.id)
    await deleteResource(trx, 'ai_provider_keys', row.id)
  })
}
