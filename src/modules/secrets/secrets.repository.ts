import type { Executor } from '../../db/database.ts'

export function findSecretsByName(db: Executor, workspaceId: string, names: string[]) {
  if (names.length === 0) return Promise.resolve([])
  return db
    .selectFrom('workspace_secrets')
    .select(['id', 'name', 'value_sealed'])
    .where('workspace_id', '=', workspaceId)
    .where('name', 'in', names)
    .execute()
}

export async function touchSecrets(db: Executor, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return
  await db
    .updateTable('workspace_secrets')
    .set({ last_used_at: at })
    .where('id', 'in', ids)
    .execute()
}
