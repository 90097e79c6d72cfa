import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isPrivateAddress, literalAddress } from './target-safety.ts'

describe('webhook target safety', () => {
  it('refuses loopback, private, link-local and IPv4-in-IPv6 addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::a00:1',
    ]) {
      assert.equal(isPrivateAddress(ip), true, ip)
    }
  })

  it('accepts public IPv4 and IPv6 addresses', () => {
    for (const ip of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) {
      assert.equal(isPrivateAddress(ip), false, ip)
    }
  })

  it('reads IP literals out of URL hosts, IPv6 in brackets', () => {
    assert.equal(literalAddress(new URL('http://[::1]:8080/x').hostname), '::1')
    assert.equal(literalAddress(new URL('http://127.0.0.1/x').hostname), '127.0.0.1')
    assert.equal(literalAddress(new URL('http://example.com/x').hostname), undefined)
  })
})
