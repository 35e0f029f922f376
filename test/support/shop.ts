import type { StoreFactory } from './stores.js';
import { envelope, startTestApp, type TestApp } from './app.js';

/** A DC and a store as most order tests know them (local time UTC+1; the store takes pickups). */
export const DC_TILBURG = { id: 'dc', name: 'DC Tilburg', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 };
export const STORE_AMSTERDAM = { id: 'store-ams', name: 'Store Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 };

export type ShopStock = Record<string, Array<{ sku: string; onHand: number; protected?: number }>>;

/**
 * An app on a test clock with its locations and stock in place: quick retries, and the availability
 * publisher a minute apart (tests that want figures publish themselves).
 */
export async function startShop(factory: StoreFactory, clock: () => number, locations: readonly Record<string, unknown>[], stock: ShopStock = {}): Promise<TestApp> {
  const t = await startTestApp(factory, { clock, config: { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 } });
  for (const l of locations) await t.send(envelope({ type: 'location.upserted', payload: l }));
  for (const [locationId, counts] of Object.entries(stock)) await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId, counts } }));
  return t;
}

/**
 * A web order for standard delivery to central Amsterdam, lines numbered from 1, paid as given
 * (authorized by default) for what its lines cost.
 */
export function webOrder(ext: string, lines: ReadonlyArray<{ sku: string; qty: number; unitPrice: number }>, payment = 'authorized'): Record<string, unknown> {
  return envelope({
    type: 'order.placed',
    payload: {
      externalOrderId: ext, customer: { id: `c-${ext}`, email: 'kim@example.com' }, currency: 'EUR',
      lines: lines.map((l, i) => ({ lineId: String(i + 1), ...l })),
      shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } },
      payment: { status: payment, amount: lines.reduce((n, l) => n + l.qty * l.unitPrice, 0) },
    },
  });
}
