import {
  createModelCaller,
  isAbortError,
  ProviderError,
  type ModelCaller,
  type ModelTool,
} from '../../providers/index.ts'
import { AppError, Code, failedPrecondition } from '../../lib/errors.ts'
import type { Deps, Scope } from '../deps.ts'
import { providerTarget, resolveModel, type ResolvedModel } from '../models/index.ts'
import { GenerateGoalBody, GoalFieldType, GoalProposal } from './goal.schema.ts'
import * as repo from './goals.repository.ts'
import { parseOrThrow } from './validate.ts'

const GENERATE_TIMEOUT_MS = 60_000

/**
 * The workspace default model (docs/compat.md section 1): SORTIE_DEFAULT_MODEL when set, else the first enabled
 * catalogue model whose provider has credentials. None usable is FailedPrecondition (400).
 */
export async function resolveDefaultModel(deps: Deps, workspaceId: string): Promise<ResolvedModel> {
  const configured = deps.env.SORTIE_DEFAULT_MODEL?.trim()
  if (configured) {
    return resolveModel(deps, workspaceId, configured, deps.env).catch((err: unknown) => {
      if (!(err instanceof AppError)) throw err
      throw failedPrecondition(
        `the default model SORTIE_DEFAULT_MODEL is not usable: ${err.message}`,
      )
    })
  }
  for (const name of await repo.enabledModelNames(deps.db, workspaceId)) {
    try {
      return await resolveModel(deps, workspaceId, name, deps.env)
    } catch (err) {
      if (!(err instanceof AppError)) throw err
    }
  }
  throw failedPrecondition(
    'no usable model in this workspace: set SORTIE_DEFAULT_MODEL, or give a provider credentials ' +
      '(OPENAI_API_KEY, ANTHROPIC_API_KEY or GOOGLE_GENERATIVE_AI_API_KEY in the server ' +
      'environment, or an AI provider key in this workspace)',
  )
}

const PROPOSE_GOAL: ModelTool = {
  name: 'propose_goal',
  description: 'Propose the goal configuration.',
  parameters: {
    type: 'object',
    properties: {
      name: { type: 'string', description: 'Short goal name (at most 200 characters)' },
      description: { type: 'string', description: 'What the agent should achieve' },
      priority: {
        type: ['integer', 'null'],
        minimum: 0,
        description: 'Lower is more important; null when unknown',
      },
      fields: {
        type: 'array',
        description: 'The pieces of information the agent should collect',
        items: {
          type: 'object',
          properties: {
            key: {
              type: 'string',
              description: 'snake_case, unique',
              pattern: '^[a-z][a-z0-9_]*$',
            },
            label: { type: 'string' },
            type: { type: 'string', enum: GoalFieldType.options },
            required: { type: 'boolean' },
            description: { type: 'string', description: 'Hint for the agent' },
            options: {
              type: 'array',
              items: { type: 'string' },
              description: 'Allowed values; only for type enum, and required for it',
            },
          },
          required: ['key', 'type', 'required'],
        },
      },
    },
    required: ['name', 'description', 'fields'],
  },
}

const SYSTEM_PROMPT =
  "You design goals for AI agents that talk with customers. From the user's description, " +
  'propose a goal: a short name, a description of the outcome, a priority, and the fields of ' +
  'information the agent must collect (snake_case keys, a type among ' +
  `${GoalFieldType.options.join(', ')}, options only for enum fields). ` +
  'Answer only by calling the propose_goal tool once.'

/** The proposal from the model's tool call (or, failing that, from JSON text). */
function readProposal(result: { text: string; toolCalls: { toolName: string; input: unknown }[] }) {
  const call = result.toolCalls.find((c) => c.toolName === PROPOSE_GOAL.name)
  let input = call?.input
  if (input === undefined) {
    try {
      input = JSON.parse(result.text.replace(/^\s*```(?:json)?|```\s*$/g, ''))
    } catch {
      input = undefined
    }
  }
  const raw = (input ?? {}) as Record<string, unknown>
  const parsed = GoalProposal.safeParse({
    ...raw,
    description: raw.description ?? '',
    priority: raw.priority ?? null,
  })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new AppError(
      Code.UNAVAILABLE,
      `the model did not propose a valid goal (${issue?.path.join('.') || 'answer'}: ${issue?.message}); try again`,
    )
  }
  return parsed.data
}

/**
 * Asks the workspace default model (temperature 0.5) for a goal matching a natural-language
 * description. Nothing is saved: the caller reviews the proposal first.
 */
export async function generateGoal(
  deps: Deps,
  scope: Scope,
  body: { description: string },
  callModel: ModelCaller = createModelCaller({ maxAttempts: 3 }),
): Promise<GoalProposal> {
  const { description } = parseOrThrow(GenerateGoalBody, body)
  const model = await resolveDefaultModel(deps, scope.workspaceId)
  const result = await callModel({
    target: providerTarget(model),
    system: SYSTEM_PROMPT,
    messages: [{ role: 'user', content: description }],
    tools: [PROPOSE_GOAL],
    temperature: 0.5,
    maxOutputTokens: Math.min(4000, model.maxOutputTokens),
    signal: AbortSignal.timeout(GENERATE_TIMEOUT_MS),
  }).catch((err: unknown) => {
    if (err instanceof ProviderError) {
      throw new AppError(Code.UNAVAILABLE, `model ${model.modelId} failed: ${err.message}`)
    }
    if (isAbortError(err)) {
      throw new AppError(Code.DEADLINE_EXCEEDED, `model ${model.modelId} did not answer in time`)
    }
    throw err
  })
  return readProposal(result)
}
