/**
 * Uploads: bytes a client PUTs to a signed, expiring URL served by Sortie itself, kept in Postgres
 * so every process reads them, then consumed by what they were uploaded for (memory entries).
 */
export { uploadRoutes } from './uploads.routes.ts'
export { consumeUpload, receiveUpload, uploadMaxBytes } from './upload.service.ts'
export { Upload } from './upload.schema.ts'
