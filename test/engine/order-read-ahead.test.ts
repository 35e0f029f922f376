import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { getStock } from '../../src/store/repos/stock.js';
import { orderById } from '../../src/store/repos/orders.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

/**
 * A batch's new orders read their facts and stock ahead, in one statement, and their rows and
 * reservations are held back and written together (PostgreSQL; on SQLite each order reads and writes
 * its own). An order must still see what the events before it in the same batch did: an earlier
 * order of its customer (velocity), reservations of its skus, a count that changed them, an order
 * with its identity. Runs on both stores: the answers must be the same.
 */
const T0 = Date.parse('2026-11-30T09:00:00Z');
const DC = { id: 'dc', name: 'DC', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 };

const order = (ext: string, customer: string, sku: string, qty: number) => envelope({
  type: 'order.placed',
  occurredAt: new Date(T0).toISOString(),
  payload: {
    externalOrderId: ext,
    customer: { id: customer },
    lines: [{ lineId: '1', sku, qty, unitPrice: 50 }],
    currency: 'EUR',
    shipping: { method: 'standard', address: { country: 'NL', postcode: `${customer}-home`, lat: 52.37, lon: 4.9 } },
    payment: { status: 'authorized', amount: 50 * qty },
  },
});
const count = (counts: Array<{ sku: string; onHand: number }>) => envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts } });

for (const factory of storeFactories()) {
  describe(`new orders read ahead in a batch: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    const stored = (ext: string) => orderById(t.app.store.read, orderIdFor('web', ext));
    const velocity = async (ext: string) => {
      const fraud = (await stored(ext))?.doc.fraud as { factors: Array<{ factor: string; detail: string }> };
      return fraud.factors.find((f) => f.factor === 'customer_velocity')?.detail.split(' ')[0];
    };

    it('each order in a batch sees the orders, reservations and counts before it', async () => {
      t = await startTestApp(factory, { dispatcher: false, clock: () => T0, config: { dispatch: { batchSize: 256, batchBudgetMs: 10_000 } } }); // one batch for all
      await t.take(envelope({ type: 'location.upserted', payload: DC }));
      await t.take(count([{ sku: 'TENT', onHand: 5 }, { sku: 'MAT', onHand: 10 }]));
      await t.take(order('W-0', 'kim', 'MAT', 1)); // kim's earlier order
      while ((await t.app.dispatcher.runOnce()) > 0);

      await t.take(order('W-1', 'kim', 'TENT', 2)); // counts W-0
      await t.take(order('W-2', 'kim', 'MAT', 1)); // counts W-0 and W-1, placed in this batch
      await t.take(order('W-3', 'sam', 'TENT', 3)); // the last 3 after W-1's 2
      await t.take(order('W-1', 'kim', 'TENT', 2)); // W-1 again under another event id: the same order
      await t.take(order('W-4', 'ada', 'TENT', 1)); // none left: backordered
      await t.take(count([{ sku: 'TENT', onHand: 6 }])); // one more
      await t.take(order('W-5', 'bo', 'TENT', 1)); // takes it
      await t.take(order('W-6', 'cy', 'TENT', 1)); // none left again
      expect(await t.app.dispatcher.runOnce()).toBeGreaterThanOrEqual(8); // SQLite runs the orders' follow-ups in the same batch
      const inbound = await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE status = 'pending' AND type IN ('order.placed', 'inventory.snapshot')`);
      expect(Number(inbound?.n)).toBe(0);
      while ((await t.app.dispatcher.runOnce()) > 0); // the follow-ups (order.routed → ERP push)

      const states = await Promise.all(['W-1', 'W-2', 'W-3', 'W-4', 'W-5', 'W-6'].map(async (ext) => (await stored(ext))?.state));
      expect(states).toEqual(['allocated', 'allocated', 'allocated', 'backordered', 'allocated', 'backordered']);
      expect(await velocity('W-1')).toBe('1');
      expect(await velocity('W-2')).toBe('2');
      expect(await velocity('W-3')).toBe('0');
      expect((await stored('W-2'))?.doc.history.length).toBeGreaterThan(1);
      expect(await getStock(t.app.store.read, 'TENT', 'dc')).toMatchObject({ onHand: 6, reserved: 6 });
      expect(await getStock(t.app.store.read, 'MAT', 'dc')).toMatchObject({ onHand: 10, reserved: 2 });
      const reservations = await t.app.store.read.all<{ sku: string; n: number; qty: number }>(
        `SELECT sku, COUNT(*) AS n, SUM(qty) AS qty FROM reservations WHERE status = 'active' GROUP BY sku ORDER BY sku`,
      );
      expect(reservations.map((r) => [r.sku, Number(r.n), Number(r.qty)])).toEqual([['MAT', 2, 2], ['TENT', 3, 6]]);
      const orders = await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM orders`);
      expect(Number(orders?.n)).toBe(7);
      const capacity = await t.app.store.read.get<{ used: number }>(`SELECT SUM(used) AS used FROM location_capacity`);
      expect(Number(capacity?.used)).toBe(5); // W-0, W-1, W-2, W-3, W-5
      const failed = await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE status <> 'processed' OR attempts > 1`);
      expect(Number(failed?.n)).toBe(0);
    });
  });
}
