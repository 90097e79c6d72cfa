/**
 * The engine: workers that claim runnable objectives under leases and run them step by step
 * (one model turn or one tool execution per step, each committed in one transaction).
 */
export { Worker, type WorkerOptions } from './worker.ts'
export type { StopReason } from './objective-run.ts'
export { createObjectiveCompactor } from './compaction/compactor.ts'
