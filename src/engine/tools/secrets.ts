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

/** The shortest secret prefix hidden at the end of a cut text: shorter ones are mostly noise. */
const MIN_PARTIAL = 3

/**
 * Replaces every secret value, and the encoded forms a server might echo (URL, form, JSON
 * escaping), with `***`. Longer values go first so a secret containing another is fully hidden.
 * `cut: true` says the text was cut short, so a secret's beginning at its very end is hidden too.
 */
export function secretRedactor(
  values: Iterable<string>,
): (text: string, opts?: { cut?: boolean }) => string {
  const forms = new Set<string>()
  for (const value of values) {
    if (!value) continue
    forms.add(value)
    forms.add(encodeURIComponent(value))
    forms.add(new URLSearchParams({ v: value }).toString().slice(2))
    forms.add(JSON.stringify(value).slice(1, -1))
  }
  const ordered = [...forms].filter(Boolean).sort((a, b) => b.length - a.length)
  return (text, opts = {}) => {
    let out = ordered.reduce((acc, form) => acc.split(form).join('***'), text)
    if (!opts.cut) return out
    for (const form of ordered) {
      for (let n = Math.min(form.length - 1, out.length); n >= MIN_PARTIAL; n--) {
        if (out.endsWith(form.slice(0, n))) {
          out = `${out.slice(0, -n)}***`
          break
        }
      }
    }
    return out
  }
}
