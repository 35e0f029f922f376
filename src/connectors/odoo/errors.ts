/**
 * Failure classes of an Odoo call, kept apart because the caller acts differently on each:
 * transient → retry with backoff; permanent → dead-letter now (retrying cannot fix it);
 * auth → stop the integration and alert (every following call would fail the same way).
 * The Odoo exception name and message are kept verbatim for the dead-letter row and the operator.
 */
export type OdooFailureKind = 'transient' | 'permanent' | 'auth';
export type OdooTransportName = 'json2' | 'jsonrpc';

export interface OdooFailureDetail {
  /** Odoo's exception class (`odoo.exceptions.UserError`), or a client-side marker (`network.ECONNRESET`, `timeout`, `login.refused`). */
  exceptionName: string;
  /** The message Odoo gave (user text), or the client-side cause. */
  odooMessage: string;
  transport: OdooTransportName;
  httpStatus?: number;
  model?: string;
  method?: string;
  /** From a Retry-After header, when the peer sent one. */
  retryAfterMs?: number;
}

export abstract class OdooError extends Error {
  abstract readonly kind: OdooFailureKind;
  readonly exceptionName: string;
  readonly odooMessage: string;
  readonly transport: OdooTransportName;
  readonly httpStatus?: number;
  readonly model?: string;
  readonly method?: string;
  readonly retryAfterMs?: number;

  constructor(d: OdooFailureDetail) {
    super(`${d.model && d.method ? `${d.model}.${d.method}: ` : ''}${d.exceptionName}: ${d.odooMessage}`);
    this.exceptionName = d.exceptionName;
    this.odooMessage = d.odooMessage;
    this.transport = d.transport;
    this.httpStatus = d.httpStatus;
    this.model = d.model;
    this.method = d.method;
    this.retryAfterMs = d.retryAfterMs;
  }
}

export class OdooTransientError extends OdooError {
  readonly kind = 'transient' as const;
  override readonly name = 'OdooTransientError';
}
export class OdooPermanentError extends OdooError {
  readonly kind = 'permanent' as const;
  override readonly name = 'OdooPermanentError';
}
export class OdooAuthError extends OdooError {
  readonly kind = 'auth' as const;
  override readonly name = 'OdooAuthError';
}

export function odooError(kind: OdooFailureKind, d: OdooFailureDetail): OdooError {
  if (kind === 'transient') return new OdooTransientError(d);
  if (kind === 'auth') return new OdooAuthError(d);
  return new OdooPermanentError(d);
}

export function isOdooError(e: unknown): e is OdooError {
  return e instanceof OdooError;
}
