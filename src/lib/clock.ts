/** Time as a dependency, so tests and the engine can reason about it. */
export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }
