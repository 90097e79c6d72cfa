/**
 * Memory: layers of keyed entries (SKILLS written through the API, EPISODIC by the runtime), their
 * assignment to variations, and the stack an objective resolves skills against.
 */
export { memoryRoutes } from './memory.routes.ts'
export { memoryAssignmentRoutes } from './assignment.routes.ts'
export type { MemoryLayer, MemoryEntry, MemoryEntryDetail } from './memory.schema.ts'
export {
  buildManifest,
  lookupSkill,
  resolveMemoryStack,
  saveEpisodic,
  saveProblem,
  touchLayer,
  MANIFEST_MAX_CHARS,
  MANIFEST_MAX_ENTRIES,
  SAVE_MAX_CHARS,
  type MemoryReference,
  type SkillHit,
  type StoredMemory,
} from './stack.ts'
