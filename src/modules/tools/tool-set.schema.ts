import { z } from 'zod'
import {
  CreateResourceMetadata,
  NamedListQuery,
  ListQuery,
  OperationMetadata,
  Profile,
  ResourceMetadata,
  Timestamp,
  UpdateMask,
  UpdateResourceMetadata,
  pageOf,
} from '../../lib/schemas.ts'

/** An absolute http(s) URL: tool calls are dispatched to it. */
export const AbsoluteHttpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value)
      return (url.protocol === 'http:' || url.protocol === 'https:') && !!url.hostname
    } catch {
      return false
    }
  }, 'must be an absolute http(s) URL')

const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/, 'is not a valid HTTP header name')
/** Header values may hold `${NAME}` secret references (docs/decisions.md decision 5); stored as written. */
const headerValue = z
  .string()
  .max(8192)
  .regex(/^[^\r\n\0]*$/, 'may not contain line breaks')
export const HeaderMap = z
  .record(headerName, headerValue)
  .refine((h) => Object.keys(h).length <= 100, 'at most 100 headers')

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern)
    return true
  } catch {
    return false
  }
}

export const ToolFilter = z
  .object({
    operator: z.enum(['OPERATOR_UNSPECIFIED', 'OPERATOR_AND', 'OPERATOR_OR']).optional(),
    filters: z
      .array(
        z.object({
          attribute: z
            .enum([
              'ATTRIBUTE_UNSPECIFIED',
              'ATTRIBUTE_NAME',
              'ATTRIBUTE_TITLE',
              'ATTRIBUTE_DESCRIPTION',
            ])
            .optional(),
          matcher: z
            .object({
              exact: z.string().max(1000).optional(),
              startsWith: z.string().max(1000).optional(),
              endsWith: z.string().max(1000).optional(),
              contains: z.string().max(1000).optional(),
              regex: z
                .string()
                .max(1000)
                .refine(compiles, 'is not a valid regular expression')
                .optional(),
              caseSensitive: z.boolean().optional(),
            })
            .optional(),
        }),
      )
      .max(100)
      .optional(),
  })
  .meta({ id: 'McpToolFilter' })

export const ApprovalRequirementFilter = z
  .object({
    always: z.boolean().optional(),
    only: ToolFilter.optional(),
    type: z.string().max(32).optional(),
  })
  .meta({ id: 'ApprovalRequirementFilter' })

const HttpAdapter = z.object({ baseUrl: AbsoluteHttpUrl, headers: HeaderMap.optional() })

const McpAdapter = z.object({
  url: AbsoluteHttpUrl,
  headers: HeaderMap.optional(),
  includeTools: ToolFilter.optional(),
  excludeTools: ToolFilter.optional(),
  toolApprovals: ApprovalRequirementFilter.optional(),
})

/** Seed 003: the spec comes from a URL or an upload; `baseUrl` overrides the spec's servers. */
const OpenApiAdapter = z
  .object({
    type: z.enum(['url', 'uploadId']).optional(),
    url: AbsoluteHttpUrl.optional(),
    uploadId: z.string().min(1).max(200).optional(),
    baseUrl: AbsoluteHttpUrl.optional(),
    serverName: z.string().max(200).optional(),
    headers: HeaderMap.optional(),
    includeTools: ToolFilter.optional(),
    excludeTools: ToolFilter.optional(),
    toolApprovals: ApprovalRequirementFilter.optional(),
  })
  .superRefine((o, ctx) => {
    if (!!o.url === !!o.uploadId) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'exactly one of url or uploadId is required',
      })
    }
  })

/**
 * A bare tool set has no executor: a call of one of its tools waits for its result to be supplied
 * through `tool_calls/{id}:setContent` (docs/api.md section 5.13).
 */
const BareAdapter = z.object({}).meta({ id: 'ToolSetAdapterBare' })

/** A duration in seconds as protobuf JSON writes it ("300s"). */
export const ContentTimeout = z
  .string()
  .regex(/^\d{1,7}(\.\d{1,9})?s$/, 'must be a duration in seconds, like "300s"')

