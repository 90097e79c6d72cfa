import type { Db } from '../db/database.ts'
import {
  budgetHolders,
  hasCaps,
  objectiveCaps,
  warnedCaps,
  type ObjectiveRow,
  type Spend,
  type StoredEvent,
  type StoredObjectiveData,
} from '../modules/objectives/index.ts'
import { judge, type Verdict } from './budget.ts'

/**
 * The budget checks of one run: its objective's caps and its ancestors' (their sub-objectives'
 * spend counts against them). Caps are frozen at creation, so a run under no cap anywhere learns
 * it once and asks nothing more.
 */
export class BudgetGuard {
  private active: boolean
  private warned?: Set<string>

  constructor(
    private readonly db: Db,
    private readonly row: ObjectiveRow,
    data: StoredObjectiveData,
  ) {
    this.active = hasCaps(objectiveCaps(data)) || row.parent_objective_id !== null
  }

  /** The verdict before a model call or spawn; `extra` is spend not committed yet. */
  async check(extra?: Spend): Promise<Verdict> {
    if (!this.active) return { near: [] }
    const holders = await budgetHolders(this.db, this.row.id)
    if (!holders.some((h) => hasCaps(h.caps))) {
      this.active = false
      return { near: [] }
    }
    this.warned ??= await warnedCaps(this.db, this.row.id)
    return judge(holders, new Date(), this.warned, extra)
  }

  /** Notices committed: not warned of again. */
  warnedOf(events: StoredEvent[]): void {
    for (const e of events) if (e.x?.cap) this.warned?.add(e.x.cap)
  }
}
