import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AppError } from './errors.ts'
import { compileJsonSchema } from './json-schema.ts'

describe('compileJsonSchema', () => {
  it('equal schemas in different objects share one compiled validator', () => {
    const a = compileJsonSchema({ type: 'object', required: ['id'] }, 'parameters')
    const b = compileJsonSchema({ type: 'object', required: ['id'] }, 'parameters')
    assert.equal(a, b)
    assert.equal(a({ id: 1 }), true)
    assert.equal(a({}), false)
  })

  it('validators keep working after the cache evicts their schema', () => {
    const first = compileJsonSchema({ type: 'integer', minimum: -1 }, 'x')
    for (let i = 0; i < 1100; i++) compileJsonSchema({ type: 'integer', minimum: i }, 'x')
    assert.equal(first(-1), true)
    assert.equal(first(-2), false)
    const again = compileJsonSchema({ type: 'integer', minimum: -1 }, 'x')
    assert.equal(again(-1), true)
  })

  it('an invalid schema is an InvalidArgument naming the field', () => {
    assert.throws(
      () => compileJsonSchema({ type: 'no-such-type' }, 'spec.inputDataSchema'),
      (err: unknown) =>
        err instanceof AppError && /spec\.inputDataSchema/.test(JSON.stringify(err)),
    )
  })
})
