import { z } from 'zod'
import {
  CreateResourceMetadata,
  NamedListQuery,
  Profile,
  ResourceMetadata,
  Timestamp,
  UpdateMask,
  UpdateResourceMetadata,
  pageOf,
} from '../../lib/schemas.ts'

// Secrets are referenced as ${NAME} in tool templates (docs/decisions.md decision 5), so a name must be a
// plain identifier.
const secretName = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(200)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must match ^[A-Za-z_][A-Za-z0-9_]*$ (used as ${NAME})')

const secretValue = z.string().min(1, 'is required').max(65_536)

/** A secret as it is read: metadata and info, never the value (workspace and tool-set kinds). */
const secretShape = () =>
  z.object({
    metadata: ResourceMetadata,
    spec: z.object({}).meta({ description: 'spec.value is write-only and never returned' }),
    info: z.object({ createdBy: Profile.optional(), lastUsedAt: Timestamp.optional() }).optional(),
  })

export const WorkspaceSecret = secretShape().meta({ id: 'WorkspaceSecret' })
export type WorkspaceSecret = z.infer<typeof WorkspaceSecret>

export const CreateSecretBody = z.object({
  metadata: CreateResourceMetadata.extend({ name: secretName }),
  spec: z.object({ value: secretValue }),
})
export type CreateSecretBody = z.infer<typeof CreateSecretBody>

export const UpdateSecretBody = z.object({
  metadata: UpdateResourceMetadata.extend({ name: secretName.optional() }).optional(),
  spec: z.object({ value: secretValue.optional() }).optional(),
  updateMask: UpdateMask.optional(),
})
export type UpdateSecretBody = z.infer<typeof UpdateSecretBody>

export const ToolSetSecret = secretShape().meta({ id: 'ToolSetSecret' })

export const SecretParams = z.object({ id: z.string().min(1) })
export const ToolSetSecretsParams = z.object({ toolSetId: z.string().min(1) })
export const ToolSetSecretParams = z.object({
  toolSetId: z.string().min(1),
  id: z.string().min(1),
})
export const ListSecretsQuery = NamedListQuery
export type ListSecretsQuery = z.infer<typeof ListSecretsQuery>
export const SecretPage = pageOf(WorkspaceSecret)
export const ToolSetSecretPage = pageOf(ToolSetSecret)
