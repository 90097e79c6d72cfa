import type { Deps } from '../deps.ts'
import { findSecretsByName, touchSecrets } from './secrets.repository.ts'

// Apart from the service so the tools module can read secrets (tool-set syncs) without an
// import cycle: the secrets service itself imports the tools module to find tool sets.

/**
 * Decrypted values of the named secrets of a workspace, or of one of its tool sets (names not
 * found are absent from the map); marks each found secret as used now.
 */
export async function readSecrets(
  deps: Deps,
  owner: { workspaceId: string; toolSetId?: string },
  names: string[],
): Promise<Map<string, string>> {
  const rows = await findSecretsByName(deps.db, owner, [...new Set(names)])
  const values = new Map(rows.map((r) => [r.name, deps.box.open(r.value_sealed)]))
  await touchSecrets(
    deps.db,
    owner.toolSetId ? 'tool_set_secrets' : 'workspace_secrets',
    rows.map((r) => r.id),
    deps.clock.now(),
  )
  return values
}
