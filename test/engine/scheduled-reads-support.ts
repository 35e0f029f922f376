// Shared by the tests of scheduled reads (off the write lock, and in a process or thread of their own):
// the app they start and the order history the anomaly scan reads.
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { webOrder } from '../support/shop.js';
import type { StoreFactory } from '../support/stores.js';
import { insertOrder } from '../../src/store/repos/orders.js';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const T0 = Date.parse('2026-11-30T09:00:00Z');
export const LOCATION = { id: 'dc', name: 'DC Tilburg', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 600, shipSlaMinutes: 2880 };

/**
 * An app on the caller's clock whose own scheduler is stopped (it fired T0's slots at start; from
 * then on the tests fire them), with the DC, 10 mats and one web order of 2, all processed.
 */
export async function startWithSchedulerStopped(factory: StoreFactory, clock: () => number, config?: Record<string, unknown>): Promise<TestApp> {
  const t = await startTestApp(factory, { clock, ...(config ? { config } : {}) });
  try {
    t.app.scheduler.stop();
    await t.app.scheduler.idle();
    await t.send(envelope({ type: 'location.upserted', payload: LOCATION }));
    await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'MAT', onHand: 10 }] } }));
    await t.send(webOrder('S-1', [{ sku: 'MAT', qty: 2, unitPrice: 40 }]));
    await t.drained();
    return t;
  } catch (e) {
    await t.close();
    throw e;
  }
}

/**
 * 60 days of one delivered order a day before T0's day, and yesterday 15 of them, 8 from one
 * customer: the anomaly scan finds a demand spike and a burst. Answers T0's day (its midnight, UTC).
 */
export async function seedOrderHistory(t: TestApp): Promise<number> {
  const today = Math.floor(T0 / DAY) * DAY;
  await t.app.store.transaction(async (tx) => {
    let n = 0;
    for (let d = 60; d >= 1; d--) {
      for (let i = 0; i < (d === 1 ? 15 : 1); i++) {
        const id = `ord-h-${n++}`;
        const placedMs = today - d * DAY + HOUR + i * 60_000;
        await insertOrder(tx, {
          id, source: 'web', externalOrderId: id, state: 'delivered', holdReason: null, customerId: d === 1 && i < 8 ? 'c-burst' : `c-${n}`, addressKey: `addr-${n}`,
          total: 40, currency: 'EUR', placedMs, promisedByMs: null,
          doc: { placed: { lines: [{ lineId: '1', sku: 'KETTLE', qty: 2, unitPrice: 20 }] }, paymentStatus: 'captured', routing: [], excludedLocationIds: [], history: [] },
        }, new Date(placedMs).toISOString());
      }
    }
  });
  return today;
}
