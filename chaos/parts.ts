import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ChaosPart } from './part.ts'

const DIR = join(import.meta.dirname, 'parts')

/**
 * The suite's parts, by name: every chaos/parts/<name>.ts exporting `part`, in a fixed order
 * (fuzz, isolation, secrets, crash, webhooks, cancel, then any others alphabetically).
 */
export async function loadParts(): Promise<Map<string, ChaosPart>> {
  const order = ['fuzz', 'isolation', 'secrets', 'crash', 'webhooks', 'cancel']
  const names = readdirSync(DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  function rank(name: string): number {
    const i = order.indexOf(name)
    return i === -1 ? order.length : i
  }
  const parts = new Map<string, ChaosPart>()
  for (const name of names) {
    const mod = (await import(join(DIR, `${name}.ts`))) as { part?: ChaosPart }
    if (typeof mod.part !== 'function') throw new Error(`chaos/parts/${name}.ts exports no part`)
    parts.set(name, mod.part)
  }
  return parts
}
