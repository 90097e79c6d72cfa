import { route, type RouteDef } from '../route.ts'
import { Empty } from '../../lib/schemas.ts'
import type { Deps, Scope } from '../deps.ts'
import {
  AddMemoryLayerAssignmentBody,
  FlatAssignmentParams,
  FlatVariationParams,
  NestedAssignmentParams,
  NestedVariationParams,
  UpdateMemoryLayerAssignmentBody,
  VariationMemoryLayerAssignment,
} from './memory.schema.ts'
import * as assignments from './assignment.service.ts'

const tags = ['Agent variations']

type VariationRef = { agentId?: string; variationId?: string; agentVariationId?: string }

/** Seed 003 nests variations under their agent; the flat seed-004 shape is served too. */
const variationOf = (deps: Deps, scope: Scope, p: VariationRef) =>
  p.agentVariationId
    ? assignments.findVariationById(deps, scope, p.agentVariationId)
    : assignments.findNestedVariation(deps, scope, p.agentId!, p.variationId!)

const shapes = [
  {
    base: '/agents/{agentId}/variations/{variationId}/memory_layer_assignments',
    params: NestedVariationParams,
    one: NestedAssignmentParams,
    op: 'AgentVariation',
  },
  {
    base: '/agent_variations/{agentVariationId}/memory_layer_assignments',
    params: FlatVariationParams,
    one: FlatAssignmentParams,
    op: 'Variation',
  },
] as const

/** A variation's baseline memory stack (docs/api.md section 3.11). */
export const memoryAssignmentRoutes: RouteDef[] = shapes.flatMap((s) => [
  route({
    method: 'post',
    path: s.base,
    scope: 'workspace',
    operationId: `add${s.op}MemoryLayerAssignment`,
    summary: "Assign a memory layer to a variation's baseline stack at a position",
    tags,
    params: s.params,
    body: AddMemoryLayerAssignmentBody,
    response: VariationMemoryLayerAssignment,
    handler: async ({ deps, scope, params, body }) =>
      assignments.addMemoryLayerAssignment(
        deps,
        scope,
        await variationOf(deps, scope, params as VariationRef),
        body,
      ),
  }),
  route({
    method: 'patch',
    path: `${s.base}/{id}`,
    alsoMethods: ['put'],
    scope: 'workspace',
    operationId: `move${s.op}MemoryLayerAssignment`,
    summary: 'Move a memory layer assignment to another position',
    tags,
    params: s.one,
    body: UpdateMemoryLayerAssignmentBody,
    response: VariationMemoryLayerAssignment,
    handler: async ({ deps, scope, params, body }) =>
      assignments.moveMemoryLayerAssignment(
        deps,
        await variationOf(deps, scope, params as VariationRef),
        (params as { id: string }).id,
        body.position,
      ),
  }),
  route({
    method: 'delete',
    path: `${s.base}/{id}`,
    scope: 'workspace',
    operationId: `remove${s.op}MemoryLayerAssignment`,
    summary: "Remove a memory layer from a variation's baseline stack",
    tags,
    params: s.one,
    response: Empty,
    handler: async ({ deps, scope, params }) => {
      const variation = await variationOf(deps, scope, params as VariationRef)
      await assignments.removeMemoryLayerAssignment(deps, variation, (params as { id: string }).id)
      return {}
    },
  }),
])
