import { z } from 'zod'
import {
  AccountResourceMetadata,
  CreateResourceMetadata,
  ListQuery,
  Profile,
  ProfileType,
  UpdateMask,
  UpdateResourceMetadata,
  boolParam,
  pageOf,
} from '../../lib/schemas.ts'

/** Wire names of the seed-003 Ruby SDK (`Workspace::Status`). */
export const WorkspaceStatus = z.enum(['STATUS_ENABLED', 'STATUS_DISABLED', 'STATUS_ARCHIVED'])

export const WorkspaceSpec = z
  .object({ description: z.string().max(10_000).optional() })
  .meta({ id: 'WorkspaceSpec' })
export type WorkspaceSpec = z.infer<typeof WorkspaceSpec>

export const Workspace = z
  .object({
    metadata: AccountResourceMetadata,
    spec: z.object({ description: z.string() }),
    status: WorkspaceStatus,
    /** Only with `includeInfo=true`; totalMemoryEntries counts entries not expired. */
    info: z
      .object({
        totalAgents: z.number().int(),
        totalAgentVariations: z.number().int(),
        totalAvailableTools: z.number().int(),
        totalMemoryEntries: z.number().int(),
      })
      .optional(),
  })
  .meta({ id: 'Workspace' })
export type Workspace = z.infer<typeof Workspace>

export const Account = z
  .object({
    metadata: AccountResourceMetadata,
    spec: z.object({
      billingEmail: z.string(),
      description: z.string(),
      domain: z.string(),
      workspaces: z.array(Workspace),
    }),
    /** The signing secret and the challenge token are shown to account-admin keys only. */
    info: z.object({
      webhookEventsHmacSecret: z.string().optional(),
      challengeToken: z.string().optional().meta({ description: 'newest API (decision 21)' }),
    }),
  })
  .meta({ id: 'Account' })
export type Account = z.infer<typeof Account>

export const ChallengeToken = z
  .object({ challengeToken: z.string() })
  .meta({ id: 'ChallengeToken' })

export const WebhookSigningKey = z
  .object({ webhookEventsHmacSecret: z.string() })
  .meta({ id: 'WebhookSigningKey' })

export const CreateWorkspaceBody = z.object({
  metadata: CreateResourceMetadata,
  spec: WorkspaceSpec.default({}),
})
export type CreateWorkspaceBody = z.infer<typeof CreateWorkspaceBody>

export const UpdateWorkspaceBody = z.object({
  metadata: UpdateResourceMetadata.optional(),
  spec: WorkspaceSpec.optional(),
  updateMask: UpdateMask.optional(),
})
export type UpdateWorkspaceBody = z.infer<typeof UpdateWorkspaceBody>

/** `k=v,k2=v2`: every pair must match. */
export const LabelsFilter = z
  .string()
  .max(2000)
  .regex(
    /^\s*[^=,\s][^=,]*=[^,]*(,\s*[^=,\s][^=,]*=[^,]*)*$/,
    'must be key=value pairs joined by ","',
  )

export const ListWorkspacesQuery = ListQuery
/** Workspaces an API key may act in (`GET /v1/account/api_keys/{id}/workspaces`). */
export const ListKeyWorkspacesQuery = ListQuery.extend({ labels: LabelsFilter.optional() })
export const ListAccountWorkspacesQuery = ListQuery.extend({
  includeArchived: boolParam.optional(),
  labels: LabelsFilter.optional(),
})
export type ListAccountWorkspacesQuery = z.infer<typeof ListAccountWorkspacesQuery>

export const ListProfilesQuery = ListQuery.extend({
  query: z.string().max(200).optional(),
  type: ProfileType.optional(),
})
export type ListProfilesQuery = z.infer<typeof ListProfilesQuery>

export const IdParams = z.object({ id: z.string().min(1) })

export const WorkspacePage = pageOf(Workspace)
export const ProfilePage = pageOf(Profile)

/** A profile with access to a workspace, and the membership (actor) row that grants it. */
export const WorkspaceMember = z
  .object({
    actorId: z.string(),
    profileId: z.string(),
    addedAt: z.string().meta({ format: 'date-time' }),
    email: z.string().optional(),
    name: z.string(),
  })
  .meta({ id: 'WorkspaceMember' })
export type WorkspaceMember = z.infer<typeof WorkspaceMember>

/** Exactly one of an existing profile or an email (resolved, or invited as a new user profile). */
export const AddMemberBody = z.object({
  profileId: z.string().min(1).max(200).optional(),
  email: z.string().trim().toLowerCase().pipe(z.email()).optional(),
})
export type AddMemberBody = z.infer<typeof AddMemberBody>

export const ListMembersQuery = ListQuery.pick({ cursor: true, limit: true, sortOrder: true })
export const MemberParams = z.object({ id: z.string().min(1), profileId: z.string().min(1) })
export const MemberPage = pageOf(WorkspaceMember)
