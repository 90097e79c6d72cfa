import type { ApiFamily } from '../../lib/api-family.ts'
import { encodeFrames, type SseFrame } from '../../lib/sse.ts'
// The one row -> ObjectiveEvent mapping: a twin here could drift from what the list endpoint serves.
import { eventOf, type ObjectiveRow } from '../objectives/index.ts'
import type { ObjectiveSlice, ParentColumns, StreamedEventRow } from './streams.repository.ts'

/** Waits that end without anyone acting: more events will come, so the stream stays open. */
const SELF_ENDING_WAITS = ['sub_objectives', 'enqueued']

/**
 * Whether an objective in this state can produce no more events by itself (docs/decisions.md decision 10): the
 * finished states, and WAITING/FAILED once their last event was sent (a continue or an approval
 * starts new activity, and the client opens a new stream for it).
 */
export function streamEnds(state: string, waitReason: string | null): boolean {
  if (state === 'WAITING') return !SELF_ENDING_WAITS.includes(waitReason ?? '')
  return ['FINALIZED', 'CANCELLED', 'TIMED_OUT', 'FAILED'].includes(state)
}

/**
 * How a stream shows its events: as its route family shows them (eventOf), and with
 * `info.objective` on the workspace stream so that a dashboard knows whose each one is. The four
 * views are fixed objects, so that frames and chunks can be cached per view.
 */
export interface FrameView {
  readonly family: ApiFamily
  readonly withObjective: boolean
  readonly frames: WeakMap<StreamedEventRow, SseFrame>
  readonly chunks: WeakMap<ObjectiveSlice, Uint8Array>
}

const views = new Map<string, FrameView>()

export function frameView(family: ApiFamily, withObjective: boolean): FrameView {
  const key = `${family}:${withObjective}`
  let view = views.get(key)
  if (!view) {
    view = { family, withObjective, frames: new WeakMap(), chunks: new WeakMap() }
    views.set(key, view)
  }
  return view
}

/**
 * An event as an SSE frame: `id:` is the event id, `data:` the ObjectiveEvent JSON the list
 * endpoint of the same family serves.
 */
export function eventFrame(
  parent: ParentColumns,
  row: StreamedEventRow,
  view: FrameView,
): SseFrame {
  // Subscribers of one objective share the rows of one read: serialise each row once per view.
  const cached = view.frames.get(row)
  if (cached) return cached
  // eventOf reads only the metadata columns of its parent, which ParentColumns carries.
  const event = eventOf(
    parent as ObjectiveRow,
    row,
    view.family,
    view.withObjective ? {} : undefined,
  )
  const frame = { id: row.id, data: JSON.stringify(event) }
  view.frames.set(row, frame)
  return frame
}

/**
 * A slice's events as one encoded chunk. Every subscriber of an objective at the same position
 * shares one read (the hub's batch key), so the chunk is built once per view and queued to all of
 * them: fan-out costs one enqueue and one socket write per subscriber, not a serialisation per
 * event.
 */
export function sliceChunk(slice: ObjectiveSlice, view: FrameView): Uint8Array {
  let chunk = view.chunks.get(slice)
  if (!chunk) {
    chunk = encodeFrames(slice.events.map((row) => eventFrame(slice.parent, row, view)))
    view.chunks.set(slice, chunk)
  }
  return chunk
}
