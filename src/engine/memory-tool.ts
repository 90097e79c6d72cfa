import {
  lookupSkill,
  saveEpisodic,
  saveProblem,
  touchLayer,
  SAVE_MAX_CHARS,
  type StoredMemory,
} from '../modules/memory/index.ts'
import {
  GET_MEMORY_TOOL_NAME,
  MEMORY_LOAD_SKILL_TOOL_NAME,
  MEMORY_SAVE_TOOL_NAME,
  memoryCallables,
  type BuiltinOwner,
  type CallableTool,
  type StoredEvent,
} from '../modules/objectives/index.ts'
import type { ModelTool } from '../providers/index.ts'
import type { Deps } from '../modules/deps.ts'

/** The memory built-ins (docs/api.md section 3.11): they run in-process, no HTTP. */
const LOAD_DESCRIPTION =
  'Loads the full text of a skill from your memory by its key (the keys are listed under ' +
  '"Skills" in your instructions). Load a skill before doing what it describes.'

/**
 * The newest API's name for the loader. Providers refuse calls to tools they were not offered, so
 * it is offered too (one more short tool definition), as the same callable.
 */
const GET_MEMORY_DESCRIPTION = 'The same as memory_load_skill (its newer name).'

const LOAD_PARAMETERS = {
  type: 'object',
  properties: { key: { type: 'string', minLength: 1, maxLength: 1024 } },
  required: ['key'],
  additionalProperties: false,
}

const SAVE_DESCRIPTION =
  'Saves a memory under a key for later objectives of this episode (and this one) to load with ' +
  'memory_load_skill. Saving an existing key replaces it.'

const SAVE_PARAMETERS = {
  type: 'object',
  properties: {
    key: {
      type: 'string',
      minLength: 1,
      maxLength: 1024,
      description: 'e.g. "customer/preferences"',
    },
    content: { type: 'string', maxLength: SAVE_MAX_CHARS },
    title: { type: 'string', maxLength: 200 },
    description: { type: 'string', maxLength: 500, description: 'when the memory is useful' },
  },
  required: ['key', 'content'],
  additionalProperties: false,
}

/** A memory built-in as the run offers it (an EngineTool of callable-tools.ts). */
interface MemoryTool {
  model: ModelTool
  callable: CallableTool
  toolId: null
  requiresApproval: boolean
  builtin: 'memory_load' | 'memory_save'
}

/** The memory tools of an objective with a stack (the episodic writer only with episodic memory). */
export function memoryEngineTools(
  memory: StoredMemory | undefined,
  owner: BuiltinOwner,
): MemoryTool[] {
  const [load, save] = memoryCallables(owner, memory)
  if (!load) return []
  const loader = (name: string, description: string): MemoryTool => ({
    model: { name, description, parameters: LOAD_PARAMETERS },
    callable: load,
    toolId: null,
    requiresApproval: false,
    builtin: 'memory_load',
  })
  return [
    loader(MEMORY_LOAD_SKILL_TOOL_NAME, LOAD_DESCRIPTION),
    loader(GET_MEMORY_TOOL_NAME, GET_MEMORY_DESCRIPTION),
    ...(save
      ? [
          {
            model: {
              name: MEMORY_SAVE_TOOL_NAME,
              description: SAVE_DESCRIPTION,
              parameters: SAVE_PARAMETERS,
            },
            callable: save,
            toolId: null,
            requiresApproval: false,
            builtin: 'memory_save' as const,
          },
        ]
      : []),
  ]
}

export type MemoryOutcome =
  { ok: true; content: string; read?: StoredEvent } | { ok: false; message: string }

/**
 * Loads a skill: the stack is walked from the top, the first entry with the key wins and is
 * answered with a `memoryRead` event; a miss is a tool error the model can read.
 */
export async function runMemoryLoad(
  deps: Pick<Deps, 'db' | 'ids'>,
  memory: StoredMemory | undefined,
  args: Record<string, unknown>,
): Promise<MemoryOutcome> {
  const key = typeof args.key === 'string' ? args.key : ''
  const hit = memory ? await lookupSkill(deps.db, memory.effective, key) : undefined
  if (!hit) return { ok: false, message: `no memory entry with key ${JSON.stringify(key)}` }
  await touchLayer(deps.db, hit.memoryLayerId)
  return {
    ok: true,
    content: hit.content,
    read: {
      type: 'memoryRead',
      payload: {
        memoryLayerId: hit.memoryLayerId,
        memoryEntryId: hit.memoryEntryId,
        message: `loaded ${JSON.stringify(key)}`,
      },
    },
  }
}

/**
 * Saves an episodic memory. The write is an upsert outside the step that records it: a crash in
 * between runs the call again, which writes the same entry again.
 */
export async function runMemorySave(
  deps: Pick<Deps, 'db' | 'ids'>,
  memory: StoredMemory | undefined,
  owner: { accountId: string; workspaceId: string; profileId: string },
  args: Record<string, unknown>,
): Promise<MemoryOutcome> {
  if (!memory?.episodic) return { ok: false, message: 'this objective has no episodic memory' }
  const input = {
    key: String(args.key ?? ''),
    content: String(args.content ?? ''),
    ...(typeof args.title === 'string' ? { title: args.title } : {}),
    ...(typeof args.description === 'string' ? { description: args.description } : {}),
  }
  const problem = saveProblem(input)
  if (problem) return { ok: false, message: problem }
  const saved = await saveEpisodic(deps.db, deps.ids, owner, memory.episodic, input)
  return {
    ok: true,
    content: JSON.stringify({ saved: input.key, memoryEntryId: saved.memoryEntryId }),
  }
}
