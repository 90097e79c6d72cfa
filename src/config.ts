import { resolve } from 'node:path'
import { z } from 'zod'

const envSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  DATABASE_URL: z.string().optional(),
  SORTIE_DATA_DIR: z.string().default('./.sortie'),
  SORTIE_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  SORTIE_SECRET_KEY: z.string().optional(),
  SORTIE_BOOTSTRAP_TOKEN: z.string().min(16).optional(),
  SORTIE_DB_POOL_SIZE: z.coerce.number().int().min(2).max(500).default(20),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

export interface Config {
  host: string
  port: number
  databaseUrl?: string
  dataDir: string
  embeddedPgPort: number
  secretKey?: string
  bootstrapToken?: string
  dbPoolSize: number
  logLevel: string
}

/** Reads the environment once; a bad value stops start-up with the variable's name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
    throw new Error(`invalid configuration: ${problems.join('; ')}`)
  }
  const e = parsed.data
  return {
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL || undefined,
    dataDir: resolve(e.SORTIE_DATA_DIR),
    embeddedPgPort: e.SORTIE_PG_PORT,
    secretKey: e.SORTIE_SECRET_KEY,
    bootstrapToken: e.SORTIE_BOOTSTRAP_TOKEN,
    dbPoolSize: e.SORTIE_DB_POOL_SIZE,
    logLevel: e.LOG_LEVEL,
  }
}
