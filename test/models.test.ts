import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { BUILTIN_MODELS, resolveModel, syncModelCatalogue } from '../src/modules/models/index.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

const names = (res: { body: { items: { metadata: { name: string } }[] } }) =>
  res.body.items.map((m) => m.metadata.name)

describe('models', () => {
  it('a workspace lists the whole built-in catalogue after start', async () => {
    const res = await t.api('GET', '/v1/models?limit=500')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(names(res).sort(), BUILTIN_MODELS.map((m) => m.id).sort())
    assert.equal(res.body.pagination.total, BUILTIN_MODELS.length)
    for (const id of ['claude/sonnet-4.5', 'openai/gpt-4.1-mini', 'google/gemini-2.5-flash']) {
      assert.ok(names(res).includes(id), id)
    }
  })

  it('a model carries family, provider, limits and int64-string prices, not the provider name', async () => {
    const res = await t.api('GET', '/v1/models/claude%2Fsonnet-4.5')
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.match(res.body.metadata.id, /^model_[0-9A-HJKMNP-TV-Z]{26}$/)
    assert.equal(res.body.metadata.workspaceId, t.workspaceId)
    assert.deepEqual(res.body.metadata.labels, {})
    assert.equal(res.body.metadata.externalId, '')
    assert.deepEqual(res.body.spec, {
      family: 'claude',
      provider: 'anthropic',
      inputPricePerMillionTokens: '300',
      outputPricePerMillionTokens: '1500',
      // Prompt-cache reads, a decimal string (docs/api.md section 5.11).
      cachedInputPricePerMillionTokens: '30',
      maxInputTokens: 200_000,
      maxOutputTokens: 64_000,
      status: 'MODEL_STATUS_ENABLED',
    })
  })

  it('a model is found by id, encoded name, plain family/model path and in the workspace family', async () => {
    const byName = await t.api('GET', '/v1/models/openai%2Fgpt-4.1-mini')
    const id = byName.body.metadata.id
    const byId = await t.api('GET', `/v1/models/${id}`)
    const plain = await t.api('GET', '/v1/models/openai/gpt-4.1-mini')
    const family = await t.api('GET', `/v1/workspaces/${t.workspaceId}/models/${id}`)
    for (const res of [byId, plain, family]) {
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.equal(res.body.metadata.id, id)
      assert.equal(res.body.metadata.name, 'openai/gpt-4.1-mini')
    }
  })

  it('an unknown model is 404 NOT_FOUND', async () => {
    const res = await t.api('GET', '/v1/models/openai%2Fgpt-0')
    assert.equal(res.status, 404)
    assert.equal(res.body.code, 5)
    const byId = await t.api('GET', '/v1/models/model_01ARZ3NDEKTSV4RRFFQ69G5FAV')
    assert.equal(byId.status, 404)
  })

  it('prefix filters by name and limit/cursor page through the catalogue', async () => {
    const claude = await t.api('GET', '/v1/models?prefix=claude/')
    assert.ok(claude.body.items.length > 0)
    assert.ok(names(claude).every((n: string) => n.startsWith('claude/')))
    assert.equal(claude.body.pagination.total, claude.body.items.length)
    const seen: string[] = []
    let cursor = ''
    do {
      const page = await t.api('GET', `/v1/models?limit=5${cursor ? `&cursor=${cursor}` : ''}`)
      assert.ok(page.body.items.length <= 5)
      seen.push(...names(page))
      cursor = page.body.pagination.nextCursor
    } while (cursor)
    assert.equal(new Set(seen).size, BUILTIN_MODELS.length)
  })

  it('sortOrder=desc lists newest first', async () => {
    const asc = await t.api('GET', '/v1/models?limit=500&sortOrder=asc')
    const desc = await t.api('GET', '/v1/models?limit=500&sort_order=desc')
    assert.deepEqual(names(desc), [...names(asc)].reverse())
  })

  it('PUT status disables a model and the status filter sees it', async () => {
    const res = await t.api('PUT', '/v1/models/openai%2Fgpt-4o/status', {
      status: 'MODEL_STATUS_DISABLED',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.spec.status, 'MODEL_STATUS_DISABLED')
    const disabled = await t.api('GET', '/v1/models?status=MODEL_STATUS_DISABLED')
    assert.deepEqual(names(disabled), ['openai/gpt-4o'])
    const enabled = await t.api('GET', '/v1/models?status=MODEL_STATUS_ENABLED&limit=500')
    assert.ok(!names(enabled).includes('openai/gpt-4o'))
    assert.equal(enabled.body.pagination.total, BUILTIN_MODELS.length - 1)
  })

  it('setStatus with an empty body (as a typed client may send) is 400 naming status, and changes nothing', async () => {
    for (const body of [{}, undefined]) {
      const res = await t.api('PUT', '/v1/models/openai/gpt-4.1-mini/status', body)
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.code, 3)
      assert.deepEqual(res.body.details[0].fieldViolations, [
        {
          field: 'status',
          description: 'is required: MODEL_STATUS_ENABLED or MODEL_STATUS_DISABLED',
        },
      ])
    }
    const model = await t.api('GET', '/v1/models/openai/gpt-4.1-mini')
    assert.equal(model.body.spec.status, 'MODEL_STATUS_ENABLED')
  })

  it('a workspace secret without spec.value is 400 naming the field', async () => {
    const res = await t.api('POST', '/v1/workspace_secrets', {
      metadata: { name: 'NO_VALUE' },
      spec: {},
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.details[0].fieldViolations[0].field, 'spec.value')
    const list = await t.api('GET', '/v1/workspace_secrets')
    assert.ok(!list.body.items.some((s: any) => s.metadata.name === 'NO_VALUE'))
  })

  it('PUT status also takes the family/model name unencoded, on both route families', async () => {
    const off = await t.api('PUT', '/v1/models/openai/gpt-4.1-nano/status', {
      status: 'MODEL_STATUS_DISABLED',
    })
    assert.equal(off.status, 200, JSON.stringify(off.body))
    assert.equal(off.body.metadata.name, 'openai/gpt-4.1-nano')
    assert.equal(off.body.spec.status, 'MODEL_STATUS_DISABLED')
    const on = await t.api(
      'PUT',
      `/v1/workspaces/${t.workspaceId}/models/openai/gpt-4.1-nano/status`,
      {
        status: 'MODEL_STATUS_ENABLED',
      },
    )
    assert.equal(on.status, 200, JSON.stringify(on.body))
    assert.equal(on.body.spec.status, 'MODEL_STATUS_ENABLED')
    const unknown = await t.api('PUT', '/v1/models/openai/no-such-model/status', {
      status: 'MODEL_STATUS_ENABLED',
    })
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.code, 5)
  })

  it('the :enable and :disable colon verbs set the status', async () => {
    const id = (await t.api('GET', '/v1/models/openai%2Fgpt-4o-mini')).body.metadata.id
    const off = await t.api('POST', `/v1/models/${id}:disable`)
    assert.equal(off.status, 200, JSON.stringify(off.body))
    assert.equal(off.body.spec.status, 'MODEL_STATUS_DISABLED')
    const on = await t.api('POST', `/v1/workspaces/${t.workspaceId}/models/${id}:enable`)
    assert.equal(on.body.spec.status, 'MODEL_STATUS_ENABLED')
  })

  it('an unknown or unspecified status is 400 with a field violation', async () => {
    for (const status of ['MODEL_STATUS_BROKEN', 'MODEL_STATUS_UNSPECIFIED', undefined]) {
      const res = await t.api('PUT', '/v1/models/openai%2Fgpt-4.1/status', { status })
      assert.equal(res.status, 400, JSON.stringify(res.body))
      assert.equal(res.body.code, 3)
      assert.equal(res.body.details[0].fieldViolations[0].field, 'status')
    }
    const list = await t.api('GET', '/v1/models?status=NOPE')
    assert.equal(list.status, 400)
    assert.equal(list.body.details[0].fieldViolations[0].field, 'status')
  })

  it('syncing the catalogue again keeps rows, ids and chosen statuses', async () => {
    const before = await t.api('GET', '/v1/models?limit=500')
    await syncModelCatalogue(t.sortie.deps)
    await syncModelCatalogue(t.sortie.deps)
    const after = await t.api('GET', '/v1/models?limit=500')
    assert.deepEqual(after.body.items, before.body.items)
    const gpt4o = after.body.items.find((m: any) => m.metadata.name === 'openai/gpt-4o')
    assert.equal(gpt4o.spec.status, 'MODEL_STATUS_DISABLED')
  })

  it('a sync restores changed built-in figures but keeps the status', async () => {
    await t.sortie.deps.db
      .updateTable('models')
      .set({ spec: sql`spec || '{"inputPricePerMillionTokens": 1}'::jsonb` })
      .where('workspace_id', '=', t.workspaceId)
      .where('name', '=', 'openai/gpt-4o')
      .execute()
    assert.equal(
      (await t.api('GET', '/v1/models/openai%2Fgpt-4o')).body.spec.inputPricePerMillionTokens,
      '1',
    )
    await syncModelCatalogue(t.sortie.deps)
    const res = await t.api('GET', '/v1/models/openai%2Fgpt-4o')
    assert.equal(res.body.spec.inputPricePerMillionTokens, '250')
    assert.equal(res.body.spec.status, 'MODEL_STATUS_DISABLED')
  })

  it('resolving a disabled model is FAILED_PRECONDITION and an unknown one INVALID_ARGUMENT', async () => {
    const env = { OPENAI_API_KEY: 'sk-env' }
    await assert.rejects(resolveModel(t.sortie.deps, t.workspaceId, 'openai/gpt-4o', env), {
      code: 9,
      message: /disabled/,
    })
    await assert.rejects(resolveModel(t.sortie.deps, t.workspaceId, 'openai/gpt-9', env), {
      code: 3,
      message: /openai\/gpt-9/,
    })
  })
  it('the OpenAPI document lists the model routes of both families', async () => {
    const res = await t.api('GET', '/openapi.json', undefined, { token: null })
    assert.equal(res.status, 200)
    for (const path of [
      '/v1/models',
      '/v1/models/{id}/status',
      '/v1/models:swapModelOnVariations',
      '/v1/workspaces/{workspaceId}/models/{id}',
    ]) {
      assert.ok(res.body.paths[path], path)
    }
  })
})

