import { aborted, failedPrecondition } from '../lib/errors.ts'
import type { CompactionConfig } from '../modules/agents/index.ts'
import type { Deps, ObjectiveCompactor } from '../modules/deps.ts'
import { resolveModel, type ResolvedModel } from '../modules/models/index.ts'
import {
  COMPACTABLE_STATES,
  compactRefusal,
  storedEventOf,
  type ObjectiveState,
  type StoredObjectiveData,
} from '../modules/objectives/index.ts'
import { commitCompaction, recordLostCompaction } from './compaction-journal.ts'
import { compactionSettings, planCompaction, type Summarise } from './compaction.ts'
import { Conversation } from './conversation.ts'
import type { ModelCaller } from './providers/index.ts'
import { windowEventsAfter } from './queue.ts'

/** The summariser: the objective's own model, offered no tools. */
export function summariserFor(
  callModel: ModelCaller,
  model: ResolvedModel,
  signal: AbortSignal,
): Summarise {
  return (req) =>
    callModel({
      target: {
        provider: model.provider,
        modelName: model.providerModelName,
        apiKey: model.apiKey,
        baseUrl: model.baseUrl,
      },
      system: req.system,
      messages: req.messages,
      tools: [],
      signal,
    })
}

/** The variation's compaction config, frozen into the objective at creation. */
export function variationCompactionConfig(data: StoredObjectiveData): CompactionConfig | undefined {
  const variation = data.variation as { spec?: { compactionConfig?: CompactionConfig } }
  return variation.spec?.compactionConfig
}

/**
 * Manual compaction (`POST …/objectives/{id}/compact`) of an objective no worker holds: WAITING or
 * FAILED. The context is rebuilt from the current window's rows and summarised with no
 * transaction open; the commit is a compare-and-set on the version read, so a continue, approval
 * or cancel that landed meanwhile wins and the caller gets ABORTED (409) to retry. A crash before
 * the commit leaves nothing behind but the provider call's cost.
 */
export function createObjectiveCompactor(
  deps: Deps,
  callModel: ModelCaller,
  env: NodeJS.ProcessEnv,
): ObjectiveCompactor {
  return {
    async compact(objectiveId, override, profileId) {
      const row = await deps.db
        .selectFrom('objectives')
        .selectAll()
        .where('id', '=', objectiveId)
        .executeTakeFirstOrThrow()
      if (!COMPACTABLE_STATES.includes(row.state as ObjectiveState) || row.lease_owner) {
        throw failedPrecondition(compactRefusal(row.id, row.state))
      }
      const data = row.data as unknown as StoredObjectiveData
      const model = await resolveModel(deps, row.workspace_id, data.modelId, env)
      const conversation = new Conversation()
      const windowId = row.current_window_id ?? ''
      for (const r of await windowEventsAfter(deps.db, row.id, windowId, 0)) {
        conversation.apply(storedEventOf(r), r.seq)
      }
      const settings = compactionSettings(override ?? variationCompactionConfig(data))
      const signal = AbortSignal.timeout(10 * 60_000)
      const plan = await planCompaction(
        conversation,
        settings,
        summariserFor(callModel, model, signal),
      )
      if (!plan) {
        throw failedPrecondition(
          `objective ${row.id} has nothing to compact: its context window holds no messages ` +
            'before its last turn and no tool results to clear',
        )
      }
      const newWindowId = deps.ids('contextWindow')
      const result = await commitCompaction(
        deps.db,
        { objectiveId: row.id, version: row.version, state: row.state },
        { plan, windowId: newWindowId, eventId: deps.ids('event'), profileId },
      )
      if (!result) {
        await recordLostCompaction(deps.db, row.id, windowId, plan)
        throw aborted(`objective ${row.id} changed while it was being compacted; retry`)
      }
      return newWindowId
    },
  }
}
