/**
 * `npm run bench [-- <name> ...]` runs the named benchmarks (all when none is named) and writes
 * their figures into BENCHMARKS.md.
 */
const BENCHMARKS: Record<string, () => Promise<void>> = {
  engine: async () => (await import('./engine.ts')).run(),
  live: async () => (await import('./live.ts')).run(),
  memory: async () => (await import('./memory.ts')).run(),
  selection: async () => (await import('./selection.ts')).run(),
  console: async () => (await import('./console.ts')).run(),
  schedules: async () => (await import('./schedules.ts')).run(),
  observability: async () => (await import('./observability.ts')).run(),
  // Not part of a plain `npm run bench`: it needs the shared LangGraph.js baseline (see versus.ts).
  versus: async () => (await import('./versus.ts')).run(),
}

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const unknown = names.filter((n) => !(n in BENCHMARKS))
if (unknown.length) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`,
  )
  process.exit(2)
}
for (const name of names.length ? names : Object.keys(BENCHMARKS).filter((n) => n !== 'versus')) {
  console.log(`== ${name}`)
  await BENCHMARKS[name]!()
}
process.exit(0)
