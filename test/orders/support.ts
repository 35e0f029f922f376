import { envelope, type TestApp } from '../support/app.js';

// Shared by the order tests that stop an order and route it again (by hand, or when its payment fails).

/** 2026-11-30 09:00 UTC = 10:00 local (+60): before every cut-off. */
export const T0 = Date.parse('2026-11-30T09:00:00Z');
export const TENT = { lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 };
export const MAT = { lineId: '2', sku: 'MAT', qty: 1, unitPrice: 20 };

/** A web order (a tent by default), authorized for 140, for standard delivery in Amsterdam; `over` replaces payload fields. */
export function order(ext: string, lines: unknown[] = [TENT], over: Record<string, unknown> = {}) {
  return envelope({
    type: 'order.placed',
    payload: {
      externalOrderId: ext, customer: { id: `c-${ext}`, email: 'kim@example.com' }, lines, currency: 'EUR',
      shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 140 }, ...over,
    },
  });
}

/** Units of `sku` reserved at a location (0 when it has no stock row). */
export async function reservedAt(t: TestApp, sku: string, locationId: string): Promise<number> {
  return Number((await t.app.store.read.get<{ n: number }>('SELECT reserved AS n FROM stock WHERE sku = ? AND location_id = ?', [sku, locationId]))?.n ?? 0);
}
