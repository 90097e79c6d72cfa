import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Selectable } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { insertResource } from '../../db/resources.ts'
import type { UploadTable } from '../../db/schema.memory.ts'
import { AppError, Code, fieldError, notFound, permissionDenied } from '../../lib/errors.ts'
import { parseIdRef } from '../../lib/ids.ts'
import { loadProfiles } from '../profiles/index.ts'
import type { Deps, Scope } from '../deps.ts'
import { newResourceColumns, resourceMetadata, rethrowUnique } from '../resource.ts'
import type { CreateUploadBody, Upload, UploadStatus } from './upload.schema.ts'

type UploadRow = Selectable<UploadTable>

/** SORTIE_UPLOAD_MAX_BYTES: the largest upload accepted (default 25 MiB). */
export const DEFAULT_UPLOAD_MAX_BYTES = 25 * 2 ** 20
/** How long an upload URL accepts its PUT. */
export const UPLOAD_URL_TTL_MS = 15 * 60 * 1000

export function uploadMaxBytes(env: NodeJS.ProcessEnv): number {
  const raw = env.SORTIE_UPLOAD_MAX_BYTES
  const n = raw ? Number(raw) : NaN
  return Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_UPLOAD_MAX_BYTES
}

const hash = (signature: string) => createHash('sha256').update(signature).digest('hex')

/** PENDING past its URL's expiry reads EXPIRED: the URL no longer takes bytes. */
function statusOf(row: UploadRow, now: Date): UploadStatus {
  if (row.status === 'PENDING' && row.url_expires_at.getTime() <= now.getTime()) {
    return 'UPLOAD_STATUS_EXPIRED'
  }
  return `UPLOAD_STATUS_${row.status}` as UploadStatus
}

async function uploadOf(deps: Deps, row: UploadRow, uploadUrl?: string): Promise<Upload> {
  const spec = row.spec as { contentType: string; filename: string }
  const profiles = await loadProfiles(deps, [row.profile_id])
  return {
    metadata: resourceMetadata(row),
    spec: {
      contentType: spec.contentType,
      filename: spec.filename,
      sizeBytes: String(row.size_bytes),
    },
    info: {
      createdBy: profiles.get(row.profile_id),
      status: statusOf(row, deps.clock.now()),
      ...(uploadUrl ? { uploadUrl } : {}),
      uploadUrlExpiresAt: row.url_expires_at.toISOString(),
    },
  }
}

/**
 * Creates a PENDING upload and its URL. The URL carries a random signature whose hash alone is
 * stored: whoever holds the URL may PUT the bytes once, before it expires, with no API key.
 * `origin` is where this server is reached (SORTIE_PUBLIC_URL, else the request's Host).
 */
export async function createUpload(
  deps: Deps,
  scope: Scope,
  body: CreateUploadBody,
  origin: string,
): Promise<Upload> {
  const max = uploadMaxBytes(deps.env)
  if (body.spec.sizeBytes > max) {
    throw fieldError('spec.sizeBytes', `must be at most ${max} bytes (SORTIE_UPLOAD_MAX_BYTES)`)
  }
  const signature = randomBytes(32).toString('base64url')
  const id = deps.ids('upload')
  const metadata = { ...body.metadata, name: body.metadata?.name ?? body.spec.filename }
  const row = await insertResource(deps.db, 'uploads', {
    ...newResourceColumns(id, scope, metadata),
    spec: JSON.stringify({ contentType: body.spec.contentType, filename: body.spec.filename }),
    status: 'PENDING',
    size_bytes: body.spec.sizeBytes,
    signature_hash: hash(signature),
    url_expires_at: new Date(deps.clock.now().getTime() + UPLOAD_URL_TTL_MS),
  }).catch((err) => rethrowUnique(err, 'an upload'))
  const url = `${origin.replace(/\/+$/, '')}/v1/uploads/${id}/content?signature=${signature}`
  return uploadOf(deps, row, url)
}

export async function getUpload(deps: Deps, scope: Scope, ref: string): Promise<Upload> {
  const idRef = parseIdRef(ref)
  // Every column but the bytes (up to SORTIE_UPLOAD_MAX_BYTES): a read never needs them.
  let qb = deps.db
    .selectFrom('uploads')
    .select([
      'id',
      'account_id',
      'workspace_id',
      'profile_id',
      'name',
      'external_id',
      'labels',
      'spec',
      'created_at',
      'updated_at',
      'status',
      'size_bytes',
      'signature_hash',
      'url_expires_at',
    ])
    .where('workspace_id', '=', scope.workspaceId)
  qb =
    'id' in idRef ? qb.where('id', '=', idRef.id) : qb.where('external_id', '=', idRef.externalId)
  const row = await qb.executeTakeFirst()
  if (!row) throw notFound('upload', ref)
  return uploadOf(deps, { ...row, bytes: null })
}

