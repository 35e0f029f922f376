import type { OdooTransportName } from './errors.js';

/**
 * Keyword arguments of an ORM method, named as in Odoo (domain, fields, vals_list, vals, limit, order…).
 * `ids` is the record set for record methods (read, write, action_confirm); `context` the ORM context.
 * JSON-2 sends them as the body; JSON-RPC moves `ids` to positional argument 0 of execute_kw.
 */
export interface OdooKwargs {
  ids?: readonly number[];
  context?: Record<string, unknown>;
  [kw: string]: unknown;
}

export interface OdooClient {
  readonly transport: OdooTransportName;
  /**
   * Calls `model.method`. Resolves to the JSON result (`null` when the method returned None);
   * rejects with OdooTransientError / OdooPermanentError / OdooAuthError. Never retries by itself:
   * a lost answer to a `create` must not become a second record (see operations/).
   */
  call<T = unknown>(model: string, method: string, kwargs?: OdooKwargs): Promise<T>;
}

/** Many-to-one values as `read` returns them. */
export type Many2one = [number, string] | false;

export const many2oneId = (v: unknown): number | null => (Array.isArray(v) && typeof v[0] === 'number' ? v[0] : null);
export const many2oneName = (v: unknown): string | null => (Array.isArray(v) && typeof v[1] === 'string' ? v[1] : null);
/** Odoo reads an empty char/selection as `false`. */
export const textOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
