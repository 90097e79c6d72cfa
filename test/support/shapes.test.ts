import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { E, M, shapeErrors, type Shape } from './shapes.ts'

describe('the era clients typed reader', () => {
  it('names every field whose type, enum value or presence breaks the declared shape', () => {
    const value = { a: 1, b: null, c: 'X', d: { k: 2 }, e: ['x', 3], f: '2026-01-01', h: 'extra' }
    const shape = {
      a: 'string',
      'b?': 'string',
      c: E('Y'),
      d: M('string'),
      e: ['string'],
      f: 'ts',
      g: 'int',
    } satisfies Shape
    assert.deepEqual(shapeErrors(value, shape), [
      '$.a: expected string, got 1',
      '$.b: expected string, got null',
      '$.c: expected one of Y, got "X"',
      '$.d.k: expected string, got 2',
      '$.e[1]: expected string, got 3',
      '$.f: expected RFC 3339 timestamp, got "2026-01-01"',
      '$.g: required field missing',
    ])
  })

  it('accepts a conforming value with optional fields absent and undeclared fields present', () => {
    const shape = { id: 'string', 'n?': 'int', s: { 'x?': 'i64s' }, t: 'ts' } satisfies Shape
    const value = { id: 'a', s: { x: '12' }, t: '2026-01-01T00:00:00.123Z', other: [1] }
    assert.deepEqual(shapeErrors(value, shape), [])
  })
})
