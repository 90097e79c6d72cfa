import { z } from 'zod'
import {
  CreateResourceMetadata,
  NamedListQuery,
  Profile,
  ResourceMetadata,
  UpdateMask,
  UpdateResourceMetadata,
  pageOf,
} from '../../lib/schemas.ts'
import { ContentTimeout, HeaderMap } from './tool-set.schema.ts'

/** The model sees a tool under this name; providers accept only these characters. */
export const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/

/** A name as providers accept it for a function: [a-zA-Z0-9_-], at most 64 characters. */
export function functionName(raw: string, fallback: string): string {
  return raw.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || fallback
}

export const HttpMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH'])

const template = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\r\n\0]*$/, 'may not contain line breaks')

/**
 * How an HTTP tool call is made. Path, query values, header values and the body template are
 * Liquid templates over the call's arguments (`{{ orderId }}`) and may reference secrets (`${NAME}`).
 */
export const ConfigHTTP = z
  .object({
    requestMethod: HttpMethod,
    path: template(2048)
      .refine((p) => p === '' || p.startsWith('/'), 'must start with "/"')
      .optional(),
    /** A query-string template (`"units=metric&city={{ city }}"`), or a map name -> template. */
    query: z
      .union([
        template(8192),
        z
          .record(z.string().min(1).max(256), template(8192))
          .refine((q) => Object.keys(q).length <= 100, 'at most 100 query parameters'),
      ])
      .optional(),
    headers: HeaderMap.optional(),
    requestBodyTemplate: z.string().max(100_000).optional(),
    requestBodyContentType: z
      .string()
      .max(255)
      .regex(/^([\w.+-]+\/[\w.+-]+(\s*;.*)?)?$/, 'is not a media type')
      .optional(),
    toolName: z
      .string()
      .refine((n) => n === '' || FUNCTION_NAME.test(n), 'must match ^[a-zA-Z0-9_-]{1,64}$')
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.requestBodyTemplate && !BODY_METHODS.has(c.requestMethod)) {
      ctx.addIssue({
        code: 'custom',
        path: ['requestBodyTemplate'],
        message: `is only allowed for POST, PUT and PATCH, not ${c.requestMethod}`,
      })
    }
  })
  .meta({ id: 'ConfigHTTP' })
export type ConfigHTTP = z.infer<typeof ConfigHTTP>

export const ConfigMCP = z.object({
  toolName: z.string().min(1).max(256).optional(),
  toolTitle: z.string().max(1000).optional(),
  toolDescription: z.string().max(10_000).optional(),
})

export const ConfigOpenApi = z.object({
  method: HttpMethod.optional(),
  path: z.string().max(2048).optional(),
  operationId: z.string().max(256).optional(),
})

export const ToolConfig = z
  .object({
    http: ConfigHTTP.optional(),
    mcp: ConfigMCP.optional(),
    openapi: ConfigOpenApi.optional(),
  })
  .superRefine((c, ctx) => {
    if ([c.http, c.mcp, c.openapi].filter((x) => x !== undefined).length > 1) {
      ctx.addIssue({ code: 'custom', message: 'at most one of http, mcp or openapi may be set' })
    }
  })

export const ToolStatus = z.enum([
  'TOOL_STATUS_UNSPECIFIED',
  'TOOL_STATUS_AVAILABLE',
  'TOOL_STATUS_FILTERED',
  'TOOL_STATUS_OMITTED',
  'TOOL_STATUS_ARCHIVED',
])
export type ToolStatus = z.infer<typeof ToolStatus>

const JsonObject = z.record(z.string(), z.unknown())

export const ToolSpec = z
  .object({
    /** A tool of a bare tool set has nothing to configure: `{}`, or left out. */
    config: ToolConfig.default({}),
    description: z.string().max(10_000).optional(),
    parameters: JsonObject.optional(),
    status: ToolStatus.optional(),
    requiresApproval: z.boolean().optional(),
    /** Tools of a bare tool set: overrides the set's `contentTimeout` ("300s"). */
    contentTimeout: ContentTimeout.optional(),
  })
  .meta({ id: 'ToolSpec' })
export type ToolSpec = z.infer<typeof ToolSpec>

export const Tool = z
  .object({
    metadata: ResourceMetadata,
    spec: ToolSpec,
    info: z.object({ createdBy: Profile.optional(), toolSet: ResourceMetadata }).optional(),
  })
  .meta({ id: 'Tool' })
export type Tool = z.infer<typeof Tool>

export const CreateToolBody = z.object({ metadata: CreateResourceMetadata, spec: ToolSpec })
export type CreateToolBody = z.infer<typeof CreateToolBody>

/** The spec is re-validated whole after the update is applied, so its parts are optional here. */
export const UpdateToolBody = z.object({
  metadata: UpdateResourceMetadata.optional(),
  spec: z
    .object({
      config: ToolConfig.optional(),
      description: z.string().max(10_000).optional(),
      parameters: JsonObject.optional(),
      status: ToolStatus.optional(),
      requiresApproval: z.boolean().optional(),
      contentTimeout: ContentTimeout.optional(),
    })
    .optional(),
  updateMask: UpdateMask.optional(),
})
export type UpdateToolBody = z.infer<typeof UpdateToolBody>

export const ToolParams = z.object({ toolSetId: z.string().min(1), id: z.string().min(1) })
export const ListToolsQuery = NamedListQuery
export type ListToolsQuery = z.infer<typeof ListToolsQuery>
export const ToolPage = pageOf(Tool)
