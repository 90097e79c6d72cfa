import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { createSecretBox, hashToken, parseSecretKey } from './crypto.ts'

test('sealed secrets open to the plaintext and never contain it', () => {
  const box = createSecretBox(randomBytes(32))
  const sealed = box.seal('hunter2-very-secret')
  assert.ok(!sealed.includes('hunter2'))
  assert.equal(box.open(sealed), 'hunter2-very-secret')
})

test('a sealed secret does not open under another key', () => {
  const sealed = createSecretBox(randomBytes(32)).seal('x')
  assert.throws(() => createSecretBox(randomBytes(32)).open(sealed))
})

test('secret keys are accepted as hex or base64 of 32 bytes only', () => {
  const key = randomBytes(32)
  assert.deepEqual(parseSecretKey(key.toString('hex')), key)
  assert.deepEqual(parseSecretKey(key.toString('base64')), key)
  assert.throws(() => parseSecretKey('short'))
})

test('token hashes are stable and do not reveal the token', () => {
  assert.equal(hashToken('sk_a'), hashToken('sk_a'))
  assert.notEqual(hashToken('sk_a'), hashToken('sk_b'))
  assert.ok(!hashToken('sk_abc').includes('abc'))
})
