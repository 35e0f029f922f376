import { sha256Hex } from '../../domain/canonical-json.js';

/**
 * An order's id is derived from its identity (channel, external order id): the same order sent
 * again under another event id finds the same row, and a replay rebuilds the same ids.
 */
export function orderIdFor(source: string, externalOrderId: string): string {
  return `ord_${sha256Hex(`${source}\u0000${externalOrderId}`).slice(0, 24)}`;
}

export function orderSubject(source: string, externalOrderId: string): string {
  return `order:${source}:${externalOrderId}`;
}

/** Velocity per address: country + postcode (or coordinates), normalised, hashed. */
export function addressKey(address: { country: string; postcode?: string; lat?: number; lon?: number }): string {
  const where = address.postcode?.replace(/\s+/g, '').toUpperCase() ?? (address.lat !== undefined ? `${address.lat.toFixed(3)},${address.lon?.toFixed(3)}` : '');
  return sha256Hex(`${address.country.toUpperCase()}|${where}`).slice(0, 24);
}
