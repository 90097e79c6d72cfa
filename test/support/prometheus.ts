/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4): every line is a
 * `# HELP`, a `# TYPE` or a sample, or parsing throws naming the line.
 */
import assert from 'node:assert/strict'

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Exposition {
  samples: Sample[]
  types: Map<string, string>
  /** The sum of the samples named `name` whose labels include `labels`. */
  sum(name: string, labels?: Record<string, string>): number
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\["\\n])*)"\s*(,|$)/y
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

function number(text: string, line: string): number {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN') return NaN
  const n = Number(text)
  assert.ok(text !== '' && !Number.isNaN(n), `not a sample value in ${JSON.stringify(line)}`)
  return n
}

function labelsOf(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {}
  LABEL.lastIndex = 0
  while (LABEL.lastIndex < text.length) {
    const m = LABEL.exec(text)
    assert.ok(m, `bad labels in ${JSON.stringify(line)}`)
    labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1')
  }
  return labels
}

export function parsePrometheus(text: string): Exposition {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line)
      if (!m) continue // a plain comment
      assert.match(m[2]!, NAME, `bad metric name in ${JSON.stringify(line)}`)
      if (m[1] === 'TYPE') {
        assert.ok(TYPES.has(m[3] ?? ''), `bad type in ${JSON.stringify(line)}`)
        assert.ok(!types.has(m[2]!), `${m[2]} typed twice`)
        types.set(m[2]!, m[3]!)
      }
      continue
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/.exec(line)
    assert.ok(m, `not a sample line: ${JSON.stringify(line)}`)
    samples.push({ name: m[1]!, labels: labelsOf(m[2] ?? '', line), value: number(m[3]!, line) })
  }
  return {
    samples,
    types,
    sum: (name, labels = {}) =>
      samples
        .filter(
          (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
        )
        .reduce((n, s) => n + s.value, 0),
  }
}