export const ToolSetAdapter = z
  .object({
    /** Newest API: the key of the populated adapter. Served; on input it must match that key. */
    type: z.enum(['http', 'mcp', 'openapi', 'bare']).optional(),
    http: HttpAdapter.optional(),
    mcp: McpAdapter.optional(),
    openapi: OpenApiAdapter.optional(),
    bare: BareAdapter.optional(),
  })
  .superRefine((a, ctx) => {
    const set = (['http', 'mcp', 'openapi', 'bare'] as const).filter((k) => a[k] !== undefined)
    if (set.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: 'exactly one of http, mcp, openapi or bare is required',
      })
    } else if (a.type && a.type !== set[0]) {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `is ${a.type} but the adapter set is ${set[0]}`,
      })
    }
  })
  .meta({ id: 'ToolSetAdapter' })
export type ToolSetAdapter = z.infer<typeof ToolSetAdapter>

export const ToolSetSpec = z
  .object({
    description: z.string().max(10_000).optional(),
    adapter: ToolSetAdapter,
    /** Bare tool sets: how long a call waits for its content before it errors ("300s"). */
    contentTimeout: ContentTimeout.optional(),
  })
  .meta({ id: 'ToolSetSpec' })
export type ToolSetSpec = z.infer<typeof ToolSetSpec>

/**
 * A spec as a client writes it: one without an adapter is a bare tool set, "a valid container of
 * tools until an adapter is set" (docs/decisions.md decision 22); it is stored with `bare: {}`.
 */
export const ToolSetSpecInput = ToolSetSpec.extend({ adapter: ToolSetAdapter.optional() })
export type ToolSetSpecInput = z.infer<typeof ToolSetSpecInput>

export const ToolSet = z
  .object({
    metadata: ResourceMetadata,
    spec: ToolSetSpec,
    /** HEAD: `:archive` makes a set ARCHIVED; its tools go to no new objective. */
    state: z.enum(['TOOL_SET_STATE_ACTIVE', 'TOOL_SET_STATE_ARCHIVED']).optional(),
    info: z
      .object({
        agentCount: z.number().int(),
        createdBy: Profile.optional(),
        lastSync: Timestamp.optional(),
        toolCount: z.number().int(),
      })
      .optional(),
  })
  .meta({ id: 'ToolSet' })
export type ToolSet = z.infer<typeof ToolSet>

export const ToolSetEvent = z
  .object({
    metadata: OperationMetadata,
    toolSetId: z.string(),
    event: z.object({
      type: z.string(),
      syncStarted: z.object({ message: z.string().optional() }).optional(),
      syncCompleted: z
        .object({ message: z.string().optional(), toolsSynced: z.number().int().optional() })
        .optional(),
      syncFailed: z
        .object({
          error: z.boolean().optional(),
          errorType: z.string().optional(),
          message: z.string().optional(),
        })
        .optional(),
    }),
    info: z.object({ createdBy: Profile.optional(), toolSet: ResourceMetadata }).optional(),
  })
  .meta({ id: 'ToolSetEvent' })
export type ToolSetEvent = z.infer<typeof ToolSetEvent>

export const CreateToolSetBody = z.object({
  metadata: CreateResourceMetadata,
  spec: ToolSetSpecInput,
})
export type CreateToolSetBody = z.infer<typeof CreateToolSetBody>

/** The spec is re-validated whole after the update is applied, so its parts are optional here. */
export const UpdateToolSetBody = z.object({
  metadata: UpdateResourceMetadata.optional(),
  spec: z
    .object({
      description: z.string().max(10_000).optional(),
      adapter: ToolSetAdapter.optional(),
      contentTimeout: ContentTimeout.optional(),
    })
    .optional(),
  updateMask: UpdateMask.optional(),
})
export type UpdateToolSetBody = z.infer<typeof UpdateToolSetBody>

export const ToolSetIdParams = z.object({ id: z.string().min(1) })
export const ToolSetChildParams = z.object({ toolSetId: z.string().min(1) })
export const ListToolSetsQuery = NamedListQuery
export type ListToolSetsQuery = z.infer<typeof ListToolSetsQuery>
export const ListToolSetEventsQuery = ListQuery
export type ListToolSetEventsQuery = z.infer<typeof ListToolSetEventsQuery>

export const ToolSetPage = pageOf(ToolSet)
export const ToolSetEventPage = pageOf(ToolSetEvent)
