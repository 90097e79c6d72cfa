import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, it } from 'node:test'
import type { ModelMessage } from 'ai'
import {
  createModelCaller,
  ProviderError,
  type ModelCallerOptions,
  type ModelCallRequest,
} from '../src/providers/index.ts'
import { startFakeProvider, type FakeProvider, type FakeWire } from './support/fake-provider.ts'

const MODELS: Record<FakeWire, string> = {
  openai: 'gpt-4.1-mini',
  anthropic: 'claude-sonnet-4-5',
  google: 'gemini-2.5-flash',
}
const WIRES = ['openai', 'anthropic', 'google'] as const
const weatherTool = {
  name: 'get_weather',
  description: 'Current weather of a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer' } },
    required: ['city'],
  },
}
const noSleep: ModelCallerOptions['sleep'] = async () => {}
/** A caller whose retries do not wait, shared by tests that do not count waits. */
const call0 = createModelCaller({ sleep: noSleep })

async function withFake(kind: FakeWire, fn: (fake: FakeProvider) => Promise<void>) {
  const fake = await startFakeProvider(kind)
  try {
    await fn(fake)
  } finally {
    await fake.close()
  }
}

function request(fake: FakeProvider, extra: Partial<ModelCallRequest> = {}): ModelCallRequest {
  return {
    target: {
      provider: fake.kind,
      modelName: MODELS[fake.kind],
      apiKey: 'sk-fake',
      baseUrl: fake.baseUrl,
    },
    messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    tools: [weatherTool],
    signal: new AbortController().signal,
    ...extra,
  }
}

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p
  } catch (err) {
    return err
  }
  assert.fail('expected the call to reject')
}