describe('models:swapModelOnVariations', () => {
  const createVariation = async (name: string, modelId: string) => {
    const res = await t.api('POST', '/v1/agents', {
      metadata: { name },
      defaultVariation: { metadata: { name: 'v1' }, spec: { modelConfig: { modelId } } },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const vars = await t.api('GET', `/v1/agents/${res.body.metadata.id}/variations`)
    return `/v1/agents/${res.body.metadata.id}/variations/${vars.body.items[0].metadata.id}`
  }

  it('a swap moves every variation on the current model and can disable it', async () => {
    const a = await createVariation('swap-a', 'google/gemini-2.0-flash')
    const b = await createVariation('swap-b', 'google/gemini-2.0-flash')
    const other = await createVariation('swap-c', 'claude/haiku-4.5')
    const current = (await t.api('GET', '/v1/models/google%2Fgemini-2.0-flash')).body.metadata.id
    const res = await t.api('POST', '/v1/models:swapModelOnVariations', {
      modelSwaps: [
        {
          currentModelId: current,
          nextModelId: 'google/gemini-2.5-flash',
          disableCurrentAfterSwap: true,
        },
      ],
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    for (const path of [a, b]) {
      const v = await t.api('GET', path)
      assert.equal(v.body.spec.modelConfig.modelId, 'google/gemini-2.5-flash')
    }
    assert.equal((await t.api('GET', other)).body.spec.modelConfig.modelId, 'claude/haiku-4.5')
    const old = await t.api('GET', `/v1/models/${current}`)
    assert.equal(old.body.spec.status, 'MODEL_STATUS_DISABLED')
  })

  it('a swap onto a disabled model is FAILED_PRECONDITION and changes nothing', async () => {
    const path = await createVariation('swap-d', 'openai/gpt-4.1-nano')
    const res = await t.api(
      'POST',
      `/v1/workspaces/${t.workspaceId}/models:swapModelOnVariations`,
      {
        model_swaps: [{ current_model_id: 'openai/gpt-4.1-nano', next_model_id: 'openai/gpt-4o' }],
      },
    )
    assert.equal(res.status, 400, JSON.stringify(res.body))
    assert.equal(res.body.code, 9)
    assert.equal((await t.api('GET', path)).body.spec.modelConfig.modelId, 'openai/gpt-4.1-nano')
  })

  it('a swap naming an unknown model or no swaps is 400 INVALID_ARGUMENT', async () => {
    const unknown = await t.api('POST', '/v1/models:swapModelOnVariations', {
      modelSwaps: [{ currentModelId: 'openai/gpt-4.1', nextModelId: 'openai/nope' }],
    })
    assert.equal(unknown.status, 400)
    assert.equal(unknown.body.code, 3)
    assert.equal(unknown.body.details[0].fieldViolations[0].field, 'modelSwaps.0.nextModelId')
    const empty = await t.api('POST', '/v1/models:swapModelOnVariations', { modelSwaps: [] })
    assert.equal(empty.status, 400)
    assert.equal(empty.body.details[0].fieldViolations[0].field, 'modelSwaps')
  })
})
