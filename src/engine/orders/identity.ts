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

/**
 * Velocity per address: country + postcode (or coordinates), normalised, hashed. An address with
 * neither names a country, not a place — every till sale and many pickup orders look like that — so
 * its key is the order's own and it counts no other order (before, every such order of a country
 * counted every other one, and the address-velocity factor fired on all of them at once).
 */
export function addressKey(address: { country: string; postcode?: string; lat?: number; lon?: number }, orderId: string): string {
  const where = address.postcode?.replace(/\s+/g, '').toUpperCase() ?? (address.lat !== undefined ? `${address.lat.toFixed(3)},${address.lon?.toFixed(3)}` : null);
  return sha256Hex(where === null ? `order|${orderId}` : `${address.country.toUpperCase()}|${where}`).slice(0, 24);
}
