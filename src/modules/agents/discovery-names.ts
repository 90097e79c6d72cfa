import type { ApiFamily } from '../../lib/api-family.ts'
import type { AgentVariation, AgentVariationSpec } from './agent.schema.ts'

/**
 * Progressive discovery has a name per era: seed 004's `toolSelection.autoDiscovery{hints,
 * maxTools}`, seed 003's `progressiveDiscovery{hints, maxTools, rerankThreshold}` (docs/api.md
 * section 5.12). A variation keeps what was written; a read adds the other era's name when the
 * family's own is missing, so a client of either era sees the setting another era wrote.
 */
export function presentDiscoveryNames(
  spec: AgentVariationSpec,
  family: ApiFamily,
): AgentVariationSpec {
  const auto = spec.toolSelection?.autoDiscovery
  const progressive = spec.progressiveDiscovery
  const shared = (from: { hints?: string[]; maxTools?: number }) => ({
    ...(from.hints ? { hints: from.hints } : {}),
    ...(from.maxTools !== undefined ? { maxTools: from.maxTools } : {}),
  })
  if (family === 'workspace' && auto && !progressive) {
    return { ...spec, progressiveDiscovery: shared(auto) }
  }
  if (family === 'implicit' && progressive && !auto) {
    return { ...spec, toolSelection: { ...spec.toolSelection, autoDiscovery: shared(progressive) } }
  }
  return spec
}

/** A variation as `family` serves it. */
export function presentVariation<V extends Pick<AgentVariation, 'spec'>>(
  variation: V,
  family: ApiFamily,
): V {
  const spec = variation.spec ? presentDiscoveryNames(variation.spec, family) : variation.spec
  return spec === variation.spec ? variation : { ...variation, spec }
}
