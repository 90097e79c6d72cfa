/** gRPC status codes used by the API (google.rpc.Code). */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const
export type Code = (typeof Code)[keyof typeof Code]

/** The gRPC-to-HTTP mapping of the transcoder the API was built behind. */
const HTTP_STATUS: Record<number, number> = {
  [Code.CANCELLED]: 499,
  [Code.UNKNOWN]: 500,
  [Code.INVALID_ARGUMENT]: 400,
  [Code.DEADLINE_EXCEEDED]: 504,
  [Code.NOT_FOUND]: 404,
  [Code.ALREADY_EXISTS]: 409,
  [Code.PERMISSION_DENIED]: 403,
  [Code.RESOURCE_EXHAUSTED]: 429,
  [Code.FAILED_PRECONDITION]: 400,
  [Code.ABORTED]: 409,
  [Code.OUT_OF_RANGE]: 400,
  [Code.UNIMPLEMENTED]: 501,
  [Code.INTERNAL]: 500,
  [Code.UNAVAILABLE]: 503,
  [Code.UNAUTHENTICATED]: 401,
}

export interface FieldViolation {
  field: string
  description: string
}

export type StatusDetail = { '@type': string; [key: string]: unknown }

export const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest'

/** The one expected-error type: services throw it, one handler turns it into google.rpc.Status. */
export class AppError extends Error {
  readonly code: Code
  readonly details: StatusDetail[]
  /** Overrides the mapped HTTP status where HTTP has a more precise one (413). */
  readonly httpStatus?: number

  constructor(code: Code, message: string, details: StatusDetail[] = [], httpStatus?: number) {
    super(message)
    this.name = 'AppError'
    this.code = code
    this.details = details
    this.httpStatus = httpStatus
  }

  get status(): number {
    return this.httpStatus ?? HTTP_STATUS[this.code] ?? 500
  }

  toStatus(): { code: number; message: string; details: StatusDetail[] } {
    return { code: this.code, message: this.message, details: this.details }
  }
}

export function invalidArgument(message: string, violations: FieldViolation[] = []): AppError {
  const details = violations.length
    ? [{ '@type': BAD_REQUEST_TYPE, fieldViolations: violations }]
    : []
  return new AppError(Code.INVALID_ARGUMENT, message, details)
}

export function fieldError(field: string, description: string): AppError {
  return invalidArgument(`${field}: ${description}`, [{ field, description }])
}

export function notFound(kind: string, id: string): AppError {
  return new AppError(Code.NOT_FOUND, `${kind} ${JSON.stringify(id)} not found`)
}

export function failedPrecondition(message: string): AppError {
  return new AppError(Code.FAILED_PRECONDITION, message)
}

export function alreadyExists(message: string): AppError {
  return new AppError(Code.ALREADY_EXISTS, message)
}

export function aborted(message: string): AppError {
  return new AppError(Code.ABORTED, message)
}

export function deadlineExceeded(message: string): AppError {
  return new AppError(Code.DEADLINE_EXCEEDED, message)
}

export function unauthenticated(message = 'missing or invalid API key'): AppError {
  return new AppError(Code.UNAUTHENTICATED, message)
}

export function permissionDenied(message: string): AppError {
  return new AppError(Code.PERMISSION_DENIED, message)
}

export const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo'

/** 429 (code 8) with a google.rpc.RetryInfo detail; the HTTP layer adds `Retry-After` from it. */
export function rateLimited(message: string, retryAfterMs: number): AppError {
  return new AppError(Code.RESOURCE_EXHAUSTED, message, [
    { '@type': RETRY_INFO_TYPE, retryDelay: `${(retryAfterMs / 1000).toFixed(3)}s` },
  ])
}

/**
 * `Retry-After` (whole seconds, at least 1) and `retry-after-ms` for an error carrying RetryInfo,
 * as HTTP and the Stainless clients read them; empty for any other error.
 */
export function retryAfterHeaders(err: AppError): Record<string, string> {
  const info = err.details.find((d) => d['@type'] === RETRY_INFO_TYPE)
  const seconds = typeof info?.retryDelay === 'string' ? parseFloat(info.retryDelay) : NaN
  if (!Number.isFinite(seconds)) return {}
  return {
    'retry-after': String(Math.max(1, Math.ceil(seconds))),
    'retry-after-ms': String(Math.ceil(seconds * 1000)),
  }
}
