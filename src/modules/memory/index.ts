/**
 * Memory: layers of keyed entries (SKILLS written through the API, EPISODIC by the runtime), their
 * assignment to variations, and the stack an objective resolves skills against.
 */
export { memoryRoutes } from './memory.routes.ts'
export type { MemoryLayer, MemoryEntry, MemoryEntryDetail } from './memory.schema.ts'
