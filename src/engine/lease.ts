/**
 * What a worker holds while it runs an objective: the claim (queue.ts) set `lease_owner`, and every
 * write of the run is a compare-and-set on it (journal.ts), so a lost lease writes nothing.
 */
export interface Lease {
  objectiveId: string
  version: number
  owner: string
  /** Set on a sub-objective: the parent whose call it answers (locked first, then woken). */
  parentId?: string
}

/** Thrown when a compare-and-set matched nothing: a cancel or another worker got there first. */
export class Superseded extends Error {}
