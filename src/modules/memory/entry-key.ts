/**
 * The rules of a memory entry key (docs/api.md section 3.11): S3 object-key safe characters
 * (`A-Za-z0-9 ! - _ . * ' ( ) /`), no leading, trailing or doubled `/`, none of the reserved
 * prefixes, at most 1,024 characters. Keys are case-sensitive and unique per layer (an index);
 * lookups are flat: `/` only suggests a hierarchy.
 */
export const MAX_KEY_LENGTH = 1024
export const RESERVED_KEY_PREFIXES = ['cadenya/', 'system/'] as const

const ALLOWED = /^[A-Za-z0-9!\-_.*'()/]*$/

/** Every rule the key breaks, each as a description for a field violation; [] = valid. */
export function keyProblems(key: string): string[] {
  if (key === '') return ['is required']
  const problems: string[] = []
  if (key.length > MAX_KEY_LENGTH) problems.push(`must be at most ${MAX_KEY_LENGTH} characters`)
  if (!ALLOWED.test(key)) {
    const bad = [...new Set([...key].filter((c) => !ALLOWED.test(c)))]
    problems.push(
      `may contain only A-Z a-z 0-9 and ! - _ . * ' ( ) /, not ${bad.map((c) => JSON.stringify(c)).join(' ')}`,
    )
  }
  if (key.startsWith('/')) problems.push('may not begin with "/"')
  if (key.endsWith('/')) problems.push('may not end with "/"')
  if (key.includes('//')) problems.push('may not contain "//"')
  const reserved = RESERVED_KEY_PREFIXES.find((p) => key.startsWith(p))
  if (reserved) problems.push(`may not begin with the reserved prefix "${reserved}"`)
  return problems
}
