import { encodeFrames, type SseFrame } from '../../http/sse.ts'
// The one row -> ObjectiveEvent mapping: a twin here could drift from what the list endpoint serves.
import { eventOf, type ObjectiveRow } from '../objectives/index.ts'
import type { ObjectiveSlice, ParentColumns, StreamedEventRow } from './streams.repository.ts'

/** Waits that end without anyone acting: more events will come, so the stream stays open. */
const SELF_ENDING_WAITS = ['sub_objectives', 'enqueued']

/**
 * Whether an objective in this state can produce no more events by itself (decision 10): the
 * finished states, and WAITING/FAILED once their last event was sent (a continue or an approval
 * starts new activity, and the client opens a new stream for it).
 */
export function streamEnds(state: string, waitReason: string | null): boolean {
  if (state === 'WAITING') return !SELF_ENDING_WAITS.includes(waitReason ?? '')
  return ['FINALIZED', 'CANCELLED', 'TIMED_OUT', 'FAILED'].includes(state)
}

/**
 * An event as an SSE frame: `id:` is the event id, `data:` the ObjectiveEvent JSON the list
 * endpoint serves. The workspace stream adds `info.objective` so a dashboard knows whose it is.
 */
export function eventFrame(
  parent: ParentColumns,
  row: StreamedEventRow,
  withObjective: boolean,
): SseFrame {
  // Subscribers of one objective share the rows of one read: serialise each row once.
  const cache = withObjective ? workspaceFrames : objectiveFrames
  const cached = cache.get(row)
  if (cached) return cached
  // eventOf reads only the metadata columns of its parent, which ParentColumns carries.
  const event = eventOf(parent as ObjectiveRow, row, withObjective ? {} : undefined)
  const frame = { id: row.id, data: JSON.stringify(event) }
  cache.set(row, frame)
  return frame
}

const objectiveFrames = new WeakMap<StreamedEventRow, SseFrame>()
const workspaceFrames = new WeakMap<StreamedEventRow, SseFrame>()

/**
 * A slice's events as one encoded chunk. Every subscriber of an objective at the same position
 * shares one read (the hub's batch key), so the chunk is built once and queued to all of them:
 * fan-out costs one enqueue and one socket write per subscriber, not a serialisation per event.
 */
export function sliceChunk(slice: ObjectiveSlice, withObjective: boolean): Uint8Array {
  const cache = withObjective ? workspaceChunks : objectiveChunks
  let chunk = cache.get(slice)
  if (!chunk) {
    chunk = encodeFrames(slice.events.map((row) => eventFrame(slice.parent, row, withObjective)))
    cache.set(slice, chunk)
  }
  return chunk
}

const objectiveChunks = new WeakMap<ObjectiveSlice, Uint8Array>()
const workspaceChunks = new WeakMap<ObjectiveSlice, Uint8Array>()
