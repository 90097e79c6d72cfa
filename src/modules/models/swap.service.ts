import { AppError, Code, invalidArgument } from '../../lib/errors.ts'
import type { Deps, Scope } from '../deps.ts'
import type { StoredModelSpec, SwapModelBody } from './model.schema.ts'
import { findModelRow, type ModelRow } from './model.service.ts'
import * as repo from './models.repository.ts'

async function swapSide(deps: Deps, scope: Scope, ref: string, field: string): Promise<ModelRow> {
  try {
    return await findModelRow(deps, scope, ref)
  } catch (err) {
    // A reference in a body that names nothing is a bad argument, not a missing path resource.
    if (err instanceof AppError && err.code === Code.NOT_FOUND) {
      throw invalidArgument(`${field}: unknown model ${JSON.stringify(ref)}`, [
        { field, description: `unknown model ${JSON.stringify(ref)}` },
      ])
    }
    throw err
  }
}

/**
 * Moves every variation of the workspace from one model to another, all swaps in one transaction;
 * the target must be enabled so no variation is left on a model the engine refuses to run.
 */
export async function swapModelOnVariations(
  deps: Deps,
  scope: Scope,
  body: SwapModelBody,
): Promise<Record<string, never>> {
  const pairs: { current: ModelRow; next: ModelRow; disable: boolean }[] = []
  for (const [i, swap] of body.modelSwaps.entries()) {
    const current = await swapSide(
      deps,
      scope,
      swap.currentModelId,
      `modelSwaps.${i}.currentModelId`,
    )
    const next = await swapSide(deps, scope, swap.nextModelId, `modelSwaps.${i}.nextModelId`)
    if ((next.spec as unknown as StoredModelSpec).status === 'MODEL_STATUS_DISABLED') {
      throw new AppError(
        Code.FAILED_PRECONDITION,
        `modelSwaps.${i}.nextModelId: model ${JSON.stringify(next.name)} is disabled`,
      )
    }
    pairs.push({ current, next, disable: swap.disableCurrentAfterSwap === true })
  }
  await deps.db.transaction().execute(async (trx) => {
    for (const { current, next, disable } of pairs) {
      if (current.id !== next.id) {
        await repo.swapVariationModel(trx, scope.workspaceId, current.name, next.name)
      }
      if (disable && current.id !== next.id) {
        await repo.setModelStatusRow(trx, current.id, 'MODEL_STATUS_DISABLED')
      }
    }
  })
  return {}
}
