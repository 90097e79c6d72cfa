import { invalidArgument } from '../../lib/errors.ts'
import type { CreateObjectiveBody } from './objective.schema.ts'

/** Fields only the newest API's create body has (docs/api.md section 5.1). */
const NEWEST_FIELDS = [
  'systemPromptData',
  'firstUserMessage',
  'firstUserMessageData',
  'secrets',
  'memoryCascade',
  'pinnedParameters',
] as const
/** Fields only the seed bodies have: the `data` wrapper and the seed-001 flat form. */
const SEED_FIELDS = ['data', 'initialMessage', 'externalId', 'labels'] as const

type MemoryReference = NonNullable<CreateObjectiveBody['memoryCascade']>[number]

/** A create body of either era, as the create reads it. */
export interface CreateInput {
  shape: 'seed' | 'newest'
  /** The first user message given explicitly (`data.initialMessage`, `firstUserMessage`). */
  initialMessage: string
  /** The system prompt template's input (`data.data`, `systemPromptData`). */
  input: unknown
  /** The first user message template's input; the seed bodies render it with `input`. */
  firstMessageInput: unknown
  secrets: { name: string; value: string }[]
  parentObjectiveId: string | undefined
  /** The memory stack, bottom first: the newest `memoryCascade` reversed (index 0 is the top). */
  memoryStack: MemoryReference[] | undefined
  externalId: string | undefined
  labels: Record<string, string> | undefined
  /** Where each input sits in the body, for field violations. */
  fields: {
    input: string
    message: string
    memoryStack?: { list: string; item: (i: number) => string }
  }
  newest?: {
    systemPromptData?: Record<string, unknown>
    firstUserMessageData?: Record<string, unknown>
    pinnedParameters?: Record<string, unknown>
  }
}

/** The stack's item `i` is the cascade's item `n - 1 - i`. */
function cascadeField(n: number) {
  return { list: 'memoryCascade', item: (i: number) => `memoryCascade.${n - 1 - i}` }
}

/**
 * Tells the create shapes apart by their fields (docs/decisions.md decision 21): any newest-only
 * field makes the body the newest one, and a seed-only field beside it is a 400 naming each, since
 * which of the two first messages or secrets lists was meant cannot be guessed. A body with
 * neither (just `agentId`) reads as a seed body, as it always did.
 */
export function createInputOf(body: CreateObjectiveBody): CreateInput {
  const newest = NEWEST_FIELDS.filter((f) => body[f] !== undefined)
  const seed = SEED_FIELDS.filter((f) => body[f] !== undefined)
  if (newest.length && seed.length) {
    const description = `is a seed-era create field; this body uses the newest one's (${newest.join(', ')})`
    throw invalidArgument(
      `a create body is either the seed shape or the newest one: ${seed.join(', ')} cannot be combined with ${newest.join(', ')}`,
      seed.map((field) => ({ field, description })),
    )
  }
  if (newest.length) {
    return {
      shape: 'newest',
      initialMessage: body.firstUserMessage ?? '',
      input: body.systemPromptData,
      firstMessageInput: body.firstUserMessageData,
      secrets: body.secrets ?? [],
      parentObjectiveId: undefined,
      memoryStack: body.memoryCascade ? [...body.memoryCascade].reverse() : undefined,
      externalId: body.metadata?.externalId,
      labels: body.metadata?.labels,
      fields: {
        input: 'systemPromptData',
        message: 'firstUserMessage',
        memoryStack: cascadeField(body.memoryCascade?.length ?? 0),
      },
      newest: {
        ...(body.systemPromptData ? { systemPromptData: body.systemPromptData } : {}),
        ...(body.firstUserMessageData ? { firstUserMessageData: body.firstUserMessageData } : {}),
        ...(body.pinnedParameters ? { pinnedParameters: body.pinnedParameters } : {}),
      },
    }
  }
  return {
    shape: 'seed',
    initialMessage: body.data?.initialMessage ?? body.initialMessage ?? '',
    input: body.data?.data,
    firstMessageInput: body.data?.data,
    secrets: body.data?.secrets ?? [],
    parentObjectiveId: body.data?.parentObjectiveId,
    memoryStack: body.data?.memoryStack,
    externalId: body.metadata?.externalId ?? body.externalId,
    labels: body.metadata?.labels ?? body.labels,
    fields: { input: 'data.data', message: 'data.initialMessage' },
  }
}
