import { envelope } from '../support/app.js';

// Shared by the stock timing tests: a day's clock times, and an order of tents at the store.
export const at = (hhmm: string) => Date.parse(`2026-11-30T${hhmm}:00Z`);
export const iso = (ms: number) => new Date(ms).toISOString();

export const order = (ext: string, qty: number) => envelope({
  type: 'order.placed',
  payload: {
    externalOrderId: ext, customer: { id: `c-${ext}`, email: 'kim@example.com' }, lines: [{ lineId: '1', sku: 'TENT', qty, unitPrice: 120 }], currency: 'EUR',
    shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 120 * qty },
  },
});
