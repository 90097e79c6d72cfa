/**
 * Accounts: the account, its workspaces, profiles and API keys; authentication of requests and
 * the first-start bootstrap.
 */
export { authenticate, scopeTo } from './auth.service.ts'
export { bootstrapIfEmpty, type BootstrapResult } from './bootstrap.service.ts'
export { loadProfiles, profileOf } from './profile.service.ts'
