import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM, startShop, type ShopStock } from '../support/shop.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { signBody } from '../../src/domain/security/signature.js';

// 2026-11-30 09:00 UTC = 10:00 local (+60): the stores are open.
const T0 = Date.parse('2026-11-30T09:00:00Z');
const LOCATIONS = [DC_TILBURG, STORE_AMSTERDAM];

/** One till sale as a POS batch carries it. */
const sale = (receiptId: string, lines: Array<{ sku: string; qty: number; unitPrice: number }>, at = '2026-11-30T09:00:00Z') => ({ receiptId, at, lines });

for (const factory of storeFactories()) {
  describe(`sales handed over at a store's till: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup(stock: ShopStock) {
      now = T0;
      t = await startShop(factory, () => now, LOCATIONS, stock);
    }
    async function till(body: Record<string, unknown>) {
      const full = { storeId: 'store-ams', currency: 'EUR', country: 'NL', ...body };
      const raw = JSON.stringify(full);
      const res = await fetch(`${t.url}/v1/adapters/pos/web`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'omniops-signature': signBody(t.secret, raw, Math.floor(now / 1000)) }, body: raw,
      });
      const out = { status: res.status, body: (await res.json()) as any };
      await t.drained();
      return out;
    }
    const orderOf = async (receiptId: string) => (await t.api('GET', `/v1/orders/${orderIdFor('web', `store-ams-${receiptId}`)}`, t.adminKey)).body;
    const stockAt = async (sku: string, locationId: string) =>
      t.app.store.read.get<{ on_hand: number; reserved: number; protected: number }>('SELECT on_hand, reserved, protected FROM stock WHERE sku = ? AND location_id = ?', [sku, locationId]);
    const outboxOf = async (orderId: string) =>
      t.app.store.read.all<{ destination: string; payload: string }>(`SELECT destination, payload FROM outbox WHERE payload LIKE ? ORDER BY seq`, [`%${orderId}%`]);

    it('is delivered at once by its store: the units leave that shelf, nothing waits in a worklist, takes capacity, is rerouted or told to the customer; the ERP books it; a resent batch and a till return work', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 3, protected: 2 }], dc: [{ sku: 'TENT', onHand: 5 }] });
      const first = await till({ sales: [sale('R-1', [{ sku: 'TENT', qty: 2, unitPrice: 120 }])] });
      expect(first.status, JSON.stringify(first.body)).toBe(202);

      const o = await orderOf('R-1');
      expect([o.state, o.fraud]).toEqual(['delivered', null]);
      expect(o.fulfilments.map((f: { locationId: string; state: string }) => `${f.locationId}:${f.state}`)).toEqual(['store-ams:delivered']);
      expect(o.lines[0].allocations).toEqual([expect.objectContaining({ locationId: 'store-ams', qty: 2, reservation: 'consumed' })]);
      expect(o.history.map((x: { to: string }) => x.to)).toEqual(['received', 'validated', 'delivered']);
      // Walk-in customers are what protected stock is kept for: the sale takes it, and what is left stays protected.
      expect(await stockAt('TENT', 'store-ams')).toEqual({ on_hand: 1, reserved: 0, protected: 1 });
      expect(await stockAt('TENT', 'dc')).toEqual({ on_hand: 5, reserved: 0, protected: 0 });

      const staff = await t.keyFor('store_manager');
      expect((await t.api('GET', '/v1/fulfilments?location=store-ams&state=assigned', staff)).body.items).toEqual([]);
      const capacity = await t.app.store.read.get<{ used: number }>(`SELECT SUM(used) AS used FROM location_capacity WHERE location_id = 'store-ams'`);
      expect(Number(capacity?.used ?? 0)).toBe(0);
      const out = await outboxOf(o.id);
      expect(out.map((r) => r.destination)).toEqual(['erp:sale_order']);
      expect(JSON.parse(out[0]!.payload)).toMatchObject({ pushKey: o.id, locationId: 'store-ams', lines: [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 120 }] });

      // Hours pass: no deadline was set, so nothing expires or moves to another location.
      now += 3 * 3_600_000;
      await t.app.scheduler.tick();
      await t.drained();
      expect((await orderOf('R-1')).fulfilments).toHaveLength(1);

      // The till resends the batch after a timeout: nothing is taken twice.
      const again = await till({ sales: [sale('R-1', [{ sku: 'TENT', qty: 2, unitPrice: 120 }])] });
      expect(again.body.results[0].status).toBe('duplicate');
      expect(await stockAt('TENT', 'store-ams')).toEqual({ on_hand: 1, reserved: 0, protected: 1 });

      // The customer brings one back to the till: the sale was delivered, so the return is taken in.
      await till({ returns: [{ receiptId: 'RT-1', originalReceiptId: 'R-1', at: '2026-11-30T12:00:00Z', lines: [{ lineId: '1', qty: 1 }] }] });
      const cases = (await t.api('GET', `/v1/returns?orderId=${o.id}`, t.adminKey)).body.items;
      expect(cases).toHaveLength(1);
      expect(cases[0].state).not.toBe('rejected');
    });

    it('is delivered when the customer left with the goods (handedOverAt), not when the till uploads its day: the return window counts from then', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 5 }] });
      // Sold 20 days before the till's upload reaches us (a till offline for weeks, then its backlog).
      await till({ sales: [sale('L-1', [{ sku: 'TENT', qty: 2, unitPrice: 120 }], '2026-11-10T09:00:00Z')] });
      const o = await orderOf('L-1');
      expect(o.state).toBe('delivered');
      expect(o.history.find((x: { to: string }) => x.to === 'delivered')?.at).toBe('2026-11-10T09:00:00.000Z');
      // Its history is in time order: made, checked and handed over at the till, all at the handover.
      expect(o.history.map((x: { to: string; at: string }) => [x.to, x.at])).toEqual([
        ['received', '2026-11-10T09:00:00.000Z'], ['validated', '2026-11-10T09:00:00.000Z'], ['delivered', '2026-11-10T09:00:00.000Z'],
      ]);

      // 15 days after the upload, 35 after the sale: outside the 30-day window that began at the till.
      now = T0 + 15 * 86_400_000;
      await till({ returns: [{ receiptId: 'LR-1', originalReceiptId: 'L-1', lines: [{ lineId: '1', qty: 1 }] }] });
      const [late] = (await t.api('GET', `/v1/returns?orderId=${o.id}`, t.adminKey)).body.items;
      const c = (await t.api('GET', `/v1/returns/${late.id}`, t.adminKey)).body;
      expect([c.state, c.deliveredAt]).toEqual(['rejected', '2026-11-10T09:00:00.000Z']);
      expect(c.problems).toEqual([expect.objectContaining({ code: 'outside_window', daysSinceDelivery: 35 })]);
    });

    it('a till clock ahead of ours: the sale is delivered at our decision time, never in the future', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 5 }] });
      await till({ sales: [sale('F-1', [{ sku: 'TENT', qty: 1, unitPrice: 120 }], '2026-11-30T11:00:00Z')] });
      const o = await orderOf('F-1');
      expect(o.history.find((x: { to: string }) => x.to === 'delivered')?.at).toBe(new Date(T0).toISOString());
    });

    it('is not scored for fraud: a big sale after several small ones in the hour, all by the walk-in customer, is delivered', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 20 }, { sku: 'MAT', onHand: 20 }] });
      await till({ sales: ['S-1', 'S-2', 'S-3', 'S-4'].map((r) => sale(r, [{ sku: 'MAT', qty: 1, unitPrice: 20 }])) });
      now += 60_000;
      await till({ sales: [sale('S-5', [{ sku: 'TENT', qty: 5, unitPrice: 120 }])] });
      const big = await orderOf('S-5');
      expect([big.state, big.holdReason, big.customerId]).toEqual(['delivered', undefined, 'walk-in:store-ams']);
      const held = await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM orders WHERE state <> 'delivered'`);
      expect(Number(held?.n)).toBe(0);
      expect((await t.api('GET', '/v1/exceptions?queue=fraud_review', t.adminKey)).body.items).toEqual([]);
    });

    it('sold beyond the record: takes what no order has reserved, leaves the reservations alone, and opens a stock discrepancy for inventory control', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 2 }] });
      // A web order to collect at the store has one of the two reserved.
      await t.send(envelope({
        type: 'order.placed',
        payload: {
          externalOrderId: 'W-1', customer: { id: 'c-1', email: 'kim@example.com' }, lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }], currency: 'EUR',
          shipping: { method: 'pickup', pickupLocationId: 'store-ams', address: { country: 'NL', postcode: '1011AB' } }, payment: { status: 'authorized', amount: 120 },
        },
      }));
      expect(await stockAt('TENT', 'store-ams')).toEqual({ on_hand: 2, reserved: 1, protected: 0 });

      await till({ sales: [sale('R-9', [{ sku: 'TENT', qty: 3, unitPrice: 120 }])] });
      expect((await orderOf('R-9')).state).toBe('delivered');
      expect(await stockAt('TENT', 'store-ams')).toEqual({ on_hand: 1, reserved: 1, protected: 0 });
      expect((await t.api('GET', `/v1/orders/${orderIdFor('web', 'W-1')}`, t.adminKey)).body.state).toBe('allocated');

      const items = (await t.api('GET', '/v1/exceptions?queue=reconciliation_discrepancy', await t.keyFor('inventory_control'))).body.items;
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ subjectRef: 'stock:TENT@store-ams', ownerRole: 'inventory_control', detail: { kind: 'till_sale_short', sold: 3, free: 1, short: 2, reservedForOrders: 1 } });
      const handedOver = (await t.app.store.read.all<{ payload: string }>(`SELECT payload FROM events WHERE type = 'order.handed_over'`)).map((r) => JSON.parse(r.payload));
      expect(handedOver).toEqual([expect.objectContaining({ locationId: 'store-ams', short: [{ sku: 'TENT', qty: 2, exceptionId: items[0].id }] })]);
    });

    it('a till sale sent as a canonical event at a location without a till (a DC) is refused for good: dead at once with why, nothing booked there', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }] });
      // Not through the POS adapter (which refuses the batch at intake): straight into the event intake.
      const res = await t.postEvents({
        type: 'order.placed', source: 'web', sourceEventId: 'sale:dc:C-1', occurredAt: '2026-11-30T09:00:00Z',
        payload: {
          externalOrderId: 'dc-C-1', customer: { id: 'walk-in:dc' }, lines: [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 120 }], currency: 'EUR',
          shipping: { method: 'pickup', pickupLocationId: 'dc', address: { country: 'NL' } }, payment: { status: 'captured', amount: 240 }, handedOverAt: '2026-11-30T09:00:00Z',
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      await t.drained();

      const e = await t.app.store.read.get<{ status: string; attempts: number; last_error: string }>('SELECT status, attempts, last_error FROM events WHERE id = ?', [res.body.eventId]);
      // The same on every attempt: dead on the first, not retried while the subject's later events wait.
      expect([e?.status, Number(e?.attempts)]).toEqual(['dead', 1]);
      expect(e?.last_error).toBe('E_CONFLICT: till sale dc-C-1 at dc: not a store with a till (a dc); send it from the store that sold it');
      // Nothing booked: the DC's stock untouched, no order, nothing for the ERP.
      expect(await stockAt('TENT', 'dc')).toEqual({ on_hand: 5, reserved: 0, protected: 0 });
      expect((await t.api('GET', `/v1/orders/${orderIdFor('web', 'dc-C-1')}`, t.adminKey)).status).toBe(404);
      expect(await outboxOf(orderIdFor('web', 'dc-C-1'))).toEqual([]);
      // Where an operator looks: the dead-letter queue, naming why.
      const items = (await t.api('GET', '/v1/exceptions?queue=dead_letter_delivery', t.adminKey)).body.items as Array<{ subjectRef: string; summary: string }>;
      expect(items).toEqual([expect.objectContaining({ subjectRef: `event:${res.body.eventId}`, summary: expect.stringContaining('till sale dc-C-1 at dc: not a store with a till') })]);
    });

    it('handedOverAt is for a store sale: with another shipping method the event is refused at the door', async () => {
      await setup({});
      const res = await t.postEvents({
        type: 'order.placed', source: 'web', sourceEventId: 'ho-1', occurredAt: '2026-11-30T09:00:00Z',
        payload: {
          externalOrderId: 'H-1', customer: { id: 'c' }, lines: [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 1 }], currency: 'EUR',
          shipping: { method: 'standard', address: { country: 'NL' } }, payment: { status: 'captured', amount: 1 }, handedOverAt: '2026-11-30T09:00:00Z',
        },
      });
      expect([res.status, res.body.code]).toEqual([422, 'E_SCHEMA']);
      expect(res.body.errors).toEqual([expect.objectContaining({ path: 'payload.shipping.method' })]);
    });
  });
}
