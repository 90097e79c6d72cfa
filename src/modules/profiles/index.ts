/**
 * Profiles: who created or changed a resource (`info.createdBy`), as every module shows it. The
 * account's profile list and user invitations live in the accounts module; this one only reads.
 */
export { loadProfiles, profileOf } from './profiles.ts'
