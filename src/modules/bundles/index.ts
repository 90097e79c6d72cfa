/** Bulk workspace applies: bundles of agents and tool sets made true in one transaction. */
export { bundleRoutes } from './bundle.routes.ts'
