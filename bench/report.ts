import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'

const FILE = join(import.meta.dirname, '..', 'BENCHMARKS.md')

export function machine(): string {
  const cpu = cpus()
  return `${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`
}

/**
 * Replaces (or appends) the section `## <name>` of BENCHMARKS.md, so each benchmark owns its
 * section and re-running one does not erase the others.
 */
export async function writeSection(name: string, body: string): Promise<void> {
  const header =
    '# Benchmarks\n\nFigures written by `npm run bench`; each section names its command and machine.\n'
  const current = existsSync(FILE) ? await readFile(FILE, 'utf8') : header
  const marker = `## ${name}\n`
  const section = `${marker}\n${body.trim()}\n\n`
  const start = current.indexOf(marker)
  let next: string
  if (start === -1) {
    next = `${current.trimEnd()}\n\n${section}`
  } else {
    const after = current.indexOf('\n## ', start + marker.length)
    next = current.slice(0, start) + section + (after === -1 ? '' : current.slice(after + 1))
  }
  await writeFile(FILE, next.trimEnd() + '\n')
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]!
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n')
}