function sameSignature(row: UploadRow, signature: string | undefined): boolean {
  if (!signature) return false
  const a = Buffer.from(hash(signature), 'hex')
  const b = Buffer.from(row.signature_hash, 'hex')
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Reads at most `limit + 1` bytes: enough to tell a body of the wrong size without buffering it. */
async function readAtMost(
  body: AsyncIterable<Uint8Array> | null,
  limit: number,
): Promise<{ bytes: Buffer; over: boolean }> {
  const chunks: Buffer[] = []
  let total = 0
  if (body) {
    for await (const chunk of body) {
      total += chunk.byteLength
      if (total > limit) return { bytes: Buffer.alloc(0), over: true }
      chunks.push(Buffer.from(chunk))
    }
  }
  return { bytes: Buffer.concat(chunks), over: false }
}

/**
 * Receives an upload's bytes (`PUT` to its URL). Every refusal leaves the upload as it was: a
 * forged or missing signature is 403, a finished upload or an expired URL 400 code 9, a body of
 * another size than declared 400 code 3, one above SORTIE_UPLOAD_MAX_BYTES 413. The bytes and
 * COMPLETE commit together, once (a compare-and-set on PENDING).
 */
export async function receiveUpload(
  deps: Deps,
  id: string,
  signature: string | undefined,
  body: AsyncIterable<Uint8Array> | null,
): Promise<Upload> {
  const row = await deps.db
    .selectFrom('uploads')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst()
  if (!row) throw notFound('upload', id)
  if (!sameSignature(row, signature)) {
    throw permissionDenied('the upload URL signature is missing or wrong')
  }
  const refused = refusal(row, deps.clock.now())
  if (refused) throw refused
  const declared = Number(row.size_bytes)
  const max = uploadMaxBytes(deps.env)
  const { bytes, over } = await readAtMost(body, Math.min(declared, max))
  if (over && declared >= max) {
    throw new AppError(Code.RESOURCE_EXHAUSTED, `upload exceeds ${max} bytes`, [], 413)
  }
  if (over || bytes.length !== declared) {
    throw fieldError(
      'body',
      `is ${over ? 'more than' : bytes.length} bytes; the upload declared spec.sizeBytes ${declared}`,
    )
  }
  const done = await deps.db
    .updateTable('uploads')
    .set({ bytes, status: 'COMPLETE', updated_at: new Date() })
    .where('id', '=', id)
    .where('status', '=', 'PENDING')
    .where('url_expires_at', '>', deps.clock.now())
    .returningAll()
    .executeTakeFirst()
  if (!done) {
    // Another PUT won the race, or the URL expired while the body arrived.
    const now = await deps.db
      .selectFrom('uploads')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    throw refusal(now, deps.clock.now()) ?? new AppError(Code.FAILED_PRECONDITION, 'upload changed')
  }
  return uploadOf(deps, done)
}

function refusal(row: UploadRow, now: Date): AppError | undefined {
  const status = statusOf(row, now)
  if (status === 'UPLOAD_STATUS_EXPIRED') {
    return new AppError(Code.FAILED_PRECONDITION, `upload ${row.id}: the upload URL has expired`)
  }
  if (status !== 'UPLOAD_STATUS_PENDING') {
    return new AppError(
      Code.FAILED_PRECONDITION,
      `upload ${row.id} is ${status}: its bytes were already received`,
    )
  }
  return undefined
}

/**
 * Takes a COMPLETE upload's bytes for a memory entry, in the entry's transaction: the upload is
 * locked, checked and marked CONSUMED (its bytes dropped: the entry now holds them). `field`
 * names the request field the violations point at.
 */
export async function consumeUpload(
  trx: Executor,
  workspaceId: string,
  ref: string,
  field: string,
  now: Date,
): Promise<{ contentType: string; bytes: Buffer }> {
  const idRef = parseIdRef(ref)
  let qb = trx.selectFrom('uploads').selectAll().where('workspace_id', '=', workspaceId)
  qb =
    'id' in idRef ? qb.where('id', '=', idRef.id) : qb.where('external_id', '=', idRef.externalId)
  const row = await qb.forUpdate().executeTakeFirst()
  if (!row) throw fieldError(field, `upload ${JSON.stringify(ref)} not found`)
  const status = statusOf(row, now)
  if (status !== 'UPLOAD_STATUS_COMPLETE') {
    throw new AppError(
      Code.FAILED_PRECONDITION,
      `${field}: upload ${row.id} is ${status}, not COMPLETE`,
      [
        {
          '@type': 'type.googleapis.com/google.rpc.BadRequest',
          fieldViolations: [{ field, description: `upload is ${status}, not COMPLETE` }],
        },
      ],
    )
  }
  await trx
    .updateTable('uploads')
    .set({ status: 'CONSUMED', bytes: null, updated_at: new Date() })
    .where('id', '=', row.id)
    .execute()
  return {
    contentType: (row.spec as { contentType: string }).contentType,
    bytes: row.bytes ?? Buffer.alloc(0),
  }
}
