import { z } from 'zod'

/** Shapes shared by every module (docs/api.md section 4.2). Each is defined once; types are inferred. */

export const Labels = z.record(z.string(), z.string())
export const Timestamp = z.string().meta({ format: 'date-time' })

export const ResourceMetadata = z
  .object({
    id: z.string(),
    accountId: z.string(),
    workspaceId: z.string(),
    profileId: z.string(),
    name: z.string(),
    externalId: z.string(),
    labels: Labels,
    createdAt: Timestamp,
    /** Seed 003: the bundle that owns the resource (docs/api.md section 3.14); absent when none does. */
    bundleKey: z.string().optional(),
  })
  .meta({ id: 'ResourceMetadata' })
export type ResourceMetadata = z.infer<typeof ResourceMetadata>

export const OperationMetadata = ResourceMetadata.omit({ name: true, bundleKey: true }).meta({
  id: 'OperationMetadata',
})
export type OperationMetadata = z.infer<typeof OperationMetadata>

export const AccountResourceMetadata = z
  .object({
    id: z.string(),
    accountId: z.string(),
    name: z.string(),
    profileId: z.string(),
    externalId: z.string(),
    labels: Labels,
  })
  .meta({ id: 'AccountResourceMetadata' })
export type AccountResourceMetadata = z.infer<typeof AccountResourceMetadata>

export const BareMetadata = z
  .object({ id: z.string(), name: z.string().optional() })
  .meta({ id: 'BareMetadata' })
export type BareMetadata = z.infer<typeof BareMetadata>

const name = z.string().trim().min(1, 'is required').max(200)
const externalId = z
  .string()
  .max(200)
  .regex(/^[^:/\s]*$/, 'may not contain spaces, ":" or "/"')
const labels = z
  .record(z.string().min(1).max(63), z.string().max(256))
  .refine((l) => Object.keys(l).length <= 64, 'at most 64 labels')

export const CreateResourceMetadata = z
  .object({ name, externalId: externalId.optional(), labels: labels.optional() })
  .meta({ id: 'CreateResourceMetadata' })
export type CreateResourceMetadata = z.infer<typeof CreateResourceMetadata>

export const UpdateResourceMetadata = z
  .object({ name: name.optional(), externalId: externalId.optional(), labels: labels.optional() })
  .meta({ id: 'UpdateResourceMetadata' })

export const CreateOperationMetadata = z
  .object({ externalId: externalId.optional(), labels: labels.optional() })
  .meta({ id: 'CreateOperationMetadata' })

export const ProfileType = z.enum([
  'PROFILE_TYPE_UNSPECIFIED',
  'PROFILE_TYPE_USER',
  'PROFILE_TYPE_API_KEY',
  'PROFILE_TYPE_SYSTEM',
])

export const Profile = z
  .object({
    metadata: AccountResourceMetadata,
    spec: z.object({ type: ProfileType, email: z.string().optional(), name: z.string() }),
  })
  .meta({ id: 'Profile' })
export type Profile = z.infer<typeof Profile>

const boolParam = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1')

/** Query parameters every list endpoint takes. */
export const ListQuery = z.object({
  cursor: z.string().optional(),
  /** 0 or absent = 50; above 500 is lowered to 500 (decodePageRequest). */
  limit: z.coerce.number().int().min(0).optional(),
  sortOrder: z.enum(['asc', 'desc']).optional(),
  includeInfo: boolParam.optional(),
})

/** ListQuery plus the name prefix filter of most collections. */
export const NamedListQuery = ListQuery.extend({ prefix: z.string().max(200).optional() })

export const Pagination = z
  .object({ nextCursor: z.string(), next_cursor: z.string(), total: z.number().int() })
  .meta({ id: 'Pagination' })

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), pagination: Pagination })
}

export const Empty = z.object({}).meta({ id: 'Empty' })

/** A comma-separated FieldMask (`spec.description,metadata.name`). */
export const UpdateMask = z.string().max(2000)

export { boolParam }

const nonNegativeInt = z.number().int().min(0)

/** How an objective's context window is compacted: set on a variation, or per manual compact request. */
export const CompactionConfig = z
  .object({
    triggerThreshold: z.number().min(0).max(1).optional(),
    toolResultClearing: z.object({ preserveRecentResults: nonNegativeInt.optional() }).optional(),
    summarization: z.object({ instructions: z.string().max(20_000).optional() }).optional(),
  })
  .meta({ id: 'CompactionConfig' })
export type CompactionConfig = z.infer<typeof CompactionConfig>

/** US dollars as a decimal string ("0.50"), or a number; exact to 1e-11 (models/pricing.ts). */
export const UsdAmount = z.union([
  z
    .string()
    .regex(/^\d{1,9}(\.\d{1,11})?$/, 'must be a decimal amount of US dollars such as "0.50"'),
  z
    .number()
    .min(0)
    .max(999_999_999)
    .refine((n) => /^\d+(\.\d{1,11})?$/.test(String(n)), 'must have at most 11 decimals'),
])

/** A Duration in seconds such as "600s" (the newest API's form). */
export const DurationSeconds = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,9})?s$/, 'must be a duration in seconds such as "600s"')
