/**
 * Errors are values with stable codes. Expected business outcomes (insufficient stock, a duplicate)
 * are returned as results; a DomainError is thrown only to abort a request or command with a code
 * a client can act on. The HTTP layer turns it into RFC 9457 problem+json; the CLI prints the code.
 */
export type ErrorCode =
  | 'E_SCHEMA'
  | 'E_MALFORMED_JSON'
  | 'E_TOO_LARGE'
  | 'E_TOO_DEEP'
  | 'E_UNSUPPORTED_MEDIA_TYPE'
  | 'E_UNKNOWN_TYPE'
  | 'E_UNKNOWN_SOURCE'
  | 'E_SOURCE_MISMATCH'
  | 'E_SOURCE_NOT_ALLOWED'
  | 'E_SIGNATURE'
  | 'E_AUTH'
  | 'E_ROLE'
  | 'E_CSRF'
  | 'E_SOD'
  | 'E_NOT_FOUND'
  | 'E_CONFLICT'
  | 'E_IDEMPOTENCY_MISMATCH'
  | 'E_ALREADY_DECIDED'
  | 'E_INVALID_STATE'
  | 'E_NOT_NEW_IN_DEFAULTS'
  | 'E_NOT_DECLINED'
  | 'E_UNKNOWN_STATUS'
  | 'E_CONFIG'
  | 'E_RATE_LIMITED'
  | 'E_UNAVAILABLE'
  | 'E_USAGE'
  | 'E_INTERNAL';

const HTTP_STATUS: Record<ErrorCode, number> = {
  E_SCHEMA: 422,
  E_MALFORMED_JSON: 400,
  E_TOO_LARGE: 413,
  E_TOO_DEEP: 400,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_UNKNOWN_TYPE: 422,
  E_UNKNOWN_SOURCE: 401,
  E_SOURCE_MISMATCH: 403,
  E_SOURCE_NOT_ALLOWED: 403,
  E_SIGNATURE: 401,
  E_AUTH: 401,
  E_ROLE: 403,
  E_CSRF: 403,
  E_SOD: 403,
  E_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_IDEMPOTENCY_MISMATCH: 409,
  E_ALREADY_DECIDED: 409,
  E_INVALID_STATE: 409,
  E_NOT_NEW_IN_DEFAULTS: 409,
  E_NOT_DECLINED: 409,
  E_UNKNOWN_STATUS: 422,
  E_CONFIG: 500,
  E_RATE_LIMITED: 429,
  E_UNAVAILABLE: 503,
  E_USAGE: 400,
  E_INTERNAL: 500,
};

export interface FieldIssue {
  path: string;
  message: string;
}

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues?: FieldIssue[];
  readonly detail?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, extra: { issues?: FieldIssue[]; detail?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.status = HTTP_STATUS[code];
    this.issues = extra.issues;
    this.detail = extra.detail;
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}
