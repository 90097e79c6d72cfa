import { randomUUID } from 'node:crypto'
import { aborted, deadlineExceeded, failedPrecondition } from '../../lib/errors.ts'
import type { CompactionConfig } from '../../lib/schemas.ts'
import type { Deps, ObjectiveCompactor } from '../../modules/deps.ts'
import {
  costUsd,
  providerTarget,
  resolveModel,
  type ResolvedModel,
} from '../../modules/models/index.ts'
import {
  COMPACTABLE_STATES,
  compactRefusal,
  storedEventOf,
  type ObjectiveRow,
  type ObjectiveState,
  type StoredObjectiveData,
} from '../../modules/objectives/index.ts'
import { commitCompaction, recordLostCompaction } from './commit.ts'
import { compactionSettings, planCompaction, type Summarise } from './plan.ts'
import {
  placeRequest,
  readForCompaction,
  withdrawRequest,
  type CompactionRequest,
} from './request.ts'
import { Conversation } from '../conversation.ts'
import type { ModelCaller } from '../../providers/index.ts'
import { windowEventsAfter } from '../queue.ts'

/** The summariser: the objective's own model, offered no tools. */
export function summariserFor(
  callModel: ModelCaller,
  model: ResolvedModel,
  signal: AbortSignal,
): Summarise {
  return async (req) => {
    const answer = await callModel({
      target: providerTarget(model),
      system: req.system,
      messages: req.messages,
      tools: [],
      signal,
    })
    // Charged like any model call (docs/api.md section 5.11), at the model's prices now.
    return model.prices ? { ...answer, costUsd: costUsd(model.prices, answer.usage) } : answer
  }
}

/** The variation's compaction config, frozen into the objective at creation. */
export function variationCompactionConfig(data: StoredObjectiveData): CompactionConfig | undefined {
  return data.variation.spec?.compactionConfig
}

/** How long a manual compact of a RUNNING or PENDING objective waits for its worker by default. */
export const DEFAULT_COMPACT_WAIT_MS = 120_000

const RUNNING_STATES: string[] = ['PENDING', 'RUNNING'] satisfies ObjectiveState[]

/**
 * Manual compaction (`POST …/objectives/{id}/compact`).
 *
 * An objective no worker holds (WAITING, FAILED) is compacted here: the context is rebuilt from
 * the current window's rows and summarised with no transaction open; the commit is a
 * compare-and-set on the version read, so a continue, approval or cancel that landed meanwhile
 * wins and the caller gets ABORTED (409) to retry. A crash before the commit leaves nothing
 * behind but the provider call's cost.
 *
 * A RUNNING or PENDING one is compacted by the worker holding it, before its next model call:
 * the call leaves a request on the row (compaction-request.ts) and waits, holding no connection,
 * for the worker's outcome (woken by the objective's notifications, polled as a fallback). When
 * the objective leaves RUNNING first, the call takes its request back and compacts it here if it
 * is WAITING or FAILED. A second request while one waits is ABORTED; a worker that does not reach
 * a model call within `waitMs` gives DEADLINE_EXCEEDED, and the request is taken back so it cannot
 * apply later.
 */
export function createObjectiveCompactor(
  deps: Deps,
  callModel: ModelCaller,
  env: NodeJS.ProcessEnv,
  waitMs = DEFAULT_COMPACT_WAIT_MS,
): ObjectiveCompactor {
  async function compactIdle(
    row: ObjectiveRow,
    override: CompactionConfig | undefined,
    profileId: string,
  ): Promise<string> {
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
    if (!plan) throw failedPrecondition(nothingToCompact(row.id))
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
  }

  return {
    async compact(objectiveId, override, profileId) {
      const requestId = randomUUID()
      const deadline = Date.now() + waitMs
      let placed = false
      let pause = 20
      for (;;) {
        // Listening before the read: a change committed after it ends the wait below at once.
        const changed = deps.events.objectiveChanged(
          objectiveId,
          Math.max(0, Math.min(pause, deadline - Date.now())),
        )
        const row = await readForCompaction(deps.db, objectiveId)
        const request = row.compaction_request as CompactionRequest | null
        const mine = placed && request?.id === requestId
        if (placed && !mine) {
          throw aborted(`the compaction request for objective ${row.id} was withdrawn; retry`)
        }
        if (mine && request.outcome) {
          await withdrawRequest(deps.db, row.id, requestId, false)
          if ('windowId' in request.outcome) return request.outcome.windowId
          throw failedPrecondition(request.outcome.refusal)
        }
        if (!RUNNING_STATES.includes(row.state)) {
          // It left RUNNING before its worker answered (the turn ended, a cancel...): the request
          // is taken back (unless answered meanwhile), and the objective compacted here if it can.
          if (mine && !(await withdrawRequest(deps.db, row.id, requestId, true))) continue
          placed = false
          if (COMPACTABLE_STATES.includes(row.state as ObjectiveState)) {
            return compactIdle(row, override, profileId)
          }
          throw failedPrecondition(compactRefusal(row.id, row.state))
        }
        if (!placed) {
          if (row.compaction_pending) {
            throw aborted(
              `objective ${row.id} already has a compaction requested that its worker has not ` +
                'answered yet; retry once that request is answered',
            )
          }
          placed = await placeRequest(
            deps.db,
            row.id,
            { id: requestId, config: override, profileId },
            waitMs,
          )
          continue
        }
        if (Date.now() >= deadline) {
          if (await withdrawRequest(deps.db, row.id, requestId, true)) {
            throw deadlineExceeded(
              `objective ${row.id} is ${row.state} and its worker did not reach a point where it ` +
                `could compact within ${Math.round(waitMs / 1000)} s; nothing was compacted, retry`,
            )
          }
          continue
        }
        await changed
        pause = Math.min(pause * 2, 1000)
      }
    },
  }
}

/** Why a compaction found nothing to do. */
export function nothingToCompact(id: string): string {
  return (
    `objective ${id} has nothing to compact: its context window holds no messages before its ` +
    'last turn and no tool results to clear'
  )
}
