import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { machine, table } from '../bench/report.ts'
import type { ChaosResult } from './part.ts'

const FILE = join(import.meta.dirname, '..', 'RELIABILITY.md')
const HEADER =
  '# Reliability\n\nFigures written by `npm run chaos` (each part bounded, loopback only); each section names its command and machine. `npm test` runs the short variant of every part.\n'

/** Replaces (or appends) the part's `## <name>` section of RELIABILITY.md. */
export async function writeReliabilitySection(
  result: ChaosResult,
  run: { command: string; seconds: number },
): Promise<void> {
  const rows = Object.entries(result.figures).map(([label, value]) => [label, value])
  const body = [
    `Command: \`${run.command}\` · machine: ${machine()} · ${new Date().toISOString().slice(0, 10)} · ${run.seconds.toFixed(0)} s`,
    '',
    `Result: **${result.ok ? 'every rule held' : 'FAILED'}**`,
    '',
    table(['figure', 'value'], rows),
    ...(result.failures.length ? ['', ...result.failures.map((f) => `- ${f}`)] : []),
  ].join('\n')
  const current = existsSync(FILE) ? await readFile(FILE, 'utf8') : HEADER
  const marker = `## ${result.name}\n`
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