for (const kind of WIRES) {
  for (const stream of [false, true]) {
    describe(`${kind} provider, ${stream ? 'streaming' : 'non-streaming'}`, () => {
      const call = createModelCaller({ sleep: noSleep })

      it('a plain text answer comes back with its usage and a stop finish reason', async () => {
        await withFake(kind, async (fake) => {
          fake.enqueue({ text: 'It is sunny in Paris today.', usage: { input: 21, output: 8 } })
          const r = await call(request(fake, { stream, tools: [] }))
          assert.equal(r.text, 'It is sunny in Paris today.')
          assert.deepEqual(r.toolCalls, [])
          assert.deepEqual(r.usage, { inputTokens: 21, outputTokens: 8 })
          assert.equal(r.finishReason, 'stop')
          assert.equal(fake.requests.length, 1)
          assert.equal(fake.requests[0].stream, stream)
          assert.equal(fake.requests[0].body.model, MODELS[kind])
        })
      })

      it('tool calls come back with their name, parsed input and usage', async () => {
        await withFake(kind, async (fake) => {
          fake.enqueue({
            toolCalls: [
              { name: 'get_weather', arguments: { city: 'Paris', days: 3 } },
              { name: 'get_weather', arguments: { city: 'Oslo' } },
            ],
            usage: { input: 40, output: 12 },
          })
          const r = await call(request(fake, { stream }))
          assert.deepEqual(
            r.toolCalls.map((c) => [c.toolName, c.input]),
            [
              ['get_weather', { city: 'Paris', days: 3 }],
              ['get_weather', { city: 'Oslo' }],
            ],
          )
          assert.ok(r.toolCalls.every((c) => c.toolCallId.length > 0))
          assert.deepEqual(r.usage, { inputTokens: 40, outputTokens: 12 })
          assert.equal(r.finishReason, 'tool-calls')
          const tools = fake.requests[0].body.tools
          const offered = {
            openai: () => tools[0].function.parameters,
            anthropic: () => tools[0].input_schema,
            google: () => tools[0].functionDeclarations[0].parameters,
          }[kind]()
          assert.deepEqual(offered.required, ['city'])
        })
      })

      it('a tool result sent back after the assistant message reaches the provider in its wire form', async () => {
        await withFake(kind, async (fake) => {
          fake.enqueue({
            toolCalls: [{ id: 'call_w1', name: 'get_weather', arguments: { city: 'Paris' } }],
          })
          fake.enqueue({ text: 'Paris: 21 degrees.' })
          const first = await call(request(fake, { stream }))
          const toolResult: ModelMessage = {
            role: 'tool',
            content: [
              {
                type: 'tool-result',
                toolCallId: first.toolCalls[0].toolCallId,
                toolName: 'get_weather',
                output: { type: 'json', value: { temperature: 21 } },
              },
            ],
          }
          const messages = [...request(fake).messages, ...first.responseMessages, toolResult]
          const second = await call(request(fake, { stream, messages }))
          assert.equal(second.text, 'Paris: 21 degrees.')
          const sent = fake.requests[1].body[kind === 'google' ? 'contents' : 'messages']
          if (kind === 'google') {
            // The call's id (made up by the AI SDK when Gemini sends none) pairs it with its result.
            assert.equal(sent[1].role, 'model')
            const { id, ...called } = sent[1].parts.at(-1).functionCall
            assert.deepEqual(called, { name: 'get_weather', args: { city: 'Paris' } })
            assert.equal(sent[2].role, 'user')
            const response = sent[2].parts[0].functionResponse
            assert.equal(response.name, 'get_weather')
            assert.equal(response.id, id)
            assert.match(JSON.stringify(response.response), /temperature/)
          } else if (kind === 'openai') {
            assert.equal(sent[1].role, 'assistant')
            assert.equal(sent[1].tool_calls[0].id, 'call_w1')
            assert.deepEqual(JSON.parse(sent[1].tool_calls[0].function.arguments), {
              city: 'Paris',
            })
            assert.equal(sent[2].role, 'tool')
            assert.equal(sent[2].tool_call_id, 'call_w1')
            assert.deepEqual(JSON.parse(sent[2].content), { temperature: 21 })
          } else {
            assert.equal(sent[1].role, 'assistant')
            assert.deepEqual(sent[1].content.at(-1), {
              type: 'tool_use',
              id: 'call_w1',
              name: 'get_weather',
              input: { city: 'Paris' },
            })
            const block = sent[2].content[0]
            assert.equal(sent[2].role, 'user')
            assert.equal(block.type, 'tool_result')
            assert.equal(block.tool_use_id, 'call_w1')
            assert.match(JSON.stringify(block.content), /temperature/)
          }
        })
      })

      it('a call of a tool that was not offered is rejected and answered in responseMessages', async () => {
        await withFake(kind, async (fake) => {
          fake.enqueue({ toolCalls: [{ name: 'launch_rocket', arguments: {} }] })
          const r = await call(request(fake, { stream }))
          assert.deepEqual(r.toolCalls, [])
          assert.equal(r.rejectedToolCalls.length, 1)
          assert.equal(r.rejectedToolCalls[0].toolName, 'launch_rocket')
          assert.equal(r.responseMessages.at(-1)?.role, 'tool')
        })
      })
    })
  }
}

