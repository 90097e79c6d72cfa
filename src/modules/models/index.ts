/**
 * Models: the per-workspace catalogue (built-in models plus those AI provider keys contribute),
 * AI provider keys, and resolution of a `family/model` id to a provider and its credentials.
 */
import type { RouteDef } from '../route.ts'
import { aiProviderKeyRoutes } from './ai-provider-keys.routes.ts'
import { modelRoutes } from './models.routes.ts'

export const modelsRoutes: RouteDef[] = [...modelRoutes, ...aiProviderKeyRoutes]
export { ensureWorkspaceModels, syncModelCatalogue, modelOf } from './model.service.ts'
export { providerTarget, resolveModel, type ResolvedModel } from './resolve.service.ts'
export { BUILTIN_MODELS, type CatalogueModel } from './catalogue.ts'
export type { Model, ModelSpec } from './model.schema.ts'
export {
  addUsd,
  costUsd,
  formatUsd,
  pricesOf,
  usdUnits,
  type ModelPrices,
  type PricedUsage,
} from './pricing.ts'
