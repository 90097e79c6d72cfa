import { fieldError } from '../../lib/errors.ts'
import { snakeToCamel } from '../../lib/case.ts'
import type { AgentVariationSpec } from './agent.schema.ts'

/**
 * `prompt` (seed eras) and `systemPromptTemplate` (newest API) are one field under two names
 * (docs/decisions.md decision 21). It is stored once, as `prompt`, so every reader of a stored
 * spec (the create, schedules, snapshots) sees one value; reads serve it under both names.
 */
export function storedVariationSpec<S extends Partial<AgentVariationSpec>>(spec: S): S {
  const { systemPromptTemplate, ...rest } = spec
  if (systemPromptTemplate === undefined) return spec
  if (rest.prompt !== undefined && rest.prompt !== systemPromptTemplate) {
    throw fieldError(
      'spec.systemPromptTemplate',
      'is the newest name of spec.prompt: give one of them, or the same text in both',
    )
  }
  return { ...rest, prompt: systemPromptTemplate } as S
}

/**
 * A stored spec as reads serve it: the prompt under both of its names. A spec written by another
 * path (a bulk apply stores specs as given) may hold only the newest name; `prompt` wins if both.
 */
export function servedVariationSpec(spec: AgentVariationSpec): AgentVariationSpec {
  const prompt = spec.prompt ?? spec.systemPromptTemplate
  return prompt === undefined ? spec : { ...spec, prompt, systemPromptTemplate: prompt }
}

/** An updateMask naming `spec.systemPromptTemplate` updates the stored `spec.prompt`. */
export function storedUpdateMask(mask: string | undefined): string | undefined {
  if (!mask) return mask
  return mask
    .split(',')
    .map((raw) => {
      const path = raw.trim().split('.').map(snakeToCamel)
      return path[0] === 'spec' && path[1] === 'systemPromptTemplate' && path.length === 2
        ? 'spec.prompt'
        : raw
    })
    .join(',')
}
