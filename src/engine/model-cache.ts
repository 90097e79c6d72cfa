import type { ResolvedModel } from '../modules/models/index.ts'

/**
 * Model resolutions (catalogue row + credentials) shared by a worker's runs for a few seconds:
 * thousands of objectives starting at once would otherwise each read the same rows. A changed
 * provider key takes effect within `ttlMs`; failures are not kept.
 */
export class ModelResolutionCache {
  private readonly entries = new Map<string, { at: number; value: Promise<ResolvedModel> }>()

  constructor(
    private readonly resolve: (workspaceId: string, modelId: string) => Promise<ResolvedModel>,
    private readonly ttlMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  get(workspaceId: string, modelId: string): Promise<ResolvedModel> {
    const key = `${workspaceId}\u0000${modelId}`
    const hit = this.entries.get(key)
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value
    const value = this.resolve(workspaceId, modelId)
    this.entries.set(key, { at: this.now(), value })
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key)
    })
    if (this.entries.size > 1000) this.evictExpired()
    return value
  }

  private evictExpired(): void {
    const now = this.now()
    for (const [key, entry] of this.entries) {
      if (now - entry.at >= this.ttlMs) this.entries.delete(key)
    }
  }
}
