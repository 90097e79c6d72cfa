import { route, type RouteDef } from '../route.ts'
import { Empty } from '../../lib/schemas.ts'
import {
  ListModelsQuery,
  Model,
  ModelIdParams,
  ModelNameParams,
  ModelPage,
  SetModelStatusBody,
  SwapModelBody,
} from './model.schema.ts'
import * as models from './model.service.ts'
import { swapModelOnVariations } from './swap.service.ts'

const tags = ['Models']

const statusOf = (body: { status?: string }) =>
  body.status === 'MODEL_STATUS_DISABLED' ? 'MODEL_STATUS_DISABLED' : 'MODEL_STATUS_ENABLED'

const setStatusRoute = (verb: 'enable' | 'disable') =>
  route({
    method: 'post',
    path: `/models/{id}/${verb}`,
    scope: 'workspace',
    operationId: `${verb}Model`,
    summary: `${verb === 'enable' ? 'Enable' : 'Disable'} a model (alias of PUT .../status)`,
    tags,
    params: ModelIdParams,
    response: Model,
    handler: ({ deps, scope, params }) =>
      models.setModelStatus(
        deps,
        scope,
        params.id,
        verb === 'enable' ? 'MODEL_STATUS_ENABLED' : 'MODEL_STATUS_DISABLED',
      ),
  })

export const modelRoutes: RouteDef[] = [
  route({
    method: 'get',
    path: '/models',
    scope: 'workspace',
    operationId: 'listModels',
    summary: "List the workspace's models",
    tags,
    query: ListModelsQuery,
    response: ModelPage,
    handler: ({ deps, scope, query }) => models.listModels(deps, scope, query),
  }),
  route({
    method: 'get',
    path: '/models/{id}',
    scope: 'workspace',
    operationId: 'getModel',
    summary: 'Get a model by id, external id or url-encoded family/model name',
    tags,
    params: ModelIdParams,
    response: Model,
    handler: ({ deps, scope, params }) => models.getModel(deps, scope, params.id),
  }),
  route({
    method: 'get',
    path: '/models/{family}/{model}',
    scope: 'workspace',
    operationId: 'getModelByName',
    summary: 'Get a model by its family/model name',
    tags,
    params: ModelNameParams,
    response: Model,
    handler: ({ deps, scope, params }) =>
      models.getModel(deps, scope, `${params.family}/${params.model}`),
  }),
  route({
    method: 'put',
    path: '/models/{family}/{model}/status',
    scope: 'workspace',
    operationId: 'setModelStatusByName',
    summary: 'Enable or disable a model by its family/model name',
    tags,
    params: ModelNameParams,
    body: SetModelStatusBody,
    response: Model,
    handler: ({ deps, scope, params, body }) =>
      models.setModelStatus(deps, scope, `${params.family}/${params.model}`, statusOf(body)),
  }),
  route({
    method: 'put',
    path: '/models/{id}/status',
    scope: 'workspace',
    operationId: 'setModelStatus',
    summary: 'Enable or disable a model',
    tags,
    params: ModelIdParams,
    body: SetModelStatusBody,
    response: Model,
    handler: ({ deps, scope, params, body }) =>
      models.setModelStatus(deps, scope, params.id, statusOf(body)),
  }),
  setStatusRoute('enable'),
  setStatusRoute('disable'),
  route({
    method: 'post',
    path: '/models:swapModelOnVariations',
    scope: 'workspace',
    operationId: 'swapModelOnVariations',
    summary: 'Move agent variations from one model to another (optionally disabling the old one)',
    tags,
    body: SwapModelBody,
    response: Empty,
    handler: ({ deps, scope, body }) => swapModelOnVariations(deps, scope, body),
  }),
]
