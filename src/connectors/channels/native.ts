import { DomainError } from '../../domain/errors.js';

/** A canonical event as an adapter produces it; the route adds the source and submits it. */
export interface CanonicalEvent {
  sourceEventId: string;
  type: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

/**
 * Reads a field of a native payload by path. A missing required field is a 422 naming the field in the
 * sender's own words (`line_items[0].sku`), so an integrator can fix the sender, not guess.
 */
export function field(obj: unknown, path: string, opts: { required: true }): unknown;
export function field(obj: unknown, path: string, opts?: { required?: boolean }): unknown;
export function field(obj: unknown, path: string, opts: { required?: boolean } = {}): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    const m = /^([^[\]]+)(?:\[(\d+)\])?$/.exec(part);
    if (!m) throw new Error(`bad field path ${path}`);
    cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[m[1]!] : undefined;
    if (m[2] !== undefined) cur = Array.isArray(cur) ? cur[Number(m[2])] : undefined;
  }
  if (opts.required && (cur === undefined || cur === null || cur === '')) throw missing(path);
  return cur;
}

export function missing(path: string): DomainError {
  return new DomainError('E_SCHEMA', `required field ${path} is missing`, { issues: [{ path, message: 'required' }] });
}

export const str = (obj: unknown, path: string): string => String(field(obj, path, { required: true }));
export const num = (obj: unknown, path: string): number => {
  const v = Number(field(obj, path, { required: true }));
  if (!Number.isFinite(v)) throw new DomainError('E_SCHEMA', `field ${path} must be a number`, { issues: [{ path, message: 'not a number' }] });
  return v;
};
export const list = (obj: unknown, path: string): unknown[] => {
  const v = field(obj, path, { required: true });
  if (!Array.isArray(v) || v.length === 0) throw new DomainError('E_SCHEMA', `field ${path} must be a non-empty list`, { issues: [{ path, message: 'expected a non-empty array' }] });
  return v;
};
/**
 * A list the sender may leave out (a till batch with no returns): absent is empty, anything but an
 * array is a 422 naming the field, never a crash on a string or an object where a list belongs.
 */
export const optList = (obj: unknown, path: string): unknown[] => {
  const v = field(obj, path);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DomainError('E_SCHEMA', `field ${path} must be a list`, { issues: [{ path, message: 'expected an array' }] });
  return v;
};
export const optStr = (obj: unknown, path: string): string | undefined => {
  const v = field(obj, path);
  return v === undefined || v === null || v === '' ? undefined : String(v);
};
export const optNum = (obj: unknown, path: string): number | undefined => {
  const v = field(obj, path);
  return v === undefined || v === null || v === '' || !Number.isFinite(Number(v)) ? undefined : Number(v);
};

/**
 * A channel label → our word: the source's own status map first (operators extend it without a
 * release), then the adapter's defaults. A label with no mapping is an error, recorded and surfaced
 * (E_UNKNOWN_STATUS), never guessed.
 */
export function mapStatus(label: string, path: string, defaults: Readonly<Record<string, string>>, overrides: Readonly<Record<string, string>>): string {
  // Own keys only: a sender's label 'constructor' or 'toString' must not find Object.prototype's members.
  const v = Object.hasOwn(overrides, label) ? overrides[label] : Object.hasOwn(defaults, label) ? defaults[label] : undefined;
  if (typeof v !== 'string') throw new DomainError('E_UNKNOWN_STATUS', `no status mapping for ${path} '${label}'`, { issues: [{ path, message: `unmapped label '${label}'` }], detail: { label } });
  return v;
}

export const iso = (v: unknown, fallback: number): string => {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return new Date(Number.isNaN(t) ? fallback : t).toISOString();
};
