/**
 * Local stand-ins for the OpenAI Chat Completions, Anthropic Messages and Google Gemini
 * generateContent APIs, speaking their real wire formats (JSON and SSE, errors included) so the
 * real AI SDK adapters run end to end.
 * Answers come from a queue of scripted turns, then from a responder function.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeTurn {
  text?: string
  toolCalls?: { id?: string; name: string; arguments: Record<string, unknown> }[]
  /** `input` counts every input token; `cached` of them were prompt-cache reads. */
  usage?: { input: number; output: number; cached?: number }
  /** Answer with this HTTP error status (e.g. 429, 500) in the provider's error format. */
  status?: number
  retryAfterSeconds?: number
  /** Wait before answering; the wait ends early when the client disconnects. */
  delayMs?: number
  /** Answer only once this settles (a test holds a call in flight as long as it needs). */
  gate?: Promise<unknown>
  errorMessage?: string
}

export interface FakeRequest {
  path: string
  headers: Record<string, string>
  body: any
  stream: boolean
}

/** The providers most tests run against, side by side. */
export type FakeKind = 'openai' | 'anthropic'
/** Every wire protocol the fake speaks. */
export type FakeWire = FakeKind | 'google'

export interface FakeProvider {
  kind: FakeWire
  /** Includes the API version, e.g. http://127.0.0.1:PORT/v1 (Google: .../v1beta) */
  baseUrl: string
  requests: FakeRequest[]
  /** Queues turns answered in order. */
  enqueue(...turns: FakeTurn[]): void
  /** When the queue is empty the answer is computed from the request (default: text "done"). */
  setResponder(fn: (req: FakeRequest) => FakeTurn): void
  /** Requests currently being answered. */
  inFlight(): number
  /** Highest number of requests answered at the same time so far. */
  peakInFlight(): number
  /** Requests the client abandoned before the answer was complete. */
  disconnects(): number
  /** Resolves once `count` requests in total were abandoned by the client. */
  waitForDisconnects(count?: number): Promise<void>
  close(): Promise<void>
}

export const FAKE_MODELS: Record<FakeWire, string[]> = {
  openai: ['gpt-4.1-mini', 'gpt-4.1', 'fake-llama-3'],
  anthropic: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
  google: ['gemini-2.5-flash', 'gemini-2.5-pro'],
}

/** Google's model path: /v1beta/models/<model>:generateContent or :streamGenerateContent. */
const GOOGLE_PATH = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/

/** Starts a fake on 127.0.0.1 (port 0 = any free port); the caller closes it. */
export async function startFakeProvider(
  kind: FakeWire,
  opts: { port?: number; host?: string } = {},
): Promise<FakeProvider> {
  const queue: FakeTurn[] = []
  const requests: FakeRequest[] = []
  let responder: (req: FakeRequest) => FakeTurn = () => ({ text: 'done' })
  let active = 0
  let peak = 0
  let abandoned = 0
  let waiters: { count: number; resolve: () => void }[] = []
  const chatPath = kind === 'openai' ? '/v1/chat/completions' : '/v1/messages'

  const onAbandoned = () => {
    abandoned++
    waiters = waiters.filter((w) => (abandoned >= w.count ? (w.resolve(), false) : true))
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    const raw = await readBody(req)
    let body: any = null
    try {
      body = raw ? JSON.parse(raw) : null
    } catch {
      body = raw
    }
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(req.headers)) headers[k] = String(v)
    const google = kind === 'google' ? GOOGLE_PATH.exec(path) : null
    const stream = google ? google[2] === 'streamGenerateContent' : body?.stream === true
    const request: FakeRequest = { path, headers, body, stream }
    requests.push(request)
    if (!hasApiKey(kind, headers)) {
      return sendError(kind, res, { status: 401, errorMessage: 'missing API key' })
    }
    if (req.method === 'GET' && path === '/v1/models') return sendModels(kind, res)
    if (req.method !== 'POST' || (kind === 'google' ? !google : path !== chatPath)) {
      return sendError(kind, res, { status: 404, errorMessage: `no route ${req.method} ${path}` })
    }
    const list = kind === 'google' ? 'contents' : 'messages'
    if (typeof body !== 'object' || body === null || !Array.isArray(body[list])) {
      return sendError(kind, res, { status: 400, errorMessage: `body must be JSON with ${list}` })
    }
    if (google) body.model ??= google[1]
    const turn = queue.shift() ?? responder(request)
    if (turn.gate) await turn.gate
    if (turn.delayMs && !(await waitUnlessClosed(res, turn.delayMs))) return
    if (turn.status && turn.status >= 400) return sendError(kind, res, turn)
    const answer = normaliseTurn(kind, turn, body)
    if (kind === 'openai')
      return request.stream ? streamOpenAI(res, answer, body) : sendOpenAI(res, answer)
    if (kind === 'google')
      return request.stream ? streamGoogle(res, answer) : sendGoogle(res, answer)
    return request.stream ? streamAnthropic(res, answer) : sendAnthropic(res, answer)
  }

  const server = createServer((req, res) => {
    active++
    peak = Math.max(peak, active)
    res.on('close', () => {
      active--
      if (!res.writableFinished) onAbandoned()
    })
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(kind, res, { status: 500, errorMessage: String(err) })
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve())
  })
  const { port, address } = server.address() as AddressInfo
  const host = address.includes(':') ? `[${address}]` : address

  return {
    kind,
    baseUrl: `http://${host}:${port}/${kind === 'google' ? 'v1beta' : 'v1'}`,
    requests,
    enqueue: (...turns) => void queue.push(...turns),
    setResponder: (fn) => void (responder = fn),
    inFlight: () => active,
    peakInFlight: () => peak,
    disconnects: () => abandoned,
    waitForDisconnects: (count = 1) =>
      abandoned >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function hasApiKey(kind: FakeWire, headers: Record<string, string>): boolean {
  if (kind === 'anthropic') return Boolean(headers['x-api-key'] || headers.authorization)
  if (kind === 'google') return Boolean(headers['x-goog-api-key'])
  return /^Bearer \S+/.test(headers.authorization ?? '')
}

/** Resolves true after `ms`, or false as soon as the client goes away. */
function waitUnlessClosed(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      res.off('close', onClose)
      resolve(!res.destroyed)
    }, ms)
    const onClose = () => {
      clearTimeout(timer)
      resolve(false)
    }
    res.once('close', onClose)
  })
}

