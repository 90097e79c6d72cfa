import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { resolveModel } from '../src/modules/models/index.ts'
import { startTestSortie, type TestSortie } from './support/sortie.ts'

let t: TestSortie
before(async () => {
  t = await startTestSortie()
})
after(() => t?.sortie.stop())

const createKey = (name: string, spec: Record<string, unknown>) =>
  t.api('POST', '/v1/ai_provider_keys', { metadata: { name }, spec })

const violation = (res: { body: any }) => res.body.details[0].fieldViolations[0].field
const modelNames = async (prefix: string) =>
  (await t.api('GET', `/v1/models?prefix=${encodeURIComponent(prefix)}`)).body.items.map(
    (m: any) => m.metadata.name,
  )

const resolve = (modelId: string, env: NodeJS.ProcessEnv = {}) =>
  resolveModel(t.sortie.deps, t.workspaceId, modelId, env)

describe('AI provider keys', () => {
  it('an OpenAI-compatible key adds its models to the catalogue and never returns the API key', async () => {
    const apiKey = 'pk-ollama-3b1c9e'
    const res = await createKey('ollama', {
      provider: 'AI_PROVIDER_OPENAI_COMPATIBLE',
      apiKey,
      baseUrl: 'http://127.0.0.1:11434/v1',
      models: [
        { id: 'ollama/llama3.1', name: 'llama3.1:8b', maxInputTokens: 131072 },
        { id: 'ollama/qwen3', name: 'qwen3:14b' },
      ],
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.match(res.body.metadata.id, /^aipk_[0-9A-HJKMNP-TV-Z]{26}$/)
    assert.equal(res.body.spec.provider, 'AI_PROVIDER_OPENAI_COMPATIBLE')
    assert.equal(res.body.spec.baseUrl, 'http://127.0.0.1:11434/v1')
    assert.equal(res.body.spec.models.length, 2)
    assert.equal(res.body.spec.apiKey ?? '', '')
    assert.ok(!JSON.stringify(res.body).includes(apiKey))
    const model = await t.api('GET', '/v1/models/ollama%2Fllama3.1')
    assert.equal(model.status, 200, JSON.stringify(model.body))
    assert.equal(model.body.spec.family, 'ollama')
    assert.equal(model.body.spec.provider, 'openai-compatible')
    assert.equal(model.body.spec.maxInputTokens, 131072)
    assert.equal(model.body.spec.status, 'MODEL_STATUS_ENABLED')
    assert.deepEqual(await modelNames('ollama/'), ['ollama/llama3.1', 'ollama/qwen3'])
  })

  it('reads of keys never contain the API key, which is stored encrypted', async () => {
    const apiKey = 'pk-openai-reads-42aa'
    const created = await createKey('openai-reads', { provider: 'AI_PROVIDER_OPENAI', apiKey })
    assert.equal(created.status, 200, JSON.stringify(created.body))
    const id = created.body.metadata.id
    const reads = [
      created,
      await t.api('GET', `/v1/ai_provider_keys/${id}`),
      await t.api('GET', '/v1/ai_provider_keys?includeInfo=true'),
      await t.api('GET', `/v1/workspaces/${t.workspaceId}/ai_provider_keys`),
      await t.api('PATCH', `/v1/ai_provider_keys/${id}`, { metadata: { labels: { a: 'b' } } }),
    ]
    for (const res of reads) {
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.ok(!JSON.stringify(res.body).includes(apiKey))
    }
    const row = await t.sortie.deps.db
      .selectFrom('ai_provider_keys')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    assert.ok(!JSON.stringify(row).includes(apiKey))
    await t.api('DELETE', `/v1/ai_provider_keys/${id}`)
  })

  it('an OpenAI-compatible key without baseUrl is 400 on spec.baseUrl', async () => {
    const res = await createKey('no-url', {
      provider: 'AI_PROVIDER_OPENAI_COMPATIBLE',
      models: [{ id: 'local/x', name: 'x' }],
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 3)
    assert.equal(violation(res), 'spec.baseUrl')
  })

  it('an unknown or missing provider is 400 on spec.provider', async () => {
    const unknown = await createKey('bad', { provider: 'AI_PROVIDER_MISTRAL', apiKey: 'k' })
    assert.equal(unknown.status, 400)
    assert.equal(violation(unknown), 'spec.provider')
    const missing = await createKey('bad', { apiKey: 'k' })
    assert.equal(missing.status, 400)
    assert.equal(violation(missing), 'spec.provider')
  })

  it('a hosted-provider key without an API key is 400 on spec.apiKey', async () => {
    const res = await createKey('no-key', { provider: 'AI_PROVIDER_ANTHROPIC' })
    assert.equal(res.status, 400)
    assert.equal(violation(res), 'spec.apiKey')
  })

  it('models on a key of a built-in provider, bad model ids and duplicates are 400', async () => {
    const onOpenai = await createKey('x', {
      provider: 'AI_PROVIDER_OPENAI',
      apiKey: 'k',
      models: [{ id: 'openai/custom', name: 'custom' }],
    })
    assert.equal(violation(onOpenai), 'spec.models')
    const badId = await createKey('x', {
      provider: 'AI_PROVIDER_OPENAI_COMPATIBLE',
      baseUrl: 'http://127.0.0.1:8000/v1',
      models: [{ id: 'no-slash', name: 'm' }],
    })
    assert.equal(violation(badId), 'spec.models.0.id')
    const dup = await createKey('x', {
      provider: 'AI_PROVIDER_OPENAI_COMPATIBLE',
      baseUrl: 'http://127.0.0.1:8000/v1',
      models: [
        { id: 'vllm/a', name: 'a' },
        { id: 'vllm/a', name: 'b' },
      ],
    })
    assert.equal(violation(dup), 'spec.models.1.id')
    const badUrl = await createKey('x', {
      provider: 'AI_PROVIDER_OPENAI_COMPATIBLE',
      baseUrl: 'ftp://host',
    })
    assert.equal(violation(badUrl), 'spec.baseUrl')
  })

  it('a key declaring a model name that already exists is 409 and creates nothing', async () => {
    const before = await t.api('GET', '/v1/ai_provider_keys')
    const res = await createKey('clash', {
      provider: 'AI_PROVIDER_OPENAI_COMPATIBLE',
      baseUrl: 'http://127.0.0.1:8000/v1',
      models: [
        { id: 'vllm/fresh', name: 'fresh' },
        { id: 'openai/gpt-4.1', name: 'gpt-4.1' },
      ],
    })
    assert.equal(res.status, 409, JSON.stringify(res.body))
    const after = await t.api('GET', '/v1/ai_provider_keys')
    assert.equal(after.body.pagination.total, before.body.pagination.total)
    assert.deepEqual(await modelNames('vllm/'), [])
    const builtin = await t.api('GET', '/v1/models/openai%2Fgpt-4.1')
    assert.equal(builtin.body.spec.provider, 'openai')
  })

  it('an OpenRouter key defaults its baseUrl to OpenRouter', async () => {
    const res = await createKey('router', {
      provider: 'AI_PROVIDER_OPENROUTER',
      apiKey: 'pk-or-1',
      models: [{ id: 'openrouter/deepseek-chat', name: 'deepseek/deepseek-chat' }],
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.spec.baseUrl, 'https://openrouter.ai/api/v1')
    const resolved = await resolve('openrouter/deepseek-chat')
    assert.equal(resolved.provider, 'openai-compatible')
    assert.equal(resolved.providerModelName, 'deepseek/deepseek-chat')
    assert.equal(resolved.baseUrl, 'https://openrouter.ai/api/v1')
    assert.equal(resolved.apiKey, 'pk-or-1')
  })

  it("updating a key's models adds, refreshes and removes catalogue entries", async () => {
    const created = await createKey('vllm', {
      provider: 'AI_PROVIDER_OPENAI_COMPATIBLE',
      baseUrl: 'http://127.0.0.1:8000/v1',
      models: [
        { id: 'vllm/one', name: 'one' },
        { id: 'vllm/two', name: 'two' },
      ],
    })
    const oneId = (await t.api('GET', '/v1/models/vllm%2Fone')).body.metadata.id
    const res = await t.api('PATCH', `/v1/ai_provider_keys/${created.body.metadata.id}`, {
      spec: {
        models: [
          { id: 'vllm/one', name: 'one-v2', maxOutputTokens: 1000 },
          { id: 'vllm/three', name: 'three' },
        ],
      },
      updateMask: 'spec.models',
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(await modelNames('vllm/'), ['vllm/one', 'vllm/three'])
    const one = await t.api('GET', '/v1/models/vllm%2Fone')
    assert.equal(one.body.metadata.id, oneId)
    assert.equal(one.body.spec.maxOutputTokens, 1000)
    assert.equal((await resolve('vllm/one')).providerModelName, 'one-v2')
  })

  it('deleting a key removes the models it contributed', async () => {
    const created = await createKey('temp', {
      provider: 'AI_PROVIDER_OPENAI_COMPATIBLE',
      baseUrl: 'http://127.0.0.1:9000/v1',
      models: [{ id: 'temp/m', name: 'm' }],
    })
    const res = await t.api('DELETE', `/v1/ai_provider_keys/${created.body.metadata.id}`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, {})
    assert.equal((await t.api('GET', '/v1/models/temp%2Fm')).status, 404)
    assert.equal(
      (await t.api('GET', `/v1/ai_provider_keys/${created.body.metadata.id}`)).status,
      404,
    )
  })

  it('AI_PROVIDER_GEMINI is accepted as AI_PROVIDER_GOOGLE', async () => {
    const res = await createKey('gemini', { provider: 'AI_PROVIDER_GEMINI', apiKey: 'pk-g' })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.spec.provider, 'AI_PROVIDER_GOOGLE')
    await t.api('DELETE', `/v1/ai_provider_keys/${res.body.metadata.id}`)
  })
})

describe('model credential resolution', () => {
  it('without a key, environment credentials and base URL are used', async () => {
    const resolved = await resolve('claude/sonnet-4.5', {
      ANTHROPIC_API_KEY: 'env-anthropic',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1/anthropic',
    })
    assert.deepEqual(resolved, {
      modelId: 'claude/sonnet-4.5',
      provider: 'anthropic',
      providerModelName: 'claude-sonnet-4-5',
      apiKey: 'env-anthropic',
      baseUrl: 'http://127.0.0.1:1/anthropic',
      maxInputTokens: 200_000,
      maxOutputTokens: 64_000,
      // Charged at these now (docs/api.md section 5.11): US cents per million tokens.
      prices: {
        modelId: 'claude/sonnet-4.5',
        inputPricePerMillionTokens: 300,
        cachedInputPricePerMillionTokens: 30,
        outputPricePerMillionTokens: 1500,
      },
    })
    const google = await resolve('google/gemini-2.5-flash', {
      GOOGLE_GENERATIVE_AI_API_KEY: 'env-google',
    })
    assert.equal(google.apiKey, 'env-google')
    assert.equal(google.baseUrl, undefined)
  })

  it('no credentials is FAILED_PRECONDITION naming the env var and key provider', async () => {
    await assert.rejects(
      resolve('claude/haiku-4.5', { OPENAI_API_KEY: 'sk-other' }),
      (err: any) => {
        assert.equal(err.code, 9)
        assert.match(err.message, /ANTHROPIC_API_KEY/)
        assert.match(err.message, /AI_PROVIDER_ANTHROPIC/)
        assert.ok(!err.message.includes('sk-other'))
        return true
      },
    )
  })

  it("the workspace's newest key of the provider wins over the environment", async () => {
    const env = { OPENAI_API_KEY: 'env-openai', OPENAI_BASE_URL: 'http://127.0.0.1:2/v1' }
    assert.equal((await resolve('openai/gpt-4.1-mini', env)).apiKey, 'env-openai')
    await createKey('openai-old', { provider: 'AI_PROVIDER_OPENAI', apiKey: 'pk-old' })
    const newer = await createKey('openai-new', {
      provider: 'AI_PROVIDER_OPENAI',
      apiKey: 'pk-new',
      baseUrl: 'http://127.0.0.1:3/v1',
    })
    const resolved = await resolve('openai/gpt-4.1-mini', env)
    assert.equal(resolved.provider, 'openai')
    assert.equal(resolved.providerModelName, 'gpt-4.1-mini')
    assert.equal(resolved.apiKey, 'pk-new')
    assert.equal(resolved.baseUrl, 'http://127.0.0.1:3/v1')
    await t.api('DELETE', `/v1/ai_provider_keys/${newer.body.metadata.id}`)
    const fallback = await resolve('openai/gpt-4.1-mini', env)
    assert.equal(fallback.apiKey, 'pk-old')
    assert.equal(fallback.baseUrl, undefined)
  })

  it("a rotated key's new API key is used", async () => {
    const created = await createKey('rotating', {
      provider: 'AI_PROVIDER_GOOGLE',
      apiKey: 'pk-first',
    })
    await t.api('PATCH', `/v1/ai_provider_keys/${created.body.metadata.id}`, {
      spec: { apiKey: 'pk-second' },
      updateMask: 'spec.apiKey',
    })
    assert.equal((await resolve('google/gemini-2.5-pro')).apiKey, 'pk-second')
  })

  it("a compatible key's model resolves to its base URL and may have no API key", async () => {
    await createKey('keyless', {
      provider: 'AI_PROVIDER_OPENAI_COMPATIBLE',
      baseUrl: 'http://127.0.0.1:4/v1',
      models: [{ id: 'lmstudio/phi4', name: 'phi-4' }],
    })
    const resolved = await resolve('lmstudio/phi4', { OPENAI_API_KEY: 'env-openai' })
    assert.deepEqual(resolved, {
      modelId: 'lmstudio/phi4',
      provider: 'openai-compatible',
      providerModelName: 'phi-4',
      apiKey: undefined,
      baseUrl: 'http://127.0.0.1:4/v1',
      maxInputTokens: 128_000,
      maxOutputTokens: 8_192,
    })
  })
})
