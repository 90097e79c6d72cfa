import type { Deps } from '../../modules/deps.ts'
import type { ObjectiveRow } from '../../modules/objectives/index.ts'
import { readSecrets } from '../../modules/secrets/index.ts'

// The redactor is shared with tool-set syncs (modules), so it lives in lib.
export { secretRedactor } from '../../lib/redact.ts'

/**
 * Secrets of one tool call: resolved by name before the request is built, and redacted from
 * everything the call returns (docs/decisions.md decision 5: secret values never reach events or the model).
 */
export class MissingSecretError extends Error {
  constructor(readonly secretName: string) {
    super(`secret "${secretName}" is not defined (set it on the objective, tool set or workspace)`)
    this.name = 'MissingSecretError'
  }
}

/** Resolves every named secret, failing on the first one that is not defined. */
export async function resolveSecrets(
  names: Iterable<string>,
  resolve: (name: string) => Promise<string | undefined>,
): Promise<Record<string, string>> {
  const values: Record<string, string> = {}
  for (const name of new Set(names)) {
    const value = await resolve(name)
    if (value === undefined) throw new MissingSecretError(name)
    values[name] = value
  }
  return values
}

/**
 * `${NAME}` resolution for one objective run (docs/decisions.md decision 5): the objective's own
 * secrets first, then the calling tool's tool set, then the workspace. Values read from the
 * database are kept for the run, misses too, so each name is read at most once per owner.
 */
export class SecretResolver {
  private own?: Map<string, string>
  /** Per tool set id ('' = workspace); undefined = there is none. */
  private readonly read = new Map<string, Map<string, string | undefined>>()

  constructor(
    private readonly deps: Deps,
    private readonly objective: Pick<ObjectiveRow, 'secrets_sealed' | 'workspace_id'>,
  ) {}

  async resolve(name: string, toolSetId: string | undefined): Promise<string | undefined> {
    if (!this.own) {
      const sealed = this.objective.secrets_sealed
      const list: { name: string; value: string }[] = sealed
        ? JSON.parse(this.deps.box.open(sealed))
        : []
      this.own = new Map(list.map((s) => [s.name, s.value]))
    }
    const own = this.own.get(name)
    if (own !== undefined) return own
    for (const owner of toolSetId ? [toolSetId, ''] : ['']) {
      let known = this.read.get(owner)
      if (!known) this.read.set(owner, (known = new Map()))
      if (!known.has(name)) {
        const where = { workspaceId: this.objective.workspace_id, toolSetId: owner || undefined }
        known.set(name, (await readSecrets(this.deps, where, [name])).get(name))
      }
      const value = known.get(name)
      if (value !== undefined) return value
    }
    return undefined
  }
}
