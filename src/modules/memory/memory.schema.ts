import { z } from 'zod'
import {
  CreateResourceMetadata,
  NamedListQuery,
  Profile,
  ResourceMetadata,
  BareMetadata,
  Timestamp,
  UpdateMask,
  UpdateResourceMetadata,
  pageOf,
} from '../../lib/schemas.ts'

/** docs/api.md section 3.11. */
export const MEMORY_LAYER_TYPES = [
  'MEMORY_LAYER_TYPE_UNSPECIFIED',
  'MEMORY_LAYER_TYPE_EPISODIC',
  'MEMORY_LAYER_TYPE_SKILLS',
] as const
export type MemoryLayerType = (typeof MEMORY_LAYER_TYPES)[number]

export const MemoryLayerSpec = z
  .object({
    type: z.enum(MEMORY_LAYER_TYPES),
    description: z.string().max(10_000).optional(),
    expiresAt: Timestamp.optional(),
    systemManaged: z.boolean().optional().meta({ description: 'server-set' }),
    agentId: z.string().optional().meta({ description: 'server-set on episodic layers' }),
    episodicKey: z.string().optional().meta({ description: 'server-set on episodic layers' }),
  })
  .meta({ id: 'MemoryLayerSpec' })
export type MemoryLayerSpec = z.infer<typeof MemoryLayerSpec>

export const MemoryLayer = z
  .object({
    metadata: ResourceMetadata,
    spec: MemoryLayerSpec,
    info: z
      .object({
        createdBy: Profile.optional(),
        entryCount: z.number().int(),
        lastUsedAt: Timestamp.optional(),
      })
      .optional(),
  })
  .meta({ id: 'MemoryLayer' })
export type MemoryLayer = z.infer<typeof MemoryLayer>

/** Layer spec as a client writes it: the server-set fields are refused, type checked by the service. */
const LayerSpecInput = z.object({
  type: z.enum(MEMORY_LAYER_TYPES).optional(),
  description: z.string().max(10_000).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  systemManaged: z.boolean().optional(),
})

export const CreateMemoryLayerBody = z.object({
  metadata: CreateResourceMetadata,
  spec: LayerSpecInput,
})
export type CreateMemoryLayerBody = z.infer<typeof CreateMemoryLayerBody>

export const UpdateMemoryLayerBody = z.object({
  metadata: UpdateResourceMetadata.optional(),
  spec: LayerSpecInput.optional(),
  updateMask: UpdateMask.optional(),
})
export type UpdateMemoryLayerBody = z.infer<typeof UpdateMemoryLayerBody>

export const ListMemoryLayersQuery = NamedListQuery.extend({
  type: z.enum(MEMORY_LAYER_TYPES).optional(),
})
export type ListMemoryLayersQuery = z.infer<typeof ListMemoryLayersQuery>

export const MemoryEntrySpec = z
  .object({
    key: z.string(),
    title: z.string().optional(),
    description: z.string().optional(),
  })
  .meta({ id: 'MemoryEntrySpec' })
export type MemoryEntrySpec = z.infer<typeof MemoryEntrySpec>

const EntryInfo = z.object({
  createdBy: Profile.optional(),
  memoryLayer: ResourceMetadata.optional(),
})

export const MemoryEntry = z
  .object({ metadata: ResourceMetadata, spec: MemoryEntrySpec, info: EntryInfo.optional() })
  .meta({ id: 'MemoryEntry' })
export type MemoryEntry = z.infer<typeof MemoryEntry>

export const MemoryEntryDetail = z
  .object({
    metadata: ResourceMetadata,
    spec: MemoryEntrySpec,
    content: z.string(),
    info: EntryInfo.optional(),
  })
  .meta({ id: 'MemoryEntryDetail' })
export type MemoryEntryDetail = z.infer<typeof MemoryEntryDetail>

/** At most 1 MiB of text reaches an entry inline (the request body limit); uploads go to 25 MiB. */
const title = z.string().max(500)
const description = z.string().max(2_000)

/** Keys are checked by the service (entry-key.ts) so each broken rule is reported by name. */
export const CreateMemoryEntryBody = z.object({
  metadata: CreateResourceMetadata,
  spec: z.object({
    key: z.string().optional(),
    content: z.string().optional(),
    uploadId: z.string().max(300).optional(),
    title: title.optional(),
    description: description.optional(),
  }),
})
export type CreateMemoryEntryBody = z.infer<typeof CreateMemoryEntryBody>

export const UpdateMemoryEntryBody = z.object({
  metadata: UpdateResourceMetadata.optional(),
  spec: z
    .object({
      key: z.string().optional(),
      title: title.optional(),
      description: description.optional(),
      content: z.string().optional(),
      uploadId: z.string().max(300).optional(),
    })
    .optional(),
  updateMask: UpdateMask.optional(),
})
export type UpdateMemoryEntryBody = z.infer<typeof UpdateMemoryEntryBody>

export const ListMemoryEntriesQuery = NamedListQuery.extend({
  prefix: z.string().max(1024).optional().meta({ description: 'a key prefix' }),
})
export type ListMemoryEntriesQuery = z.infer<typeof ListMemoryEntriesQuery>

export const MemoryLayerParams = z.object({ id: z.string().min(1) })
export const EntriesParams = z.object({ memoryLayerId: z.string().min(1) })
export const EntryParams = EntriesParams.extend({ id: z.string().min(1) })

export const MemoryLayerPage = pageOf(MemoryLayer)
export const MemoryEntryPage = pageOf(MemoryEntry)

/** A layer assigned to a variation's baseline stack (seed 003). */
export const VariationMemoryLayerAssignment = z
  .object({ id: z.string(), memoryLayer: BareMetadata, position: z.number().int() })
  .meta({ id: 'VariationMemoryLayerAssignment' })
export type VariationMemoryLayerAssignment = z.infer<typeof VariationMemoryLayerAssignment>

const position = z.number().int().min(-1_000_000).max(1_000_000)

export const AddMemoryLayerAssignmentBody = z.object({
  memoryLayerId: z.string().max(300).optional(),
  position: position.optional(),
})
export type AddMemoryLayerAssignmentBody = z.infer<typeof AddMemoryLayerAssignmentBody>

export const UpdateMemoryLayerAssignmentBody = z.object({ position: position.optional() })

export const NestedVariationParams = z.object({
  agentId: z.string().min(1),
  variationId: z.string().min(1),
})
export const NestedAssignmentParams = NestedVariationParams.extend({ id: z.string().min(1) })
export const FlatVariationParams = z.object({ agentVariationId: z.string().min(1) })
export const FlatAssignmentParams = FlatVariationParams.extend({ id: z.string().min(1) })
