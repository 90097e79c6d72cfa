import { z } from 'zod'
import { CreateResourceMetadata, Profile, ResourceMetadata, Timestamp } from '../../lib/schemas.ts'

export const UPLOAD_STATUSES = [
  'UPLOAD_STATUS_UNSPECIFIED',
  'UPLOAD_STATUS_PENDING',
  'UPLOAD_STATUS_COMPLETE',
  'UPLOAD_STATUS_CONSUMED',
  'UPLOAD_STATUS_EXPIRED',
] as const
export type UploadStatus = (typeof UPLOAD_STATUSES)[number]

export const Upload = z
  .object({
    metadata: ResourceMetadata,
    spec: z.object({
      contentType: z.string(),
      filename: z.string(),
      sizeBytes: z.string().meta({ description: 'int64 as a string' }),
    }),
    info: z.object({
      createdBy: Profile.optional(),
      status: z.enum(UPLOAD_STATUSES),
      uploadUrl: z
        .string()
        .optional()
        .meta({ description: 'only in the create response: PUT the bytes to it, no API key' }),
      uploadUrlExpiresAt: Timestamp,
    }),
  })
  .meta({ id: 'Upload' })
export type Upload = z.infer<typeof Upload>

/** `type/subtype`, optionally with parameters (`text/markdown; charset=utf-8`). */
const contentType = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(255)
  .regex(/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/, 'must be a media type like text/markdown')

const filename = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(255)
  .regex(/^[^/\\\0]+$/, 'may not contain "/", "\\" or NUL')

/** int64 fields are strings on the wire (docs/api.md section 1.1); numbers are accepted too. */
const sizeBytes = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : /^\d+$/.test(v.trim()) ? Number(v.trim()) : NaN
  if (!Number.isSafeInteger(n) || n < 0) {
    ctx.addIssue({ code: 'custom', message: 'must be a non-negative integer (bytes)' })
    return z.NEVER
  }
  return n
})

export const CreateUploadBody = z.object({
  metadata: CreateResourceMetadata.partial({ name: true }).optional(),
  spec: z.object({ contentType, filename, sizeBytes }),
})
export type CreateUploadBody = z.infer<typeof CreateUploadBody>

export const UploadParams = z.object({ id: z.string().min(1) })
