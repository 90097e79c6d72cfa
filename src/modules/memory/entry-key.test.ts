import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { keyProblems } from './entry-key.ts'

describe('memory entry keys', () => {
  it('S3-safe keys with inner single slashes are valid, case and all', () => {
    for (const key of [
      'a',
      'skills/postmortem/write',
      "Wh.at_(is)-it!*'",
      'A/b/C',
      'x'.repeat(1024),
    ]) {
      assert.deepEqual(keyProblems(key), [], key)
    }
  })

  it('each broken rule is named', () => {
    assert.deepEqual(keyProblems(''), ['is required'])
    assert.match(keyProblems('has space')[0]!, /not " "/)
    assert.match(keyProblems('ümlaut')[0]!, /not "ü"/)
    assert.deepEqual(keyProblems('/lead'), ['may not begin with "/"'])
    assert.deepEqual(keyProblems('trail/'), ['may not end with "/"'])
    assert.deepEqual(keyProblems('a//b'), ['may not contain "//"'])
    assert.deepEqual(keyProblems('system/x'), ['may not begin with the reserved prefix "system/"'])
    assert.deepEqual(keyProblems('cadenya/x'), [
      'may not begin with the reserved prefix "cadenya/"',
    ])
    assert.match(keyProblems('x'.repeat(1025))[0]!, /at most 1024/)
  })

  it('a reserved word elsewhere in the key is fine', () => {
    assert.deepEqual(keyProblems('my/system/x'), [])
    assert.deepEqual(keyProblems('System/x'), [])
  })
})
