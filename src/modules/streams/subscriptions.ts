import type { ApiFamily } from '../../lib/api-family.ts'
import { encodeFrames, type SseStream } from '../../lib/sse.ts'
import { eventFrame, frameView, sliceChunk, streamEnds, type FrameView } from './frames.ts'
import type { ObjectiveSlice, SliceKey } from './streams.repository.ts'

/** A `sortie_events` notification: an objective has events up to maxSeq (from minSeq). */
export interface EventNotice {
  workspaceId: string
  objectiveId: string
  maxSeq: number
  minSeq: number
}

export function parseNotice(payload: string): EventNotice | undefined {
  const [workspaceId, objectiveId, max, min] = payload.split(':')
  const maxSeq = Number(max)
  const minSeq = min === undefined ? maxSeq : Number(min)
  if (!workspaceId || !objectiveId || !Number.isInteger(maxSeq) || !Number.isInteger(minSeq)) {
    return undefined
  }
  return { workspaceId, objectiveId, maxSeq, minSeq }
}

/** Objectives a workspace stream keeps positions for. */
const MAX_FOLLOWED = 10_000

/** Events read per objective per round trip. */
export const SLICE_LIMIT = 200

/**
 * One SSE client as the hub sees it: it says which slices it wants next (at most one read in
 * flight per objective, and only while its buffer has room) and takes what was read.
 */
export interface Subscription {
  readonly stream: SseStream
  notice(n: EventNotice): void
  /** Wants every objective it follows re-read (the fallback for lost notifications). */
  poll(): void
  /** Slices to read now; each is marked as in flight. */
  take(max: number): SliceKey[]
  hasWork(): boolean
  /** A slice read for `key`; `undefined` when the objective no longer exists. */
  deliver(key: SliceKey, slice: ObjectiveSlice | undefined): void
  /** The read failed: want the same slices again later. */
  retry(key: SliceKey): void
}

/**
 * Queues a slice's events after `afterSeq` as one chunk: the chunk every subscriber of the read
 * shares when it wants them all (the usual case: it was read from its own position).
 */
function send(stream: SseStream, slice: ObjectiveSlice, afterSeq: number, view: FrameView) {
  const events = slice.events
  if (events.length === 0 || events.at(-1)!.seq <= afterSeq) return
  if (events[0]!.seq > afterSeq) return stream.write(sliceChunk(slice, view))
  const fresh = events.filter((row) => row.seq > afterSeq)
  stream.write(encodeFrames(fresh.map((row) => eventFrame(slice.parent, row, view))))
}

/** Follows one objective from a sequence number until it can produce no more events. */
export class ObjectiveSubscription implements Subscription {
  private dirty = true
  private reading = false
  private readonly view: FrameView

  constructor(
    readonly stream: SseStream,
    readonly objectiveId: string,
    private lastSeq: number,
    family: ApiFamily,
  ) {
    this.view = frameView(family, false)
  }

  notice(n: EventNotice): void {
    if (n.maxSeq > this.lastSeq || n.minSeq > n.maxSeq) this.dirty = true
  }

  poll(): void {
    this.dirty = true
  }

  hasWork(): boolean {
    return this.dirty && !this.reading && this.stream.hasRoom()
  }

  take(): SliceKey[] {
    if (!this.hasWork()) return []
    this.dirty = false
    this.reading = true
    return [{ objectiveId: this.objectiveId, afterSeq: this.lastSeq }]
  }

  deliver(_key: SliceKey, slice: ObjectiveSlice | undefined): void {
    this.reading = false
    if (!slice) return this.stream.end()
    send(this.stream, slice, this.lastSeq, this.view)
    this.lastSeq = Math.max(this.lastSeq, slice.events.at(-1)?.seq ?? 0)
    if (slice.events.length >= SLICE_LIMIT) this.dirty = true
    else if (!this.dirty && this.lastSeq >= slice.eventSeq) {
      if (streamEnds(slice.state, slice.waitReason)) this.stream.end()
    }
  }

  retry(): void {
    this.reading = false
    this.dirty = true
  }
}

/**
 * Follows every objective of a workspace (optionally of one agent) from the moment it opened.
 * The first notification of an objective says where its new events start (`minSeq`), so no event
 * committed before the stream opened is sent and none committed after is missed. Positions are
 * kept for the most recently active objectives only (a late notification of events already sent
 * must find its position, so an objective is not forgotten the moment it stops).
 */
export class WorkspaceSubscription implements Subscription {
  private readonly cursors = new Map<string, number>()
  private readonly agents = new Map<string, string>()
  private readonly dirty = new Set<string>()
  private readonly reading = new Set<string>()
  private readonly view: FrameView

  constructor(
    readonly stream: SseStream,
    readonly workspaceId: string,
    private readonly agentId: string | undefined,
    family: ApiFamily,
  ) {
    this.view = frameView(family, true)
  }

  notice(n: EventNotice): void {
    if (n.minSeq > n.maxSeq) return
    const cursor = this.cursors.get(n.objectiveId) ?? n.minSeq - 1
    this.remember(n.objectiveId, cursor)
    const agent = this.agents.get(n.objectiveId)
    if (this.agentId && agent && agent !== this.agentId) {
      // Known to be another agent's: nothing to read, only keep the position.
      if (!this.reading.has(n.objectiveId)) this.cursors.set(n.objectiveId, n.maxSeq)
      return
    }
    if (n.maxSeq > cursor) this.dirty.add(n.objectiveId)
  }

  poll(): void {
    for (const id of this.cursors.keys()) this.dirty.add(id)
  }

  hasWork(): boolean {
    if (!this.stream.hasRoom()) return false
    for (const id of this.dirty) if (!this.reading.has(id)) return true
    return false
  }

  take(max: number): SliceKey[] {
    const keys: SliceKey[] = []
    if (!this.stream.hasRoom()) return keys
    for (const id of this.dirty) {
      if (keys.length >= max) break
      if (this.reading.has(id)) continue
      this.dirty.delete(id)
      this.reading.add(id)
      keys.push({ objectiveId: id, afterSeq: this.cursors.get(id) ?? 0 })
    }
    return keys
  }

  deliver(key: SliceKey, slice: ObjectiveSlice | undefined): void {
    const id = key.objectiveId
    this.reading.delete(id)
    if (!slice) return this.forget(id)
    this.agents.set(id, slice.agentId)
    const cursor = this.cursors.get(id) ?? key.afterSeq
    if (!this.agentId || slice.agentId === this.agentId) send(this.stream, slice, cursor, this.view)
    this.cursors.set(id, Math.max(cursor, slice.events.at(-1)?.seq ?? 0))
    if (slice.events.length >= SLICE_LIMIT) this.dirty.add(id)
  }

  retry(key: SliceKey): void {
    this.reading.delete(key.objectiveId)
    this.dirty.add(key.objectiveId)
  }

  /** Moves the objective to the most recent end of the map; evicts the least recent. */
  private remember(id: string, cursor: number): void {
    this.cursors.delete(id)
    this.cursors.set(id, cursor)
    if (this.cursors.size <= MAX_FOLLOWED) return
    for (const old of this.cursors.keys()) {
      if (this.reading.has(old)) continue
      this.forget(old)
      break
    }
  }

  private forget(id: string): void {
    this.cursors.delete(id)
    this.agents.delete(id)
    this.dirty.delete(id)
  }
}