describe('retries and failures', () => {
  for (const kind of WIRES) {
    for (const stream of [false, true]) {
      it(`${kind}${stream ? ' (stream)' : ''}: a 429 is retried after the Retry-After delay, then succeeds`, async () => {
        await withFake(kind, async (fake) => {
          const slept: number[] = []
          const call = createModelCaller({ sleep: async (ms) => void slept.push(ms) })
          fake.enqueue({ status: 429, retryAfterSeconds: 7 }, { text: 'finally' })
          const r = await call(request(fake, { stream }))
          assert.equal(r.text, 'finally')
          assert.deepEqual(slept, [7000])
          assert.equal(fake.requests.length, 2)
        })
      })
    }

    it(`${kind}: 500 on every attempt ends in a ProviderError with the provider's message`, async () => {
      await withFake(kind, async (fake) => {
        const slept: number[] = []
        const call = createModelCaller({
          maxAttempts: 3,
          baseDelayMs: 100,
          sleep: async (ms) => void slept.push(ms),
        })
        fake.setResponder(() => ({ status: 500, errorMessage: 'the server had an error' }))
        const err = await rejection(call(request(fake)))
        assert.ok(err instanceof ProviderError, String(err))
        assert.equal(err.message, 'the server had an error')
        assert.equal(err.status, 500)
        assert.equal(err.provider, kind)
        assert.equal(fake.requests.length, 3)
        assert.equal(slept.length, 2)
        // full jitter: each wait is within [0, base * 2^(attempt-1))
        assert.ok(slept[0] >= 0 && slept[0] < 100 && slept[1] >= 0 && slept[1] < 200, String(slept))
      })
    })

    it(`${kind}: a 400 is not retried`, async () => {
      await withFake(kind, async (fake) => {
        const call = createModelCaller({ sleep: noSleep })
        fake.enqueue({ status: 400, errorMessage: 'messages: field required' })
        const err = await rejection(call(request(fake)))
        assert.ok(err instanceof ProviderError)
        assert.equal(err.status, 400)
        assert.equal(err.retryable, false)
        assert.equal(err.message, 'messages: field required')
        assert.equal(fake.requests.length, 1)
      })
    })
  }

  it('Retry-After longer than maxDelayMs is capped at maxDelayMs', async () => {
    await withFake('openai', async (fake) => {
      const slept: number[] = []
      const call = createModelCaller({ maxDelayMs: 2000, sleep: async (ms) => void slept.push(ms) })
      fake.enqueue({ status: 429, retryAfterSeconds: 600 }, { status: 503 }, { text: 'ok' })
      assert.equal((await call(request(fake))).text, 'ok')
      assert.equal(slept[0], 2000)
      assert.equal(fake.requests.length, 3)
    })
  })

  it('an API key echoed by the provider never appears in the error', async () => {
    await withFake('openai', async (fake) => {
      const apiKey = 'sk-live-SECRET123456'
      fake.enqueue({ status: 401, errorMessage: `Incorrect API key provided: ${apiKey}.` })
      const req = request(fake)
      const err = await rejection(
        createModelCaller()({ ...req, target: { ...req.target, apiKey } }),
      )
      assert.ok(err instanceof ProviderError)
      assert.equal(err.status, 401)
      assert.doesNotMatch(
        `${err.message} ${JSON.stringify(err)} ${String(err.stack)}`,
        /SECRET123456/,
      )
    })
  })

  it('an unreachable provider is retried as a connection error, then fails', async () => {
    const fake = await startFakeProvider('openai')
    await fake.close()
    const slept: number[] = []
    const call = createModelCaller({ maxAttempts: 2, sleep: async (ms) => void slept.push(ms) })
    const err = await rejection(call(request(fake)))
    assert.ok(err instanceof ProviderError)
    assert.equal(err.retryable, true)
    assert.equal(slept.length, 1)
  })
})

describe('aborts and concurrency', () => {
  for (const stream of [false, true]) {
    it(`aborting a slow ${stream ? 'streaming ' : ''}call rejects within 100 ms and disconnects`, async () => {
      await withFake('anthropic', async (fake) => {
        fake.enqueue({ text: 'too late', delayMs: 10_000 })
        const ctl = new AbortController()
        const pending = call0(request(fake, { stream, signal: ctl.signal }))
        await until(() => fake.inFlight() === 1)
        const started = Date.now()
        ctl.abort()
        const err = await rejection(pending)
        assert.equal(err.name, 'AbortError')
        assert.ok(Date.now() - started < 100, `took ${Date.now() - started} ms`)
        await fake.waitForDisconnects(1)
        assert.equal(fake.disconnects(), 1)
      })
    })
  }

  it('aborting during a backoff wait rejects at once without another attempt', async () => {
    await withFake('openai', async (fake) => {
      fake.enqueue({ status: 429, retryAfterSeconds: 20 })
      const ctl = new AbortController()
      const pending = createModelCaller()(request(fake, { signal: ctl.signal }))
      await until(() => fake.requests.length === 1 && fake.inFlight() === 0)
      await new Promise((r) => setTimeout(r, 20))
      const started = Date.now()
      ctl.abort()
      const err = await rejection(pending)
      assert.equal(err.name, 'AbortError')
      assert.ok(Date.now() - started < 100)
      assert.equal(fake.requests.length, 1)
    })
  })

  it('at most maxConcurrentPerProvider calls reach a provider at once', async () => {
    await withFake('openai', async (fake) => {
      fake.setResponder(() => ({ text: 'slow', delayMs: 80 }))
      const call = createModelCaller({ maxConcurrentPerProvider: 2 })
      const results = await Promise.all(Array.from({ length: 5 }, () => call(request(fake))))
      assert.equal(results.length, 5)
      assert.ok(results.every((r) => r.text === 'slow'))
      assert.equal(fake.requests.length, 5)
      assert.equal(fake.peakInFlight(), 2)
    })
  })

  it('a call aborted while waiting for a concurrency slot never reaches the provider', async () => {
    await withFake('openai', async (fake) => {
      fake.setResponder(() => ({ text: 'slow', delayMs: 150 }))
      const call = createModelCaller({ maxConcurrentPerProvider: 1 })
      const first = call(request(fake))
      const ctl = new AbortController()
      const second = call(request(fake, { signal: ctl.signal }))
      const third = call(request(fake))
      await until(() => fake.inFlight() === 1)
      ctl.abort()
      assert.equal((await rejection(second)).name, 'AbortError')
      assert.equal((await first).text, 'slow')
      assert.equal((await third).text, 'slow')
      assert.equal(fake.requests.length, 2)
    })
  })
})

