import type { Db } from '../db/database.ts'
import type { AgentVariationSpec } from '../modules/agents/index.ts'
import { TOOL_LOAD_TOOL_NAME, TOOL_SEARCH_TOOL_NAME } from '../modules/objectives/index.ts'
import type { ModelCallResult, ModelTool } from '../providers/index.ts'

/**
 * Progressive tool discovery (docs/api.md section "Progressive tool discovery", docs/decisions.md
 * decision 20): with it on, the model is offered `tool_search` and `tool_load` instead of every
 * user tool's schema, and a user tool joins the requests once a `tool_load` call loaded it.
 */

/** Results per search (and names per load) when the variation sets no `maxTools`. */
export const DEFAULT_MAX_TOOLS = 10
/** The most a variation's `maxTools` can ask for: a bigger batch defeats the purpose. */
export const MAX_MAX_TOOLS = 50
/** A search result's description is cut here: the model reads a list, not manuals. */
const SHORT_DESCRIPTION = 160
/** Hints ride in the search tool's description; this bounds what they add to every request. */
const MAX_HINTS_CHARS = 500

export interface DiscoverySettings {
  maxTools: number
  hints: string[]
}

/**
 * Whether the variation turns discovery on, and how: seed 003's `progressiveDiscovery` or seed
 * 004's `toolSelection.autoDiscovery` (either present, even empty, is on). `assignedTools` keeps
 * every assigned tool loaded, as without a tool selection.
 */
export function discoverySettings(
  spec: AgentVariationSpec | undefined,
): DiscoverySettings | undefined {
  const source = spec?.progressiveDiscovery ?? spec?.toolSelection?.autoDiscovery
  if (!source) return undefined
  const asked = source.maxTools ?? 0
  return {
    maxTools: asked > 0 ? Math.min(asked, MAX_MAX_TOOLS) : DEFAULT_MAX_TOOLS,
    hints: (source.hints ?? []).map((h) => h.trim()).filter(Boolean),
  }
}

/** A discoverable tool: a user tool of the objective, by the function name the model calls. */
export interface DiscoverableTool {
  model: ModelTool
}

export type DiscoveryOutcome =
  { ok: true; content: string; loaded?: string[] } | { ok: false; message: string }

const SEARCH_PARAMETERS = {
  type: 'object',
  properties: {
    query: {
      type: 'string',
      minLength: 1,
      maxLength: 200,
      description: 'keywords of what you need to do, e.g. "refund order"',
    },
  },
  required: ['query'],
  additionalProperties: false,
}

function loadParameters(maxTools: number) {
  return {
    type: 'object',
    properties: {
      names: {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 128 },
        minItems: 1,
        maxItems: maxTools,
        description: 'tool names from tool_search results',
      },
    },
    required: ['names'],
    additionalProperties: false,
  }
}

/** Lower-case words of a text; snake_case, kebab-case and camelCase split too. */
function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1)
}

function shortDescription(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > SHORT_DESCRIPTION ? `${flat.slice(0, SHORT_DESCRIPTION - 1)}…` : flat
}

/**
 * The discovery state of one run: which of the objective's user tools are loaded. The set only
 * grows, after the `tool_load` step that loads a tool has committed, and `restore` rebuilds it from
 * those committed tool calls, so a resumed run offers what the crashed one offered.
 */
export class ToolDiscovery {
  readonly loaded = new Set<string>()

  constructor(
    readonly settings: DiscoverySettings,
    /** The user tools that wait to be loaded, by function name. */
    private readonly pool: Map<string, DiscoverableTool>,
  ) {}

  /** The two built-ins' definitions. */
  builtinModels(): { search: ModelTool; load: ModelTool } {
    const { maxTools, hints } = this.settings
    let hinted = ''
    for (const hint of hints) {
      if (hinted.length + hint.length > MAX_HINTS_CHARS) break
      hinted += `${hinted ? '; ' : ' Hints: '}${hint}`
    }
    return {
      search: {
        name: TOOL_SEARCH_TOOL_NAME,
        description:
          `Searches the ${this.pool.size} tools you can load, by keywords of their names and ` +
          `descriptions; answers up to ${maxTools} names with short descriptions.${hinted}`,
        parameters: SEARCH_PARAMETERS,
      },
      load: {
        name: TOOL_LOAD_TOOL_NAME,
        description:
          'Loads tools found with tool_search by name; they can be called from your next step on.',
        parameters: loadParameters(maxTools),
      },
    }
  }

