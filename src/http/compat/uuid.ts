/**
 * HelpGenie ids are UUIDs. Sortie ids are prefixed ULIDs, and a ULID is 128 bits too: the UUID
 * form is the same value written as 32 hex digits (8-4-4-4-12), so it converts back losslessly.
 */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function isUuid(value: string): boolean {
  return UUID.test(value)
}

/** `01ARZ3NDEKTSV4RRFFQ69G5FAV` -> `01563e3a-b5d3-d676-4c61-efb99302bd5b`. */
export function ulidToUuid(ulid: string): string {
  if (!ULID.test(ulid)) throw new RangeError(`not a ULID: ${ulid}`)
  let n = 0n
  for (const ch of ulid) n = (n << 5n) | BigInt(CROCKFORD.indexOf(ch))
  const hex = n.toString(16).padStart(32, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export function uuidToUlid(uuid: string): string {
  if (!isUuid(uuid)) throw new RangeError(`not a UUID: ${uuid}`)
  let n = BigInt(`0x${uuid.replace(/-/g, '')}`)
  let out = ''
  for (let i = 0; i < 26; i++) {
    out = CROCKFORD[Number(n & 31n)] + out
    n >>= 5n
  }
  return out
}

/** `goal_<ULID>` -> its UUID form; anything that is not a prefixed ULID is returned unchanged. */
export function idToUuid(id: string): string {
  const ulid = id.slice(id.indexOf('_') + 1)
  return id.includes('_') && ULID.test(ulid) ? ulidToUuid(ulid) : id
}

/** A UUID becomes `<prefix>_<ULID>`; other references (`goal_...`, `external_id:...`) pass through. */
export function uuidToId(prefix: string, ref: string): string {
  return isUuid(ref) ? `${prefix}_${uuidToUlid(ref)}` : ref
}
