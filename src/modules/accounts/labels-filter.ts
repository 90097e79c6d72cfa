/** Parses the `labels` list filter (`k=v,k2=v2`, all must match) into a jsonb containment. */
export function parseLabelsFilter(raw: string | undefined): Record<string, string> | undefined {
  if (!raw?.trim()) return undefined
  const out: Record<string, string> = {}
  for (const pair of raw.split(',')) {
    // The query schema (LabelsFilter) has already checked the `k=v` form.
    const at = pair.indexOf('=')
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim()
  }
  return out
}
