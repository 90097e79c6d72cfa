import assert from 'node:assert/strict'
import type { TestSortie } from './sortie.ts'

/** 16 bytes of a PNG header, as base64: a small image part. */
export const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64')

let n = 0

/**
 * A bare tool set made without `spec.adapter`, its tool `snapshot` (no config) and a published
 * agent whose variation (model `modelId`) may call it; through the workspace family.
 */
export async function bareAgent(
  t: TestSortie,
  modelId: string,
  opts: { setTimeout?: string; toolTimeout?: string } = {},
): Promise<{ agentId: string; toolSetId: string; toolId: string }> {
  const ws = `/v1/workspaces/${t.workspaceId}`
  const i = ++n
  const set = await t.api('POST', `${ws}/tool_sets`, {
    metadata: { name: `camera-${i}` },
    spec: {
      description: 'answered by a human',
      ...(opts.setTimeout ? { contentTimeout: opts.setTimeout } : {}),
    },
  })
  assert.equal(set.status, 200, JSON.stringify(set.body))
  const tool = await t.api('POST', `${ws}/tool_sets/${set.body.metadata.id}/tools`, {
    metadata: { name: 'snapshot' },
    spec: {
      description: 'Takes a picture of the room',
      parameters: { type: 'object', properties: { room: { type: 'string' } } },
      ...(opts.toolTimeout ? { contentTimeout: opts.toolTimeout } : {}),
    },
  })
  assert.equal(tool.status, 200, JSON.stringify(tool.body))
  const agent = await t.api('POST', `${ws}/agents`, {
    metadata: { name: `watcher-${i}` },
    spec: { status: 'AGENT_STATUS_PUBLISHED' },
    defaultVariation: { metadata: { name: 'v1' }, spec: { modelConfig: { modelId } } },
  })
  assert.equal(agent.status, 200, JSON.stringify(agent.body))
  const vars = await t.api('GET', `${ws}/agents/${agent.body.metadata.id}/variations`)
  const assigned = await t.api(
    'POST',
    `${ws}/agent_variations/${vars.body.items[0].metadata.id}/assignments`,
    { toolId: tool.body.metadata.id },
  )
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body))
  return {
    agentId: agent.body.metadata.id,
    toolSetId: set.body.metadata.id,
    toolId: tool.body.metadata.id,
  }
}
