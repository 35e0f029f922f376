import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

// 2026-11-30 09:00 UTC = 10:00 local (+60): before every cut-off.
const T0 = Date.parse('2026-11-30T09:00:00Z');
const STORE = { id: 'store-ams', name: 'Store Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 };

const order = (ext: string, qty: number) => envelope({
  type: 'order.placed',
  payload: {
    externalOrderId: ext, customer: { id: `c-${ext}`, email: 'kim@example.com' }, lines: [{ lineId: '1', sku: 'TENT', qty, unitPrice: 120 }], currency: 'EUR',
    shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: 'authorized', amount: 120 * qty },
  },
});
const count = (counts: unknown[]) => envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts } });
const adjust = (delta: number, reason: string) => envelope({ type: 'inventory.adjusted', payload: { locationId: 'store-ams', sku: 'TENT', delta, reason } });

for (const factory of storeFactories()) {
  describe(`stock truth under counts and adjustments: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    async function setup(counts: unknown[]) {
      t = await startTestApp(factory, { clock: () => T0, config: { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 } });
      await t.send(envelope({ type: 'location.upserted', payload: STORE }));
      await t.send(count(counts));
    }
    const stock = async () => t.app.store.read.get<{ on_hand: number; reserved: number; protected: number }>(
      `SELECT on_hand, reserved, protected FROM stock WHERE sku = 'TENT' AND location_id = 'store-ams'`);
    const discrepancies = async () => (await t.app.store.read.all<{ subject: string; detail: string }>(
      `SELECT subject, detail FROM exceptions WHERE queue = 'reconciliation_discrepancy' AND state = 'open'`)).map((r) => ({ subject: r.subject, detail: JSON.parse(r.detail) }));

    /** The order's units in a picker's hands: no short count takes them back (test/orders/stock-short.test.ts has waiting orders). */
    async function picked(ext: string) {
      const o = (await t.api('GET', `/v1/orders/${orderIdFor('web', ext)}`, t.adminKey)).body;
      const key = await t.keyFor('store_manager');
      for (const step of ['accept', 'pick']) expect((await t.api('POST', `/v1/fulfilments/${o.fulfilments[0].id}/${step}`, key, {})).status).toBe(200);
      await t.drained();
    }

    it('a count below what picked orders reserved keeps the reservations and tells inventory control which stock is short', async () => {
      await setup([{ sku: 'TENT', onHand: 5 }]);
      await t.send(order('R-1', 4));
      expect(await stock()).toEqual({ on_hand: 5, reserved: 4, protected: 0 });
      await picked('R-1');

      await t.send(count([{ sku: 'TENT', onHand: 1 }]));
      await t.drained();
      // The shelf is what was counted; the order's reservation is not silently dropped.
      expect(await stock()).toEqual({ on_hand: 1, reserved: 4, protected: 0 });
      expect(await discrepancies()).toEqual([
        { subject: 'stock:TENT@store-ams', detail: expect.objectContaining({ kind: 'reserved_short', onHand: 1, reservedForOrders: 4, short: 3 }) },
      ]);
    });

    it('a shrink below what picked orders reserved does the same', async () => {
      await setup([{ sku: 'TENT', onHand: 5 }]);
      await t.send(order('R-1', 4));
      await picked('R-1');
      await t.send(adjust(-3, 'shrink'));
      await t.drained();
      expect(await stock()).toEqual({ on_hand: 2, reserved: 4, protected: 0 });
      expect(await discrepancies()).toEqual([
        { subject: 'stock:TENT@store-ams', detail: expect.objectContaining({ kind: 'reserved_short', onHand: 2, reservedForOrders: 4, short: 2 }) },
      ]);
    });

    it('protected stock shrinks with the shelf: a damage or a lower count leaves no more protected than is there unreserved', async () => {
      await setup([{ sku: 'TENT', onHand: 5, protected: 3 }]);
      await t.send(adjust(-4, 'damage'));
      expect(await stock()).toEqual({ on_hand: 1, reserved: 0, protected: 1 });
      await t.send(count([{ sku: 'TENT', onHand: 6, protected: 4 }]));
      await t.send(order('R-1', 2));
      await t.send(count([{ sku: 'TENT', onHand: 4 }])); // 2 reserved: 2 left to protect
      expect(await stock()).toEqual({ on_hand: 4, reserved: 2, protected: 2 });
      expect(await discrepancies()).toEqual([]);
    });

    it('a sku counted twice in one snapshot ends as its later line says, also when that is what was held', async () => {
      await setup([{ sku: 'TENT', onHand: 5 }]);
      await t.send(count([{ sku: 'TENT', onHand: 9 }, { sku: 'TENT', onHand: 5 }]));
      expect((await stock())?.on_hand).toBe(5);
    });

    it('a shrink or damage reported as a positive number is refused at intake, not added to the shelf', async () => {
      await setup([{ sku: 'TENT', onHand: 5 }]);
      for (const reason of ['shrink', 'damage']) {
        const r = await t.postEvents(adjust(3, reason));
        expect(r.status, JSON.stringify(r.body)).toBe(422);
        expect(r.body).toMatchObject({ code: 'E_SCHEMA', errors: [expect.objectContaining({ path: 'payload.delta' })] });
      }
      expect((await stock())?.on_hand).toBe(5);
      // A receipt or a correction may still go either way.
      await t.send(adjust(-1, 'correction'));
      expect((await stock())?.on_hand).toBe(4);
    });
  });
}
