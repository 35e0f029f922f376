import type { OdooFailureKind } from './errors.js';

/**
 * Which failure class an Odoo exception belongs to, by its dotted class name first (the only stable
 * signal JSON-RPC gives: it always answers HTTP 200), by HTTP status second.
 */
const BY_NAME: Record<string, OdooFailureKind> = {
  // Concurrency: Odoo already retried 5 times server-side; a later attempt usually passes.
  'psycopg2.errors.SerializationFailure': 'transient',
  'psycopg2.errors.DeadlockDetected': 'transient',
  'psycopg2.errors.LockNotAvailable': 'transient',
  'psycopg2.OperationalError': 'transient',
  'psycopg2.InterfaceError': 'transient',
  'odoo.exceptions.LockError': 'transient',
  'odoo.exceptions.ConcurrencyError': 'transient',
  'werkzeug.exceptions.ServiceUnavailable': 'transient',
  'werkzeug.exceptions.TooManyRequests': 'transient',
  'werkzeug.exceptions.RequestTimeout': 'transient',
  // Credentials: every later call fails the same way until someone fixes the key.
  'odoo.exceptions.AccessDenied': 'auth',
  'werkzeug.exceptions.Unauthorized': 'auth',
  'odoo.http.SessionExpiredException': 'auth',
  // The request itself is wrong for this database: retrying sends the same wrong request.
  'odoo.exceptions.ValidationError': 'permanent',
  'odoo.exceptions.UserError': 'permanent',
  'odoo.exceptions.MissingError': 'permanent',
  'odoo.exceptions.AccessError': 'permanent',
  'odoo.exceptions.RedirectWarning': 'permanent',
  'builtins.AttributeError': 'permanent',
  'werkzeug.exceptions.NotFound': 'permanent',
  'werkzeug.exceptions.UnprocessableEntity': 'permanent',
  'werkzeug.exceptions.BadRequest': 'permanent',
  'werkzeug.exceptions.Forbidden': 'permanent',
  'werkzeug.exceptions.MethodNotAllowed': 'permanent',
};

export function classifyOdooException(name: string, httpStatus?: number): OdooFailureKind {
  const known = BY_NAME[name];
  if (known) return known;
  // Any other Python built-in (TypeError, KeyError, ValueError) or Odoo exception is a bug or a
  // business refusal; neither goes away by itself.
  if (name.startsWith('builtins.') || name.startsWith('odoo.exceptions.')) return 'permanent';
  if (name.startsWith('psycopg2.errors.') && /Violation$/.test(name)) return 'permanent';
  return classifyHttpStatus(httpStatus);
}

/**
 * Without a usable exception name. Odoo maps every unexpected exception to 500, so an unknown failure
 * with no status (JSON-RPC) is treated like one: transient, bounded by the caller's retry budget.
 */
export function classifyHttpStatus(status: number | undefined): OdooFailureKind {
  if (status === undefined || status >= 500 || status === 408 || status === 409 || status === 429) return 'transient';
  if (status === 401) return 'auth';
  return 'permanent';
}
