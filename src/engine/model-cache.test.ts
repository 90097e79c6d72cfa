import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ResolvedModel } from '../modules/models/index.ts'
import { ModelResolutionCache } from './model-cache.ts'

const model = (modelId: string) =>
  ({ modelId, provider: 'openai', providerModelName: modelId }) as ResolvedModel

test('concurrent and repeated resolutions within the TTL read the catalogue once', async () => {
  let calls = 0
  let now = 0
  const cache = new ModelResolutionCache(
    async (_ws, id) => (calls++, model(id)),
    1000,
    () => now,
  )
  await Promise.all([cache.get('ws', 'a'), cache.get('ws', 'a'), cache.get('ws', 'a')])
  assert.equal(calls, 1)
  now = 999
  await cache.get('ws', 'a')
  assert.equal(calls, 1)
  now = 1000
  await cache.get('ws', 'a')
  assert.equal(calls, 2, 'an expired entry is resolved again')
  await cache.get('other-ws', 'a')
  assert.equal(calls, 3, 'workspaces do not share entries')
})

test('a failed resolution is not kept', async () => {
  let fail = true
  const cache = new ModelResolutionCache(async (_ws, id) => {
    if (fail) throw new Error('no credentials')
    return model(id)
  })
  await assert.rejects(cache.get('ws', 'a'), /no credentials/)
  fail = false
  assert.equal((await cache.get('ws', 'a')).modelId, 'a')
})
