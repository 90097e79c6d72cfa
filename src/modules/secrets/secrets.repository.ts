import type { Executor } from '../../db/database.ts'

/** Named secrets of a workspace, or of one of its tool sets when `toolSetId` is given. */
export function findSecretsByName(
  db: Executor,
  owner: { workspaceId: string; toolSetId?: string },
  names: string[],
) {
  if (names.length === 0) return Promise.resolve([])
  if (owner.toolSetId) {
    return db
      .selectFrom('tool_set_secrets')
      .select(['id', 'name', 'value_sealed'])
      .where('workspace_id', '=', owner.workspaceId)
      .where('tool_set_id', '=', owner.toolSetId)
      .where('name', 'in', names)
      .execute()
  }
  return db
    .selectFrom('workspace_secrets')
    .select(['id', 'name', 'value_sealed'])
    .where('workspace_id', '=', owner.workspaceId)
    .where('name', 'in', names)
    .execute()
}

export async function touchSecrets(
  db: Executor,
  table: 'workspace_secrets' | 'tool_set_secrets',
  ids: string[],
  at: Date,
): Promise<void> {
  if (ids.length === 0) return
  await db.updateTable(table).set({ last_used_at: at }).where('id', 'in', ids).execute()
}
