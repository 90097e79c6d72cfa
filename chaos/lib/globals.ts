/**
 * The built-in objects a prototype-pollution bug would change (Object.prototype and friends,
 * and the constructors' own members such as Object.toString), captured so a part running Sortie
 * in-process can tell after each request whether input reached them.
 */
const WATCHED: [string, object][] = [
  ['Object', Object],
  ['Object.prototype', Object.prototype],
  ['Function.prototype', Function.prototype],
  ['Array', Array],
  ['Array.prototype', Array.prototype],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Boolean.prototype', Boolean.prototype],
  ['JSON', JSON],
]

export type Globals = Map<string, unknown>

export function captureGlobals(): Globals {
  const out: Globals = new Map()
  for (const [name, target] of WATCHED) {
    for (const key of Reflect.ownKeys(target)) {
      const d = Object.getOwnPropertyDescriptor(target, key)!
      out.set(`${name}.${String(key)}`, 'value' in d ? d.value : d.get)
    }
  }
  return out
}

/** The members added, removed or replaced since `before`. */
export function changedGlobals(before: Globals): string[] {
  const now = captureGlobals()
  const changed: string[] = []
  for (const [key, value] of now)
    if (!before.has(key) || before.get(key) !== value) changed.push(key)
  for (const key of before.keys()) if (!now.has(key)) changed.push(`${key} (removed)`)
  return changed
}