interface Answer {
  text: string
  toolCalls: { id: string; name: string; arguments: string }[]
  usage: { input: number; output: number; cached?: number }
  model: string
}

let idCounter = 0
const nextId = () => `${Date.now().toString(36)}${(++idCounter).toString(36).padStart(4, '0')}`

/** Fills in ids and a deterministic usage estimate (about 4 characters per token). */
function normaliseTurn(kind: FakeWire, turn: FakeTurn, body: any): Answer {
  const toolCalls = (turn.toolCalls ?? []).map((c) => ({
    // Gemini function calls carry no id (the AI SDK makes one up); the others do.
    id: c.id ?? (kind === 'anthropic' ? `toolu_${nextId()}` : `call_${nextId()}`),
    name: c.name,
    arguments: JSON.stringify(c.arguments),
  }))
  const text = turn.text ?? (toolCalls.length ? '' : 'done')
  const produced =
    text.length + toolCalls.reduce((n, c) => n + c.name.length + c.arguments.length, 0)
  const usage = turn.usage ?? {
    input: Math.max(1, Math.ceil(JSON.stringify(body.messages ?? body.contents ?? []).length / 4)),
    output: Math.max(1, Math.ceil(produced / 4)),
  }
  return { text, toolCalls, usage, model: String(body.model ?? 'fake') }
}

/** Google's canonical status names of its error bodies. */
const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
}

const ERROR_TYPES: Record<FakeKind, Record<number, string>> = {
  openai: {
    400: 'invalid_request_error',
    401: 'invalid_request_error',
    404: 'invalid_request_error',
    429: 'requests',
  },
  anthropic: {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    529: 'overloaded_error',
  },
}

function sendError(kind: FakeWire, res: ServerResponse, turn: FakeTurn): void {
  const status = turn.status ?? 500
  const message = turn.errorMessage ?? `fake ${kind} error ${status}`
  // Providers send retry-after with a 429; tests may set it on other statuses too.
  const retry = status === 429 || turn.retryAfterSeconds !== undefined
  const headers = retry ? { 'retry-after': String(turn.retryAfterSeconds ?? 1) } : {}
  if (kind === 'google') {
    const error = { code: status, message, status: GOOGLE_STATUS[status] ?? 'UNKNOWN' }
    return sendJson(res, status, { error }, headers)
  }
  const type = ERROR_TYPES[kind][status] ?? (kind === 'openai' ? 'server_error' : 'api_error')
  const code = status === 429 ? 'rate_limit_exceeded' : null
  const body =
    kind === 'openai'
      ? { error: { message, type, param: null, code } }
      : { type: 'error', error: { type, message } }
  sendJson(res, status, body, headers)
}

function sendModels(kind: FakeWire, res: ServerResponse): void {
  const ids = FAKE_MODELS[kind]
  const created = 1_700_000_000
  if (kind === 'openai' || kind === 'google') {
    const data = ids.map((id) => ({ id, object: 'model', created, owned_by: 'fake' }))
    return sendJson(res, 200, { object: 'list', data })
  }
  const createdAt = new Date(created * 1000).toISOString()
  const data = ids.map((id) => ({ type: 'model', id, display_name: id, created_at: createdAt }))
  sendJson(res, 200, { data, has_more: false, first_id: ids[0], last_id: ids.at(-1) })
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers = {}): void {
  res
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(JSON.stringify(body))
}

/** Splits text into a few pieces so streams carry several deltas. */
function pieces(text: string, size = 12): string[] {
  const out: string[] = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out
}

