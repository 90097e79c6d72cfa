/**
 * `npm run fake-provider`: both fake providers on fixed ports for trying Sortie by hand, with a
 * responder that makes a conversation interesting without a script: it calls the first offered
 * tool with arguments made up from its JSON Schema, then summarises the tool's result; with no
 * tools it echoes the user.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  startFakeProvider,
  type FakeKind,
  type FakeRequest,
  type FakeTurn,
} from './fake-provider.ts'

type Json = Record<string, any>

/** The conversational default responder (both wire formats). */
export function conversationalResponder(req: FakeRequest): FakeTurn {
  const kind: FakeKind = req.path.endsWith('/messages') ? 'anthropic' : 'openai'
  const messages: Json[] = Array.isArray(req.body.messages) ? req.body.messages : []
  const results = toolResults(kind, messages)
  if (results.length) {
    return { text: results.map((r) => `The tool ${r.name} returned: ${r.content}`).join('\n') }
  }
  const tools = offeredTools(kind, req.body.tools)
  if (tools.length)
    return { toolCalls: [{ name: tools[0].name, arguments: exampleOf(tools[0].schema) }] }
  return { text: `You said: ${lastUserText(kind, messages)}` }
}

function offeredTools(kind: FakeKind, tools: unknown): { name: string; schema: Json }[] {
  if (!Array.isArray(tools)) return []
  return tools.map((t: Json) =>
    kind === 'openai'
      ? { name: t.function?.name, schema: t.function?.parameters ?? {} }
      : { name: t.name, schema: t.input_schema ?? {} },
  )
}

/** Tool results carried by the last message, each with the name of the call it answers. */
function toolResults(kind: FakeKind, messages: Json[]): { name: string; content: string }[] {
  const nameOf = (id: string): string => {
    for (const m of messages) {
      if (m.role !== 'assistant') continue
      if (kind === 'openai') {
        const call = (m.tool_calls ?? []).find((c: Json) => c.id === id)
        if (call) return call.function.name
      } else if (Array.isArray(m.content)) {
        const use = m.content.find((b: Json) => b.type === 'tool_use' && b.id === id)
        if (use) return use.name
      }
    }
    return 'tool'
  }
  if (kind === 'openai') {
    const tail: Json[] = []
    for (let i = messages.length - 1; i >= 0 && messages[i].role === 'tool'; i--)
      tail.unshift(messages[i])
    return tail.map((m) => ({ name: nameOf(m.tool_call_id), content: textOf(m.content) }))
  }
  const last = messages.at(-1)
  if (last?.role !== 'user' || !Array.isArray(last.content)) return []
  return last.content
    .filter((b: Json) => b.type === 'tool_result')
    .map((b: Json) => ({ name: nameOf(b.tool_use_id), content: textOf(b.content) }))
}

function lastUserText(_kind: FakeKind, messages: Json[]): string {
  const last = [...messages].reverse().find((m) => m.role === 'user')
  return last ? textOf(last.content) : ''
}

/** Text of a string or of content parts ({type: 'text', text}) in either format. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return JSON.stringify(content ?? '')
  return content
    .map((p: Json) => (typeof p.text === 'string' ? p.text : ''))
    .filter(Boolean)
    .join(' ')
}

/** Required properties filled with obvious sample values; optional ones left out. */
export function exampleOf(schema: Json): any {
  if (schema.default !== undefined) return schema.default
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0]
  if (schema.const !== undefined) return schema.const
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'string':
      return 'example'
    case 'number':
    case 'integer':
      return 1
    case 'boolean':
      return true
    case 'array':
      return []
    case 'null':
      return null
    default: {
      const out: Json = {}
      const props: Json = schema.properties ?? {}
      for (const key of Array.isArray(schema.required) ? schema.required : []) {
        out[key] = exampleOf(props[key] ?? { type: 'string' })
      }
      return out
    }
  }
}

function portFrom(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number, got ${JSON.stringify(raw)}`)
  }
  return port
}

async function main(): Promise<void> {
  const host = process.env.FAKE_PROVIDER_HOST ?? '127.0.0.1'
  const openai = await startFakeProvider('openai', {
    port: portFrom('FAKE_OPENAI_PORT', 4010),
    host,
  })
  const anthropic = await startFakeProvider('anthropic', {
    port: portFrom('FAKE_ANTHROPIC_PORT', 4011),
    host,
  })
  openai.setResponder(conversationalResponder)
  anthropic.setResponder(conversationalResponder)
  console.log('Fake LLM providers are listening. Point Sortie at them with:')
  console.log(`OPENAI_BASE_URL=${openai.baseUrl}`)
  console.log('OPENAI_API_KEY=fake')
  console.log(`ANTHROPIC_BASE_URL=${anthropic.baseUrl}`)
  console.log('ANTHROPIC_API_KEY=fake')
  const stop = async () => {
    await Promise.all([openai.close(), anthropic.close()])
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

// Only start servers when run as a program, so tests can import the responder.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main()
}
