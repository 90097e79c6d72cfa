/**
 * The layout rules of ARCHITECTURE (docs/architecture.md): imports point one way (http -> modules
 * -> db/lib; engine -> modules -> db/lib), and no two files import each other, even through a
 * chain or only for types. Parsed from the source with dpdm, so a new cycle fails here.
 */
import { strict as assert } from 'node:assert'
import { before, describe, it } from 'node:test'
import { parseCircular, parseDependencyTree, shortenTree, type DependencyTree } from 'dpdm'

const ENTRIES = ['src/**/*.ts', 'bench/**/*.ts', 'chaos/**/*.ts', 'test/**/*.ts']

let tree: DependencyTree

/** Every (importing file, imported file) pair between project files. */
function edges(): [string, string][] {
  return Object.entries(tree).flatMap(([from, deps]) =>
    (deps ?? []).filter((d) => d.id && !d.id.includes('node_modules')).map((d) => [from, d.id!]),
  ) as [string, string][]
}

function violations(from: RegExp, to: RegExp): string[] {
  return edges()
    .filter(([a, b]) => from.test(a) && to.test(b))
    .map(([a, b]) => `${a} imports ${b}`)
}

describe('source layout', () => {
  before(async () => {
    const full = await parseDependencyTree(ENTRIES, {
      context: process.cwd(),
      transform: false,
      tsconfig: 'tsconfig.json',
    })
    tree = shortenTree(process.cwd(), full)
  })

  it('no import cycle, counting type-only imports', () => {
    const cycles = parseCircular(tree)
    assert.deepEqual(
      cycles.map((c) => c.join(' -> ')),
      [],
      'each line is a cycle; break it by moving what both sides need below them',
    )
  })

  it('no module or engine file imports src/http', () => {
    assert.deepEqual(violations(/^src\/(modules|engine|providers)\//, /^src\/http\//), [])
  })

  it('lib and db import no module, engine or http file', () => {
    assert.deepEqual(
      violations(/^src\/(lib|db)\//, /^src\/(modules|engine|http|providers)\//).filter(
        (v) => !v.includes('.test.ts imports'),
      ),
      [],
    )
  })

  it('modules import no engine file', () => {
    assert.deepEqual(violations(/^src\/modules\//, /^src\/engine\//), [])
  })
})