function sendOpenAI(res: ServerResponse, a: Answer): void {
  const message: Record<string, unknown> = {
    role: 'assistant',
    content: a.text || null,
    refusal: null,
  }
  if (a.toolCalls.length) {
    message.tool_calls = a.toolCalls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }))
  }
  const body = {
    id: `chatcmpl-${nextId()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: a.model,
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: a.toolCalls.length ? 'tool_calls' : 'stop',
      },
    ],
    usage: openAIUsage(a),
  }
  sendJson(res, 200, body)
}

const openAIUsage = (a: Answer) => ({
  prompt_tokens: a.usage.input,
  completion_tokens: a.usage.output,
  total_tokens: a.usage.input + a.usage.output,
  ...(a.usage.cached ? { prompt_tokens_details: { cached_tokens: a.usage.cached } } : {}),
})

/** Anthropic counts cache reads apart from `input_tokens`. */
const anthropicInput = (a: Answer) => ({
  input_tokens: a.usage.input - (a.usage.cached ?? 0),
  ...(a.usage.cached ? { cache_read_input_tokens: a.usage.cached } : {}),
})

function streamOpenAI(res: ServerResponse, a: Answer, body: any): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  const base = {
    id: `chatcmpl-${nextId()}`,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: a.model,
  }
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`)
  const delta = (d: Record<string, unknown>, finish: string | null = null) =>
    send([{ index: 0, delta: d, logprobs: null, finish_reason: finish }])
  delta({ role: 'assistant', content: '' })
  for (const p of pieces(a.text)) delta({ content: p })
  a.toolCalls.forEach((c, index) => {
    delta({
      tool_calls: [
        { index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } },
      ],
    })
    for (const p of pieces(c.arguments, 8))
      delta({ tool_calls: [{ index, function: { arguments: p } }] })
  })
  delta({}, a.toolCalls.length ? 'tool_calls' : 'stop')
  if (body.stream_options?.include_usage) send([], { usage: openAIUsage(a) })
  res.end('data: [DONE]\n\n')
}

function anthropicContent(a: Answer): Record<string, unknown>[] {
  const content: Record<string, unknown>[] = []
  if (a.text) content.push({ type: 'text', text: a.text })
  for (const c of a.toolCalls)
    content.push({ type: 'tool_use', id: c.id, name: c.name, input: JSON.parse(c.arguments) })
  return content
}

function sendAnthropic(res: ServerResponse, a: Answer): void {
  const body = {
    id: `msg_${nextId()}`,
    type: 'message',
    role: 'assistant',
    model: a.model,
    content: anthropicContent(a),
    stop_reason: a.toolCalls.length ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { ...anthropicInput(a), output_tokens: a.usage.output },
  }
  sendJson(res, 200, body, { 'request-id': `req_${nextId()}` })
}

function streamAnthropic(res: ServerResponse, a: Answer): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  const send = (event: Record<string, unknown> & { type: string }) =>
    res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`)
  send({
    type: 'message_start',
    message: {
      id: `msg_${nextId()}`,
      type: 'message',
      role: 'assistant',
      model: a.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...anthropicInput(a), output_tokens: 1 },
    },
  })
  send({ type: 'ping' })
  let index = 0
  if (a.text) {
    send({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
    for (const p of pieces(a.text))
      send({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: p } })
    send({ type: 'content_block_stop', index: index++ })
  }
  for (const c of a.toolCalls) {
    send({
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} },
    })
    for (const p of pieces(c.arguments, 8)) {
      send({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: p },
      })
    }
    send({ type: 'content_block_stop', index: index++ })
  }
  send({
    type: 'message_delta',
    delta: { stop_reason: a.toolCalls.length ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: a.usage.output },
  })
  send({ type: 'message_stop' })
  res.end()
}

function googleResponse(a: Answer, parts: Record<string, unknown>[], finish: boolean) {
  return {
    candidates: [
      {
        content: { role: 'model', parts },
        ...(finish ? { finishReason: 'STOP', index: 0 } : { index: 0 }),
      },
    ],
    usageMetadata: {
      promptTokenCount: a.usage.input,
      candidatesTokenCount: a.usage.output,
      totalTokenCount: a.usage.input + a.usage.output,
      ...(a.usage.cached ? { cachedContentTokenCount: a.usage.cached } : {}),
    },
    modelVersion: a.model,
    responseId: `resp_${nextId()}`,
  }
}

const googleCalls = (a: Answer) =>
  a.toolCalls.map((c) => ({ functionCall: { name: c.name, args: JSON.parse(c.arguments) } }))

function sendGoogle(res: ServerResponse, a: Answer): void {
  const parts = [...(a.text ? [{ text: a.text }] : []), ...googleCalls(a)]
  sendJson(res, 200, googleResponse(a, parts, true))
}

/** `?alt=sse`: one GenerateContentResponse per `data:` line; calls arrive whole, in the last. */
function streamGoogle(res: ServerResponse, a: Answer): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  const chunks = pieces(a.text).map((text) => [{ text }] as Record<string, unknown>[])
  chunks.push(googleCalls(a))
  chunks.forEach((parts, i) => {
    const last = i === chunks.length - 1
    res.write(`data: ${JSON.stringify(googleResponse(a, parts, last))}\r\n\r\n`)
  })
  res.end()
}
