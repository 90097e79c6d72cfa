import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { idToUuid, isUuid, ulidToUuid, uuidToId, uuidToUlid } from './uuid.ts'

describe('ULID <-> UUID', () => {
  it('a ULID is written as the UUID of the same 128 bits', () => {
    // The ulid spec's example pair.
    assert.equal(ulidToUuid('01ARZ3NDEKTSV4RRFFQ69G5FAV'), '01563e3a-b5d3-d676-4c61-efb99302bd5b')
    assert.equal(ulidToUuid('00000000000000000000000000'), '00000000-0000-0000-0000-000000000000')
    assert.equal(ulidToUuid('7ZZZZZZZZZZZZZZZZZZZZZZZZZ'), 'ffffffff-ffff-ffff-ffff-ffffffffffff')
  })

  it('the UUID converts back to the same ULID, upper- or lower-case', () => {
    assert.equal(uuidToUlid('01563e3a-b5d3-d676-4c61-efb99302bd5b'), '01ARZ3NDEKTSV4RRFFQ69G5FAV')
    assert.equal(uuidToUlid('01563E3A-B5D3-D676-4C61-EFB99302BD5B'), '01ARZ3NDEKTSV4RRFFQ69G5FAV')
  })

  it('random ULIDs survive the round trip', () => {
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
    for (let i = 0; i < 200; i++) {
      let ulid = String(Math.floor(Math.random() * 8))
      for (let j = 0; j < 25; j++) ulid += alphabet[Math.floor(Math.random() * 32)]
      const uuid = ulidToUuid(ulid)
      assert.ok(isUuid(uuid), uuid)
      assert.equal(uuidToUlid(uuid), ulid)
    }
  })

  it('prefixed ids convert, and other references pass through unchanged', () => {
    const uuid = idToUuid('goal_01ARZ3NDEKTSV4RRFFQ69G5FAV')
    assert.equal(uuid, '01563e3a-b5d3-d676-4c61-efb99302bd5b')
    assert.equal(uuidToId('goal', uuid), 'goal_01ARZ3NDEKTSV4RRFFQ69G5FAV')
    assert.equal(
      uuidToId('goal', 'goal_01ARZ3NDEKTSV4RRFFQ69G5FAV'),
      'goal_01ARZ3NDEKTSV4RRFFQ69G5FAV',
    )
    assert.equal(uuidToId('agent', 'external_id:abc'), 'external_id:abc')
    assert.equal(idToUuid('not-an-id'), 'not-an-id')
  })

  it('strings that are not ULIDs or UUIDs are refused', () => {
    assert.throws(() => ulidToUuid('01ARZ3NDEKTSV4RRFFQ69G5FA'), RangeError)
    assert.throws(() => ulidToUuid('81ARZ3NDEKTSV4RRFFQ69G5FAV'), RangeError)
    assert.throws(() => uuidToUlid('01563e3a-b5d3-d676-4c61-efb99302bd5'), RangeError)
  })
})
