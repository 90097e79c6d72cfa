import { route, type RouteDef } from '../route.ts'
import { CreateUploadBody, Upload, UploadParams } from './upload.schema.ts'
import * as uploads from './upload.service.ts'

const tags = ['Uploads']

export const uploadRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/uploads',
    scope: 'workspace',
    operationId: 'createUpload',
    summary: 'Start an upload: PUT its bytes to the signed, expiring info.uploadUrl',
    tags,
    body: CreateUploadBody,
    response: Upload,
    handler: ({ deps, scope, body, header }) => {
      const origin =
        deps.env.SORTIE_PUBLIC_URL ||
        `${header('x-forwarded-proto') ?? 'http'}://${header('host') ?? 'localhost'}`
      return uploads.createUpload(deps, scope, body, origin)
    },
  }),
  route({
    method: 'get',
    path: '/uploads/{id}',
    scope: 'workspace',
    operationId: 'getUpload',
    summary: 'Get an upload and its status',
    tags,
    params: UploadParams,
    response: Upload,
    handler: ({ deps, scope, params }) => uploads.getUpload(deps, scope, params.id),
  }),
]