  /** Whether a tool is held back from the model until loaded. */
  isDiscoverable(name: string): boolean {
    return this.pool.has(name)
  }

  /** The tools of one model request: everything not discoverable, and the loaded user tools. */
  offer(all: Iterable<{ model: ModelTool }>): ModelTool[] {
    const out: ModelTool[] = []
    for (const t of all) {
      if (!this.pool.has(t.model.name) || this.loaded.has(t.model.name)) out.push(t.model)
    }
    return out
  }

  /**
   * The provider layer refuses a call of a tool the request did not carry with a generic message;
   * for a tool that only waits to be loaded, the model is told how to load it instead.
   */
  explain(answer: ModelCallResult): ModelCallResult {
    if (!answer.rejectedToolCalls.some((c) => this.waiting(c.toolName))) return answer
    return {
      ...answer,
      rejectedToolCalls: answer.rejectedToolCalls.map((c) =>
        this.waiting(c.toolName)
          ? {
              ...c,
              error:
                `tool ${JSON.stringify(c.toolName)} is not loaded yet: call ${TOOL_LOAD_TOOL_NAME} ` +
                `with {"names": [${JSON.stringify(c.toolName)}]} first, then call it`,
            }
          : c,
      ),
    }
  }

  private waiting(name: string): boolean {
    return this.pool.has(name) && !this.loaded.has(name)
  }

  /** Runs `tool_search` or `tool_load` (in-process, no side effect outside its step). */
  run(name: string, args: Record<string, unknown>): DiscoveryOutcome {
    return name === TOOL_LOAD_TOOL_NAME ? this.load(args) : this.search(args)
  }

  /** Adopts the names a committed `tool_load` step loaded. */
  markLoaded(names: string[]): void {
    for (const n of names) if (this.pool.has(n)) this.loaded.add(n)
  }

  private search(args: Record<string, unknown>): DiscoveryOutcome {
    const query = typeof args.query === 'string' ? args.query : ''
    const terms = [...new Set(words(query))]
    if (!terms.length) return { ok: false, message: 'query needs at least one keyword' }
    const scored: { name: string; description: string; score: number }[] = []
    for (const [name, tool] of this.pool) {
      const nameWords = words(name)
      const descriptionWords = words(tool.model.description)
      let score = 0
      for (const term of terms) {
        if (nameWords.includes(term)) score += 3
        else if (name.toLowerCase().includes(term)) score += 2
        if (descriptionWords.includes(term)) score += 1
      }
      if (score > 0) scored.push({ name, description: tool.model.description, score })
    }
    scored.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    const top = scored.slice(0, this.settings.maxTools)
    return {
      ok: true,
      content: JSON.stringify({
        tools: top.map((t) => ({
          name: t.name,
          description: shortDescription(t.description),
          loaded: this.loaded.has(t.name),
        })),
        matched: scored.length,
      }),
    }
  }

  private load(args: Record<string, unknown>): DiscoveryOutcome {
    const names = Array.isArray(args.names)
      ? [...new Set(args.names.filter((n): n is string => typeof n === 'string'))]
      : []
    if (names.length > this.settings.maxTools) {
      return { ok: false, message: `load at most ${this.settings.maxTools} tools at a time` }
    }
    const loaded = names.filter((n) => this.pool.has(n))
    const unknown = names.filter((n) => !this.pool.has(n))
    if (!loaded.length) {
      return {
        ok: false,
        message: `no loadable tool among ${JSON.stringify(names)}: use names from ${TOOL_SEARCH_TOOL_NAME}`,
      }
    }
    return { ok: true, content: JSON.stringify({ loaded, unknown }), loaded }
  }

  /** Rebuilds the loaded set from the objective's completed `tool_load` calls (every window). */
  async restore(db: Db, objectiveId: string): Promise<void> {
    const rows = await db
      .selectFrom('objective_tool_calls')
      .select('result')
      .where('objective_id', '=', objectiveId)
      .where('function_name', '=', TOOL_LOAD_TOOL_NAME)
      .where('execution_status', '=', 'TOOL_CALL_EXECUTION_STATUS_COMPLETED')
      .execute()
    for (const { result } of rows) {
      try {
        const parsed = JSON.parse(result ?? '') as { loaded?: unknown }
        if (Array.isArray(parsed.loaded)) {
          this.markLoaded(parsed.loaded.filter((n): n is string => typeof n === 'string'))
        }
      } catch {
        // A result this code did not write loads nothing.
      }
    }
  }
}
