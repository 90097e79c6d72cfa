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
