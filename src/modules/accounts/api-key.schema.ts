import { z } from 'zod'
import { PERMISSION_PATTERN } from './permissions.ts'
import {
  CreateResourceMetadata,
  NamedListQuery,
  Profile,
  ResourceMetadata,
  UpdateMask,
  UpdateResourceMetadata,
  pageOf,
} from '../../lib/schemas.ts'

/** `*`, `<family>:read|write`, `objectives:control` or `account:manage` (permissions.ts). */
const Permission = z
  .string()
  .regex(
    PERMISSION_PATTERN,
    'must be "*", "<family>:read", "<family>:write", "objectives:control" or "account:manage"',
  )

const Permissions = z.array(Permission).max(32)

/** Request spec; `token` and `system` are response-only, so they are dropped if sent. */
export const ApiKeySpecInput = z
  .object({ description: z.string().max(10_000).optional(), permissions: Permissions.optional() })
  .meta({ id: 'APIKeySpecInput' })
export type ApiKeySpecInput = z.infer<typeof ApiKeySpecInput>

export const ApiKey = z
  .object({
    metadata: ResourceMetadata,
    spec: z.object({
      description: z.string(),
      /** Only in the create and rotate responses. */
      token: z.string().optional(),
      permissions: z.array(z.string()),
      system: z.boolean(),
    }),
    /** HEAD: `:disable` turns a key's token off until `:enable`. */
    state: z.enum(['API_KEY_STATE_ENABLED', 'API_KEY_STATE_DISABLED']),
    info: z.object({ createdBy: Profile.optional() }).optional(),
  })
  .meta({ id: 'APIKey' })
export type ApiKey = z.infer<typeof ApiKey>

export const CreateApiKeyBody = z.object({
  metadata: CreateResourceMetadata,
  spec: ApiKeySpecInput.default({}),
})
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBody>

/** Account-level create may home the key in any workspace of the account (Sortie extension). */
export const CreateAccountApiKeyBody = CreateApiKeyBody.extend({
  workspaceId: z.string().min(1).max(200).optional(),
})
export type CreateAccountApiKeyBody = z.infer<typeof CreateAccountApiKeyBody>

export const UpdateApiKeyBody = z.object({
  metadata: UpdateResourceMetadata.optional(),
  spec: ApiKeySpecInput.optional(),
  updateMask: UpdateMask.optional(),
})
export type UpdateApiKeyBody = z.infer<typeof UpdateApiKeyBody>

export const GrantWorkspaceBody = z.object({ workspaceId: z.string().min(1).max(200) })

export const ApiKeyParams = z.object({ id: z.string().min(1) })
/** Not `workspaceId`: the router reserves that name for the workspace route family. */
export const GrantParams = z.object({
  id: z.string().min(1),
  grantedWorkspaceId: z.string().min(1),
})

export const ListApiKeysQuery = NamedListQuery
export type ListApiKeysQuery = z.infer<typeof ListApiKeysQuery>

export const ApiKeyPage = pageOf(ApiKey)
