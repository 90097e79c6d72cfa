import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { StoredModelSpec } from './model.schema.ts'

export interface NewModelRow {
  id: string
  account_id: string
  workspace_id: string
  profile_id: string
  name: string
  spec: StoredModelSpec
  builtin: boolean
  ai_provider_key_id: string | null
}

const json = (spec: StoredModelSpec) => JSON.stringify(spec)

/**
 * Inserts catalogue rows; an existing built-in row gets the catalogue's current figures but keeps
 * its status (the one thing a workspace decides). Rows owned by a provider key are left alone.
 */
export async function upsertBuiltinModels(db: Executor, rows: NewModelRow[]): Promise<void> {
  if (rows.length === 0) return
  await db
    .insertInto('models')
    .values(rows.map((r) => ({ ...r, spec: json(r.spec), labels: '{}' })))
    .onConflict((oc) =>
      oc
        .columns(['workspace_id', 'name'])
        .doUpdateSet({
          spec: sql`excluded.spec || jsonb_build_object('status', models.spec->'status')`,
          updated_at: sql`now()`,
        })
        .where('models.builtin', '=', true)
        .where(sql<boolean>`models.spec - 'status' IS DISTINCT FROM excluded.spec - 'status'`),
    )
    .execute()
}

/**
 * Inserts or refreshes a provider key's model; returns undefined when the name belongs to a model
 * the key does not own (built-in or another key's), which the caller reports as a conflict.
 */
export function upsertKeyModel(db: Executor, row: NewModelRow) {
  return db
    .insertInto('models')
    .values({ ...row, spec: json(row.spec), labels: '{}' })
    .onConflict((oc) =>
      oc
        .columns(['workspace_id', 'name'])
        .doUpdateSet({
          spec: sql`excluded.spec || jsonb_build_object('status', models.spec->'status')`,
          updated_at: sql`now()`,
        })
        .where('models.ai_provider_key_id', '=', row.ai_provider_key_id),
    )
    .returning('id')
    .executeTakeFirst()
}

export function deleteKeyModels(db: Executor, keyId: string, keep: string[] = []) {
  let q = db.deleteFrom('models').where('ai_provider_key_id', '=', keyId)
  if (keep.length) q = q.where('name', 'not in', keep)
  return q.execute()
}

export function findModelByName(db: Executor, workspaceId: string, name: string) {
  return db
    .selectFrom('models')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', name)
    .executeTakeFirst()
}

export function setModelStatusRow(db: Executor, id: string, status: StoredModelSpec['status']) {
  return db
    .updateTable('models')
    .set({
      spec: sql`jsonb_set(spec, '{status}', to_jsonb(${status}::text))`,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
}

export function listWorkspaces(db: Executor) {
  return db.selectFrom('workspaces').select(['id', 'account_id', 'profile_id']).execute()
}

/** Points every variation of the workspace that uses `from` at `to`; returns how many changed. */
export async function swapVariationModel(
  db: Executor,
  workspaceId: string,
  from: string,
  to: string,
): Promise<number> {
  const res = await db
    .updateTable('agent_variations')
    .set({
      spec: sql`jsonb_set(spec, '{modelConfig,modelId}', to_jsonb(${to}::text))`,
      updated_at: sql`now()`,
    })
    .where('workspace_id', '=', workspaceId)
    .where(sql<string>`spec->'modelConfig'->>'modelId'`, '=', from)
    .executeTakeFirst()
  return Number(res.numUpdatedRows)
}

/** The workspace's most recently created key of a provider (ULID ids sort by creation). */
export function findNewestKey(db: Executor, workspaceId: string, provider: string) {
  return db
    .selectFrom('ai_provider_keys')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where(sql<string>`spec->>'provider'`, '=', provider)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
}

export function findKeyById(db: Executor, id: string) {
  return db.selectFrom('ai_provider_keys').selectAll().where('id', '=', id).executeTakeFirst()
}
