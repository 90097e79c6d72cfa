import { Conversation } from './conversation.ts'

const DEFAULT_MAX_ENTRIES = 2000

/**
 * Conversations of objectives this worker left WAITING, so a continue claimed here appends the
 * new events instead of replaying the whole window. Bounded: the oldest entries are dropped.
 */
export class ConversationCache {
  private entries = new Map<string, { windowId: string; conversation: Conversation }>()
  constructor(private readonly maxEntries = DEFAULT_MAX_ENTRIES) {}

  put(objectiveId: string, windowId: string, conversation: Conversation): void {
    this.entries.delete(objectiveId)
    this.entries.set(objectiveId, { windowId, conversation })
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
  }

  /** Takes the cached conversation if it is of this window and not ahead of the log. */
  take(objectiveId: string, windowId: string, eventSeq: number): Conversation | undefined {
    const hit = this.entries.get(objectiveId)
    this.entries.delete(objectiveId)
    if (!hit || hit.windowId !== windowId || hit.conversation.seq > eventSeq) return undefined
    return hit.conversation
  }
}