describe('openai-compatible and discovery', () => {
  for (const stream of [false, true]) {
    it(`an openai-compatible target talks chat completions to the server (${stream ? 'stream' : 'json'})`, async () => {
      await withFake('openai', async (fake) => {
        fake.enqueue({
          toolCalls: [{ name: 'get_weather', arguments: { city: 'Rome' } }],
          usage: { input: 9, output: 4 },
        })
        const req = request(fake, { stream })
        const r = await call0({
          ...req,
          target: { ...req.target, provider: 'openai-compatible', modelName: 'fake-llama-3' },
        })
        assert.deepEqual(
          r.toolCalls.map((c) => c.input),
          [{ city: 'Rome' }],
        )
        assert.deepEqual(r.usage, { inputTokens: 9, outputTokens: 4 })
        assert.equal(fake.requests[0].path, '/v1/chat/completions')
        assert.equal(fake.requests[0].headers.authorization, 'Bearer sk-fake')
        if (stream) assert.equal(fake.requests[0].body.stream_options?.include_usage, true)
      })
    })
  }

  it('an openai-compatible target without a base URL fails without retrying', async () => {
    const err = await rejection(
      call0({
        ...request({ kind: 'openai', baseUrl: '' } as FakeProvider),
        target: { provider: 'openai-compatible', modelName: 'm' },
      }),
    )
    assert.ok(err instanceof ProviderError)
    assert.equal(err.retryable, false)
  })

  it('the fake lists models at GET /v1/models for discovery', async () => {
    await withFake('openai', async (fake) => {
      const res = await fetch(`${fake.baseUrl}/models`, { headers: { authorization: 'Bearer x' } })
      const body = (await res.json()) as { data: { id: string }[] }
      assert.ok(body.data.some((m) => m.id === 'fake-llama-3'))
    })
  })
})

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) assert.fail('condition not reached in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('fake-provider CLI', () => {
  it('its default responder calls the offered tool with schema examples, then summarises the result', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/support/fake-provider-cli.ts'],
      {
        env: { ...process.env, FAKE_OPENAI_PORT: '0', FAKE_ANTHROPIC_PORT: '0' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    try {
      let out = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
      await until(() => out.includes('ANTHROPIC_API_KEY=fake'), 15_000)
      const urls = Object.fromEntries(
        [...out.matchAll(/^(\w+_BASE_URL)=(\S+)$/gm)].map((m) => [m[1], m[2]]),
      )
      for (const [kind, baseUrl] of [
        ['openai', urls.OPENAI_BASE_URL],
        ['anthropic', urls.ANTHROPIC_BASE_URL],
      ] as const) {
        const req = request({ kind, baseUrl } as FakeProvider)
        const first = await call0(req)
        assert.equal(first.toolCalls[0].toolName, 'get_weather')
        assert.deepEqual(first.toolCalls[0].input, { city: 'example' })
        const toolResult: ModelMessage = {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: first.toolCalls[0].toolCallId,
              toolName: 'get_weather',
              output: { type: 'text', value: 'sunny, 24 degrees' },
            },
          ],
        }
        const second = await call0({
          ...req,
          messages: [...req.messages, ...first.responseMessages, toolResult],
        })
        assert.deepEqual(second.toolCalls, [])
        assert.match(second.text, /get_weather returned: sunny, 24 degrees/)
        const echo = await call0({
          ...req,
          tools: [],
          messages: [{ role: 'user', content: 'hi there' }],
        })
        assert.equal(echo.text, 'You said: hi there')
      }
    } finally {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
  })
})
