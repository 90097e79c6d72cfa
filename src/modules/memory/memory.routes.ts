import { route, type RouteDef } from '../route.ts'
import { Empty } from '../../lib/schemas.ts'
import {
  CreateMemoryEntryBody,
  CreateMemoryLayerBody,
  EntriesParams,
  EntryParams,
  ListMemoryEntriesQuery,
  ListMemoryLayersQuery,
  MemoryEntryDetail,
  MemoryEntryPage,
  MemoryLayer,
  MemoryLayerPage,
  MemoryLayerParams,
  UpdateMemoryEntryBody,
  UpdateMemoryLayerBody,
} from './memory.schema.ts'
import * as layers from './layer.service.ts'
import * as entries from './entry.service.ts'

const tags = ['Memory layers']

/** Memory layers and their entries (docs/api.md section 3.11). */
export const memoryRoutes: RouteDef[] = [
  route({
    method: 'post',
    path: '/memory_layers',
    scope: 'workspace',
    operationId: 'createMemoryLayer',
    summary: 'Create a SKILLS memory layer',
    tags,
    body: CreateMemoryLayerBody,
    response: MemoryLayer,
    handler: ({ deps, scope, body }) => layers.createLayer(deps, scope, body),
  }),
  route({
    method: 'get',
    path: '/memory_layers',
    scope: 'workspace',
    operationId: 'listMemoryLayers',
    summary: 'List memory layers (filter by type, name prefix)',
    tags,
    query: ListMemoryLayersQuery,
    response: MemoryLayerPage,
    handler: ({ deps, scope, query }) => layers.listLayers(deps, scope, query),
  }),
  route({
    method: 'get',
    path: '/memory_layers/{id}',
    scope: 'workspace',
    operationId: 'getMemoryLayer',
    summary: 'Get a memory layer',
    tags,
    params: MemoryLayerParams,
    response: MemoryLayer,
    handler: ({ deps, scope, params }) => layers.getLayer(deps, scope, params.id),
  }),
  route({
    method: 'patch',
    path: '/memory_layers/{id}',
    alsoMethods: ['put'],
    scope: 'workspace',
    operationId: 'updateMemoryLayer',
    summary: 'Update a memory layer (not a system-managed one)',
    tags,
    params: MemoryLayerParams,
    body: UpdateMemoryLayerBody,
    response: MemoryLayer,
    handler: ({ deps, scope, params, body }) => layers.updateLayer(deps, scope, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/memory_layers/{id}',
    scope: 'workspace',
    operationId: 'deleteMemoryLayer',
    summary: 'Delete a memory layer, its entries and its variation assignments',
    tags,
    params: MemoryLayerParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      await layers.deleteLayer(deps, scope, params.id)
      return {}
    },
  }),
  route({
    method: 'post',
    path: '/memory_layers/{memoryLayerId}/entries',
    scope: 'workspace',
    operationId: 'createMemoryEntry',
    summary: 'Create an entry from inline content or a COMPLETE upload',
    tags,
    params: EntriesParams,
    body: CreateMemoryEntryBody,
    response: MemoryEntryDetail,
    handler: ({ deps, scope, params, body }) =>
      entries.createEntry(deps, scope, params.memoryLayerId, body),
  }),
  route({
    method: 'get',
    path: '/memory_layers/{memoryLayerId}/entries',
    scope: 'workspace',
    operationId: 'listMemoryEntries',
    summary: 'List the entries of a layer (summaries, without content; prefix = key prefix)',
    tags,
    params: EntriesParams,
    query: ListMemoryEntriesQuery,
    response: MemoryEntryPage,
    handler: ({ deps, scope, params, query }) =>
      entries.listEntries(deps, scope, params.memoryLayerId, query),
  }),
  route({
    method: 'get',
    path: '/memory_layers/{memoryLayerId}/entries/{id}',
    scope: 'workspace',
    operationId: 'getMemoryEntry',
    summary: 'Get an entry with its content',
    tags,
    params: EntryParams,
    response: MemoryEntryDetail,
    handler: ({ deps, scope, params }) =>
      entries.getEntry(deps, scope, params.memoryLayerId, params.id),
  }),
  route({
    method: 'patch',
    path: '/memory_layers/{memoryLayerId}/entries/{id}',
    alsoMethods: ['put'],
    scope: 'workspace',
    operationId: 'updateMemoryEntry',
    summary: 'Update an entry (key, title, description, content or uploadId)',
    tags,
    params: EntryParams,
    body: UpdateMemoryEntryBody,
    response: MemoryEntryDetail,
    handler: ({ deps, scope, params, body }) =>
      entries.updateEntry(deps, scope, params.memoryLayerId, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/memory_layers/{memoryLayerId}/entries/{id}',
    scope: 'workspace',
    operationId: 'deleteMemoryEntry',
    summary: 'Delete an entry',
    tags,
    params: EntryParams,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      await entries.deleteEntry(deps, scope, params.memoryLayerId, params.id)
      return {}
    },
  }),
]
