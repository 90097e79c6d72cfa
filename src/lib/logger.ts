import { pino, type Logger } from 'pino'

export type { Logger }

/** Paths whose values never reach a log line, wherever they appear. */
const REDACT = [
  'token',
  'apiKey',
  'password',
  'secret',
  'value',
  'authorization',
  '*.token',
  '*.apiKey',
  '*.secret',
  '*.secrets',
  '*.value',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
]

/** pino JSON logs (pretty on a TTY), with secret redaction. */
export function createLogger(level: string, pretty = process.stdout.isTTY): Logger {
  return pino({
    level,
    redact: { paths: REDACT, censor: '***' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  })
}
