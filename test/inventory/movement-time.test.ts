import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { at, iso, order } from './stock-times.js';
import { signBody } from '../../src/domain/security/signature.js';
import { STORE_AMSTERDAM } from '../support/shop.js';

// Shipments and till sales are timed by when they happened (occurredAt, handedOverAt), not by when
// they were booked: a count taken after the units left and applied before the report already saw
// them gone. Times are the envelope's occurredAt (when it happened) and the app clock (arrival).
const countAt = (takenMs: number, onHand: number) => envelope({ type: 'inventory.snapshot', occurredAt: iso(takenMs), payload: { locationId: 'store-ams', counts: [{ sku: 'TENT', onHand }] } });

for (const factory of storeFactories()) {
  describe(`on-hand movements by when they happened: ${factory.name}`, () => {
    let t: TestApp;
    let now = at('07:00');
    afterEach(async () => t?.close());

    async function start(journalDays?: number) {
      now = at('07:00');
      t = await startTestApp(factory, {
        clock: () => now,
        config: { dispatch: { batchSize: 256, maxAttempts: 3, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000, ...(journalDays ? { stock: { journalDays, pruneBatch: 100 } } : {}) },
      });
      await t.send(envelope({ type: 'location.upserted', payload: STORE_AMSTERDAM }));
    }
    const stock = async () => t.app.store.read.get<{ on_hand: number; reserved: number }>(`SELECT on_hand, reserved FROM stock WHERE sku = 'TENT' AND location_id = 'store-ams'`);
    const discrepancies = async () => (await t.app.store.read.all<{ detail: string }>(
      `SELECT detail FROM exceptions WHERE queue = 'reconciliation_discrepancy' AND state = 'open'`)).map((r) => JSON.parse(r.detail));
    const audited = async (action: string) => (await t.app.store.read.all<{ subject: string; detail: string }>('SELECT subject, detail FROM audit WHERE action = ? ORDER BY seq', [action]))
      .map((r) => ({ subject: r.subject, ...JSON.parse(r.detail) }));
    /** A till batch of the store, as the POS adapter takes it; not drained when `drain` is false. */
    async function till(sales: Array<{ receiptId: string; qty: number; at: number }>, drain = true) {
      const raw = JSON.stringify({ storeId: 'store-ams', currency: 'EUR', country: 'NL', sales: sales.map((s) => ({ receiptId: s.receiptId, at: iso(s.at), lines: [{ sku: 'TENT', qty: s.qty, unitPrice: 120 }] })) });
      const res = await fetch(`${t.url}/v1/adapters/pos/web`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'omniops-signature': signBody(t.secret, raw, Math.floor(now / 1000)) }, body: raw,
      });
      expect(res.status).toBe(202);
      if (drain) await t.drained();
    }
    /** An order placed (and accepted) now, at the store; its fulfilment's id. */
    async function placed(ext: string, qty: number): Promise<string> {
      await t.send(order(ext, qty));
      const f = (await t.app.store.read.get<{ id: string }>(`SELECT id FROM fulfilments WHERE state NOT IN ('shipped', 'delivered') ORDER BY id DESC LIMIT 1`))!;
      await t.send(envelope({ type: 'fulfilment.accepted', payload: { fulfilmentId: f.id } }));
      return f.id;
    }
    const shipped = (fulfilmentId: string, leftMs: number) => t.send(envelope({ type: 'fulfilment.shipped', occurredAt: iso(leftMs), payload: { fulfilmentId, carrier: 'postnl' } }));

    it('till sales synced in the evening that were made before a count applied since are in that count: not taken off again', async () => {
      await start();
      await t.send(countAt(at('07:00'), 10));
      // Counted at 12:00 (3 sold at 10:00 already gone), synced at 13:00.
      now = at('13:00');
      await t.send(countAt(at('12:00'), 7));
      // The till's day reaches us at 20:00: the 10:00 sale is in the count, the 15:00 one is not.
      now = at('20:00');
      await till([{ receiptId: 'R-1', qty: 3, at: at('10:00') }, { receiptId: 'R-2', qty: 1, at: at('15:00') }]);
      expect(await stock()).toEqual({ on_hand: 6, reserved: 0 });
      expect(await audited('stock.movement_superseded')).toEqual([
        expect.objectContaining({ subject: 'stock:store-ams:TENT', movement: 'till_sale', qty: 3, happenedMs: at('10:00'), countedMs: at('12:00') }),
      ]);
      expect(await discrepancies()).toEqual([]);
      // Journaled when it was sold: a count taken at 14:00 (before it) arriving now adds it.
      now = at('21:00');
      await t.send(countAt(at('14:00'), 7));
      expect(await stock()).toEqual({ on_hand: 6, reserved: 0 });
    });

    it('a shipment reported late is journaled when the parcel left: a count taken after that, arriving later still, is not rolled forward by it', async () => {
      await start();
      await t.send(countAt(at('07:00'), 10));
      now = at('07:30');
      const f = await placed('S-1', 3);
      // Left at 08:00, reported at 10:00.
      now = at('10:00');
      await shipped(f, at('08:00'));
      expect(await stock()).toEqual({ on_hand: 7, reserved: 0 });
      // Counted at 09:00 (the parcel already gone: 7 on the shelf), synced at 15:00.
      now = at('15:00');
      await t.send(countAt(at('09:00'), 7));
      expect(await stock()).toEqual({ on_hand: 7, reserved: 0 });
      expect(await discrepancies()).toEqual([]);
      // A later shipment is still journaled after that count: a count between them adds it.
      now = at('15:30');
      const g = await placed('S-2', 2);
      now = at('16:30');
      await shipped(g, at('16:00'));
      now = at('17:00');
      await t.send(countAt(at('15:45'), 7));
      expect(await stock()).toEqual({ on_hand: 5, reserved: 0 });
    });

    it('a shipment that left before a count applied since consumes its reservation but leaves on-hand as counted', async () => {
      await start();
      await t.send(countAt(at('07:00'), 10));
      now = at('08:00');
      const f = await placed('S-1', 3);
      // Left at 09:30; counted at 10:00 (7 on the shelf), the count synced at 10:30, the shipment reported at 11:00.
      now = at('10:30');
      await t.send(countAt(at('10:00'), 7));
      expect(await stock()).toEqual({ on_hand: 7, reserved: 3 });
      now = at('11:00');
      await shipped(f, at('09:30'));
      expect(await stock()).toEqual({ on_hand: 7, reserved: 0 });
      expect(await audited('stock.movement_superseded')).toEqual([
        expect.objectContaining({ movement: 'shipment', fulfilmentId: f, qty: 3, happenedMs: at('09:30'), countedMs: at('10:00') }),
      ]);
      const r = await t.app.store.read.all<{ status: string }>(`SELECT status FROM reservations WHERE fulfilment_id = ?`, [f]);
      expect(r.map((x) => x.status)).toEqual(['consumed']);
    });

    it('a tie with the count counts as after it (arrival order): the sale is taken off', async () => {
      await start();
      await t.send(countAt(at('07:00'), 10));
      now = at('13:00');
      await t.send(countAt(at('12:00'), 7));
      now = at('20:00');
      await till([{ receiptId: 'R-1', qty: 2, at: at('12:00') }]);
      expect(await stock()).toEqual({ on_hand: 5, reserved: 0 });
      expect(await audited('stock.movement_superseded')).toEqual([]);
    });

    it('a sender clock far in the past does not reach before the fulfilment existed', async () => {
      await start();
      await t.send(countAt(at('07:00'), 10));
      now = at('08:00');
      const f = await placed('S-1', 3);
      now = at('10:00');
      await t.send(envelope({ type: 'fulfilment.shipped', occurredAt: '2001-01-01T00:00:00Z', payload: { fulfilmentId: f, carrier: 'postnl' } }));
      // Timed at 08:00, after the 07:00 count: taken off.
      expect(await stock()).toEqual({ on_hand: 7, reserved: 0 });
      expect(await audited('stock.movement_superseded')).toEqual([]);
    });

    it('a till clock far in the past does not reach behind the stock journal\'s horizon: a count taken before it does not swallow the sale', async () => {
      await start(1);
      await t.send(countAt(at('07:00'), 10));
      // Three days on, a sale the till dates a day before the count: behind the one-day journal,
      // timed at its horizon (now − 1 day), after the count — taken off, not superseded.
      now = at('07:00') + 3 * 86_400_000;
      await till([{ receiptId: 'R-1', qty: 2, at: at('07:00') - 86_400_000 }]);
      expect(await stock()).toEqual({ on_hand: 8, reserved: 0 });
      expect(await audited('stock.movement_superseded')).toEqual([]);
    });

    it('an adjustment dated far in the past does not reach behind the stock journal\'s horizon: a count taken before the horizon does not swallow it', async () => {
      await start(1);
      await t.send(countAt(at('07:00'), 10));
      // Three days on, a shrink the sender dates a day before the count: behind the one-day journal,
      // timed at its horizon (now − 1 day), after the count — applied, not superseded.
      now = at('07:00') + 3 * 86_400_000;
      const adjusted = (occurredMs: number, delta: number) => t.send(envelope({ type: 'inventory.adjusted', occurredAt: iso(occurredMs), payload: { locationId: 'store-ams', sku: 'TENT', delta, reason: 'shrink' } }));
      await adjusted(at('07:00') - 86_400_000, -2);
      expect(await stock()).toEqual({ on_hand: 8, reserved: 0 });
      expect(await audited('stock.adjustment_superseded')).toEqual([]);
      // Within the horizon its own time stands: counted since (taken 12 hours ago), a shrink dated before that count is in it.
      now += 60_000;
      await t.send(countAt(now - 12 * 3_600_000, 8));
      await adjusted(now - 18 * 3_600_000, -1);
      expect(await stock()).toEqual({ on_hand: 8, reserved: 0 });
      expect(await audited('stock.adjustment_superseded')).toEqual([expect.objectContaining({ delta: -1, countedMs: now - 12 * 3_600_000 })]);
    });

    it('on a row never counted, a late till sale moves the row when it was made: a count taken after it, arriving later, is applied as it stands', async () => {
      await start();
      await t.send(envelope({ type: 'inventory.adjusted', occurredAt: iso(at('07:00')), payload: { locationId: 'store-ams', sku: 'TENT', delta: 10, reason: 'receipt' } }));
      now = at('20:00');
      await till([{ receiptId: 'R-1', qty: 3, at: at('10:00') }]);
      expect(await stock()).toEqual({ on_hand: 7, reserved: 0 });
      // Counted at 12:00, after the sale and every movement since: what is there.
      now = at('21:00');
      await t.send(countAt(at('12:00'), 6));
      expect(await stock()).toEqual({ on_hand: 6, reserved: 0 });
      expect(await discrepancies()).toEqual([]);
    });

    it('a count and an earlier till sale in one batch: the sale reads the count just written (read ahead on PostgreSQL)', async () => {
      await start();
      await t.send(countAt(at('07:00'), 10));
      now = at('20:00');
      // Not drained in between: the dispatcher takes both in one batch.
      const res = await t.postEvents(countAt(at('12:00'), 7));
      expect(res.status).toBe(202);
      await till([{ receiptId: 'R-1', qty: 3, at: at('10:00') }, { receiptId: 'R-2', qty: 1, at: at('13:00') }]);
      expect(await stock()).toEqual({ on_hand: 6, reserved: 0 });
      expect((await audited('stock.movement_superseded')).map((a) => a.qty)).toEqual([3]);
    });
    it('a goods receipt reported after a count taken once the goods were on the shelf is in that count: not added again', async () => {
      await start();
      const buyer = await t.keyFor('procurement');
      expect((await t.api('PUT', '/v1/suppliers/S1', buyer, { id: 'S1', name: 'Tents & Co', leadTimeDays: 10, skus: [{ sku: 'TENT', unitCost: 50, primary: true }] })).status).toBe(200);
      await t.send(countAt(at('07:00'), 3));
      now = at('08:00');
      await t.send(envelope({ type: 'po.confirmed', payload: { poId: 'PO-1', supplierId: 'S1', locationId: 'store-ams', lines: [{ sku: 'TENT', qty: 100 }], expectedDate: '2026-12-05' } }));
      // Goods in at 10:00, counted at 11:00 (103), the count synced at 11:30, the receipt booked at 14:00.
      now = at('11:30');
      await t.send(countAt(at('11:00'), 103));
      now = at('14:00');
      await t.send(envelope({ type: 'po.received', occurredAt: iso(at('10:00')), payload: { poId: 'PO-1', locationId: 'store-ams', receivedDate: '2026-11-30', lines: [{ sku: 'TENT', qty: 100 }] } }));
      expect(await stock()).toEqual({ on_hand: 103, reserved: 0 });
      expect(await audited('stock.movement_superseded')).toEqual([
        expect.objectContaining({ movement: 'receipt', poId: 'PO-1', qty: 100, happenedMs: at('10:00'), countedMs: at('11:00') }),
      ]);
      expect((await t.api('GET', '/v1/purchase-orders/PO-1', t.adminKey)).body.state).toBe('received');
    });
  });
}
