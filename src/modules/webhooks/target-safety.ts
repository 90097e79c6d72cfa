import { lookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { BlockList, isIP } from 'node:net'

/**
 * Addresses a webhook may not reach unless private targets are allowed: loopback, private and
 * shared ranges, link-local (cloud metadata), multicast, reserved, and every IPv6 form that
 * embeds an IPv4 address (mapped, NAT64) rather than decoding each.
 */
// Two lists: a BlockList matches IPv4 addresses against IPv6 rules through their mapped form, so
// the IPv6 rule that refuses every mapped address would otherwise refuse every IPv4 address.
const blockedV4 = new BlockList()
const blockedV6 = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blockedV4.addSubnet(net, bits, 'ipv4')
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blockedV6.addSubnet(net, bits, 'ipv6')
}

/** Whether an IP address is one a public webhook target may not resolve to. */
export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip)
  if (family === 0) return true
  return family === 4 ? blockedV4.check(ip, 'ipv4') : blockedV6.check(ip, 'ipv6')
}

export class UnsafeTargetError extends Error {}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/**
 * A `lookup` for http.request that refuses private addresses at connect time, so the address
 * checked is the address used (no window for DNS rebinding between a check and the request).
 */
export function publicOnlyLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, [])
    const bad = addresses.find((a) => isPrivateAddress(a.address))
    if (bad || addresses.length === 0) {
      const why = bad ? `resolves to the private address ${bad.address}` : 'has no address'
      return callback(new UnsafeTargetError(`webhook target ${hostname} ${why}`), [])
    }
    if (options.all) return callback(null, addresses)
    callback(null, addresses[0]!.address, addresses[0]!.family)
  })
}

/** An IP literal in a URL host (IPv6 in brackets), or undefined for a name. */
export function literalAddress(hostname: string): string | undefined {
  const host = hostname.replace(/^\[(.*)\]$/, '$1')
  return isIP(host) ? host : undefined
}
