import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, startTestApp, type TestApp } from '../support/app.js';
import { DAY, DAY_0, PROCUREMENT_LOCATIONS, dateOfDay, orderHistory, runReplenishmentCheck, startProcurementShop } from './support.js';
import { getStock } from '../../src/store/repos/stock.js';
import { eventById } from '../../src/store/repos/events.js';
import { startFakeOdoo } from '../fakes/odoo/server.js';
import { makeFixtures } from '../connectors/odoo/targets.js';
import { createJson2Client } from '../../src/connectors/odoo/json2.js';
import { omniopsMarker } from '../../src/connectors/odoo/operations/markers.js';

// Monday 2026-11-30 06:00 UTC. Day numbers below count from this day (day 0).
const T0 = DAY_0;
const date = dateOfDay;

const S1 = { id: 'S1', name: 'Tents & Co', leadTimeDays: 10, skus: [{ sku: 'TENT', unitCost: 50, primary: true }] };
const S2 = { id: 'S2', name: 'Quick Tents', leadTimeDays: 4, skus: [{ sku: 'TENT', unitCost: 58 }] };

for (const factory of storeFactories()) {
  describe(`purchase orders on a busy day: ${factory.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup(stock: Record<string, Array<{ sku: string; onHand: number }>> = {}, suppliers: Array<Record<string, unknown>> = [S1, S2]) {
      now = T0;
      t = await startProcurementShop(factory, () => now, stock, suppliers, 2);
    }

    const history = (sku: string, locationId: string, perDay: number, days: number) => orderHistory(t, T0, sku, locationId, perDay, days);
    /** One run of the scheduled check in the next 15-minute slot. */
    async function check() {
      now += 15 * 60_000;
      await runReplenishmentCheck(t, now);
    }

    /** Posts an event and waits until it is processed or dead (retries spent); its final status. */
    async function outcome(e: Record<string, unknown>): Promise<{ status: string; lastError: string | null; attempts: number }> {
      const r = await t.postEvents(envelope(e));
      expect([200, 202], JSON.stringify(r.body)).toContain(r.status);
      for (let i = 0; i < 3000; i++) {
        const ev = await eventById(t.app.store.read, r.body.eventId);
        if (ev && ev.status !== 'pending') return { status: ev.status, lastError: ev.lastError ?? null, attempts: ev.attempts };
        // A retry waits for its backoff on the app's clock.
        now += 100;
        t.app.dispatcher.wake();
        await new Promise((res) => setTimeout(res, 10));
      }
      throw new Error('event still pending');
    }

    const po = async (id: string) => (await t.api('GET', `/v1/purchase-orders/${id}`, t.adminKey)).body;
    const recommendations = async (q = '') => (await t.api('GET', `/v1/replenishment/recommendations${q}`, t.adminKey)).body.items as any[];
    const confirmed = (poId: string, over: Record<string, unknown> = {}) => ({
      type: 'po.confirmed',
      payload: { poId, supplierId: 'S1', locationId: 'store-ams', lines: [{ sku: 'TENT', qty: 100 }], expectedDate: date(5), ...over },
    });

    it('a receipt reported at another location than the PO’s lands nowhere: refused, the PO still expects its goods', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 3 }], dc: [{ sku: 'TENT', onHand: 40 }] });
      await t.send(envelope(confirmed('PO-1')));
      const r = await outcome({ type: 'po.received', payload: { poId: 'PO-1', locationId: 'dc', receivedDate: date(1), lines: [{ sku: 'TENT', qty: 100 }] } });
      expect(r.status).toBe('dead');
      expect(r.lastError).toMatch(/E_CONFLICT/);
      expect(r.attempts).toBe(1); // a contradiction of the record is dead at once, not retried
      expect((await getStock(t.app.store.read, 'TENT', 'dc'))?.onHand).toBe(40);
      expect(await po('PO-1')).toMatchObject({ state: 'confirmed', locationId: 'store-ams', lines: [{ sku: 'TENT', qty: 100, receivedQty: 0 }] });
      // At its own location the same delivery is taken in.
      await t.send(envelope({ type: 'po.received', payload: { poId: 'PO-1', locationId: 'store-ams', receivedDate: date(1), lines: [{ sku: 'TENT', qty: 100 }] } }));
      expect((await getStock(t.app.store.read, 'TENT', 'store-ams'))?.onHand).toBe(103);
      expect((await po('PO-1')).state).toBe('received');
    });

    it('a goods receipt sent twice under its receipt number is counted once, also after the PO closed', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 3 }] });
      await t.send(envelope(confirmed('PO-1')));
      const first = { type: 'po.received', payload: { poId: 'PO-1', locationId: 'store-ams', receiptId: 'GR-1', receivedDate: date(1), lines: [{ sku: 'TENT', qty: 60 }] } };
      await t.send(envelope(first));
      // The warehouse system resends the same goods receipt under a new message id.
      await t.send(envelope(first));
      expect((await getStock(t.app.store.read, 'TENT', 'store-ams'))?.onHand).toBe(63);
      expect(await po('PO-1')).toMatchObject({ state: 'confirmed', lines: [{ sku: 'TENT', qty: 100, receivedQty: 60 }] });
      const last = { type: 'po.received', payload: { poId: 'PO-1', locationId: 'store-ams', receiptId: 'GR-2', receivedDate: date(2), lines: [{ sku: 'TENT', qty: 40 }] } };
      await t.send(envelope(last));
      expect((await po('PO-1')).state).toBe('received');
      // Resent after the PO closed: ignored, not a dead letter for an operator.
      expect((await outcome(last)).status).toBe('processed');
      expect((await getStock(t.app.store.read, 'TENT', 'store-ams'))?.onHand).toBe(103);
    });

    it('a confirmation under another supplier’s or location’s PO number does not rewrite that PO', async () => {
      await setup();
      await t.send(envelope(confirmed('PO-1')));
      const other = await outcome(confirmed('PO-1', { supplierId: 'S2', lines: [{ sku: 'TENT', qty: 7 }], expectedDate: date(20) }));
      expect(other.status).toBe('dead');
      expect(other.lastError).toMatch(/E_CONFLICT/);
      const elsewhere = await outcome(confirmed('PO-1', { locationId: 'dc', expectedDate: date(20) }));
      expect(elsewhere.status).toBe('dead');
      expect(await po('PO-1')).toMatchObject({ supplierId: 'S1', locationId: 'store-ams', state: 'confirmed', expectedDate: date(5), lines: [{ sku: 'TENT', qty: 100 }] });
    });

    it('a confirmation naming a sku twice is refused at intake with 422 E_SCHEMA', async () => {
      await setup();
      const r = await t.postEvents(envelope(confirmed('PO-2', { lines: [{ sku: 'TENT', qty: 60 }, { sku: 'TENT', qty: 40 }] })));
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body).toMatchObject({ code: 'E_SCHEMA', errors: [expect.objectContaining({ path: expect.stringContaining('lines') })] });
      expect((await t.api('GET', '/v1/purchase-orders/PO-2', t.adminKey)).status).toBe(404);
    });

    it('a confirmation sent before the delay but arriving after it does not undo the delay; a later one does', async () => {
      await setup();
      const sent = (min: number) => new Date(T0 + min * 60_000).toISOString();
      await t.send(envelope({ ...confirmed('PO-1'), occurredAt: sent(0) }));
      await t.send(envelope({ type: 'po.delayed', occurredAt: sent(30), payload: { poId: 'PO-1', newExpectedDate: date(12), reason: 'port strike' } }));
      // The supplier's system resends its first confirmation (a new message id, its original time).
      await t.send(envelope({ ...confirmed('PO-1'), occurredAt: sent(0) }));
      expect(await po('PO-1')).toMatchObject({ state: 'delayed', expectedDate: date(12), promisedDate: date(5) });
      // A confirmation the supplier sent after the delay is news: it moves the date.
      await t.send(envelope({ ...confirmed('PO-1', { expectedDate: date(9) }), occurredAt: sent(60) }));
      expect(await po('PO-1')).toMatchObject({ state: 'confirmed', expectedDate: date(9), promisedDate: date(5) });
    });

    it('a delay notice sent twice records one delay and tells the category manager once', async () => {
      await setup();
      await t.send(envelope({ ...confirmed('PO-1'), occurredAt: new Date(T0).toISOString() }));
      const delay = { type: 'po.delayed', occurredAt: new Date(T0 + 60_000).toISOString(), payload: { poId: 'PO-1', newExpectedDate: date(12), reason: 'port strike' } };
      await t.send(envelope(delay));
      await t.send(envelope(delay));
      const p = await po('PO-1');
      expect(p).toMatchObject({ state: 'delayed', expectedDate: date(12) });
      expect(p.delays).toHaveLength(1);
      const told = await t.app.store.read.all('SELECT id FROM outbox WHERE destination = ? AND kind = ?', ['notify:category_manager', 'purchase_order.delayed']);
      expect(told).toHaveLength(1);
    });

    it('a recommendation accepted days after the check is planned from the day the PO is drafted', async () => {
      const S = { id: 'S1', name: 'Tents & Co', leadTimeDays: 3, skus: [{ sku: 'TENT', unitCost: 50, primary: true }] };
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 20 }] }, [S]);
      await history('TENT', 'store-ams', 5, 35);
      await check();
      const [rec] = await recommendations();
      expect(rec.purchase).toMatchObject({ expectedDate: date(3), plannedLeadTimeDays: 3 });
      // The buyer gets to it on Wednesday: the supplier still needs its three days from then.
      now = T0 + 2 * DAY;
      const r = await t.api('POST', `/v1/replenishment/recommendations/${rec.id}/accept`, await t.keyFor('category_manager'), {});
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.purchaseOrder).toMatchObject({ expectedDate: date(5), plannedDate: date(5) });
      const [erp] = await t.app.store.read.all<{ payload: string }>('SELECT payload FROM outbox WHERE destination = ?', ['erp:purchase_orders']);
      expect(JSON.parse(erp!.payload)).toMatchObject({ expectedDate: date(5) });
    });

    it('a purchase approved after midnight is expected a lead time after it goes out, not after it was drafted', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 5 }] }, [S1]);
      await history('TENT', 'store-ams', 5, 35);
      now = T0 + 16 * 3_600_000; // 22:00
      await check();
      const [rec] = await recommendations();
      const accepted = await t.api('POST', `/v1/replenishment/recommendations/${rec.id}/accept`, await t.keyFor('category_manager'), {});
      expect(accepted.body.purchaseOrder).toMatchObject({ state: 'awaiting_approval', expectedDate: date(10) });
      const approvalId = accepted.body.purchaseOrder.approvals.find((a: any) => a.subject === 'emergency_purchase').approvalId as string;
      // Procurement approves just after midnight, inside the approval's deadline: the order goes out on day 1.
      now = T0 + 18 * 3_600_000 + 5 * 60_000;
      const ok = await t.api('POST', `/v1/approvals/${approvalId}/decision`, await t.keyFor('procurement'), { decision: 'approve' });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      await t.drained();
      expect(await po(accepted.body.poId)).toMatchObject({ state: 'placed', expectedDate: date(11) });
      const [erp] = await t.app.store.read.all<{ payload: string }>('SELECT payload FROM outbox WHERE destination = ?', ['erp:purchase_orders']);
      expect(JSON.parse(erp!.payload)).toMatchObject({ expectedDate: date(11) });
    });

    it('an open recommendation the position no longer needs is withdrawn by the next check, so it cannot be bought twice', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 20 }] }, [S1]);
      await history('TENT', 'store-ams', 5, 35);
      await check();
      const [rec] = await recommendations('?state=open');
      expect(rec).toBeTruthy();
      // Meanwhile the buyer ordered by phone; the ERP's PO is confirmed and covers the position.
      await t.send(envelope(confirmed('PO-ERP', { lines: [{ sku: 'TENT', qty: 300 }], expectedDate: date(2) })));
      await check();
      expect(await recommendations('?state=open')).toHaveLength(0);
      expect((await recommendations())[0]).toMatchObject({ id: rec.id, state: 'dismissed', decidedBy: 'omniops' });
      const again = await t.api('POST', `/v1/replenishment/recommendations/${rec.id}/accept`, await t.keyFor('category_manager'), {});
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('E_INVALID_STATE');
      const pos = await t.app.store.read.all('SELECT id FROM purchase_orders');
      expect(pos).toHaveLength(1);
    });

    it('a PO the supplier cannot deliver is cancelled: no longer inbound, the ERP and supplier are told, the position is recommended again', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 20 }] }, [S1]);
      await history('TENT', 'store-ams', 5, 35);
      await t.send(envelope(confirmed('PO-ERP', { lines: [{ sku: 'TENT', qty: 300 }], expectedDate: date(2) })));
      await check();
      expect(await recommendations('?state=open')).toHaveLength(0);

      expect((await t.api('POST', '/v1/purchase-orders/PO-ERP/cancel', await t.keyFor('warehouse'), {})).status).toBe(403);
      const r = await t.api('POST', '/v1/purchase-orders/PO-ERP/cancel', await t.keyFor('procurement'), { reason: 'supplier out of stock' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ id: 'PO-ERP', state: 'cancelled' });
      const told = await t.app.store.read.all<{ destination: string; kind: string }>(`SELECT destination, kind FROM outbox WHERE subject = 'po:PO-ERP' ORDER BY destination`);
      expect(told).toEqual([{ destination: 'erp:purchase_orders', kind: 'purchase_order.cancel' }, { destination: 'supplier:S1', kind: 'purchase_order.cancelled' }]);
      const twice = await t.api('POST', '/v1/purchase-orders/PO-ERP/cancel', await t.keyFor('procurement'), {});
      expect(twice.status).toBe(409);

      await check();
      expect(await recommendations('?state=open')).toHaveLength(1);
    });

    it('a PO draft held for an approval can be cancelled, which frees its position', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 5 }] }, [S1]);
      await history('TENT', 'store-ams', 5, 35);
      await check();
      const [rec] = await recommendations();
      const accepted = await t.api('POST', `/v1/replenishment/recommendations/${rec.id}/accept`, await t.keyFor('category_manager'), {});
      expect(accepted.body.purchaseOrder.state).toBe('awaiting_approval');
      await check();
      expect(await recommendations('?state=open')).toHaveLength(0);

      const r = await t.api('POST', `/v1/purchase-orders/${accepted.body.poId}/cancel`, await t.keyFor('category_manager'), { reason: 'bought elsewhere' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.state).toBe('cancelled');
      // Never placed: nothing to call back at the ERP or the supplier.
      expect(await t.app.store.read.all(`SELECT id FROM outbox WHERE destination IN ('erp:purchase_orders', 'supplier:S1')`)).toHaveLength(0);
      await check();
      expect(await recommendations('?state=open')).toHaveLength(1);
    });

    it('a dismissal keeps the buyer’s words whichever field they came in', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 20 }] }, [S1]);
      await history('TENT', 'store-ams', 5, 35);
      await check();
      const [rec] = await recommendations();
      const r = await t.api('POST', `/v1/replenishment/recommendations/${rec.id}/dismiss`, await t.keyFor('category_manager'), { note: 'range is being delisted' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ state: 'dismissed', reason: 'range is being delisted' });
    });

    it('a transfer receipt of more than was shipped is refused (422), not silently cut; a second receipt is 409', async () => {
      await setup({ 'store-ams': [{ sku: 'TENT', onHand: 5 }], dc: [{ sku: 'TENT', onHand: 500 }] }, [S1]);
      await history('TENT', 'store-ams', 5, 35);
      await history('TENT', 'dc', 2, 35);
      await check();
      const [rec] = await recommendations();
      const accepted = await t.api('POST', `/v1/replenishment/recommendations/${rec.id}/accept`, await t.keyFor('procurement'), {});
      const transferId = accepted.body.transferId as string;
      const qty = rec.transfer.quantity as number;
      const receiver = await t.keyFor('store_manager');
      const over = await t.api('POST', `/v1/transfers/${transferId}/receive`, receiver, { qty: qty + 40 });
      expect(over.status, JSON.stringify(over.body)).toBe(422);
      expect(over.body).toMatchObject({ code: 'E_SCHEMA', errors: [{ path: 'body.qty' }] });
      expect((await getStock(t.app.store.read, 'TENT', 'store-ams'))?.onHand).toBe(5);
      expect((await t.api('POST', `/v1/transfers/${transferId}/receive`, receiver, { qty })).status).toBe(200);
      const again = await t.api('POST', `/v1/transfers/${transferId}/receive`, receiver, { qty });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('E_INVALID_STATE');
      expect((await getStock(t.app.store.read, 'TENT', 'store-ams'))?.onHand).toBe(5 + qty);
    });

    it('with Odoo as the ERP: a placed PO is booked there once (purchase.order confirmed), and its cancel cancels it there', async () => {
      const fake = await startFakeOdoo();
      try {
        const fx = await makeFixtures(createJson2Client({ url: fake.url, database: fake.db, apiKey: fake.apiKey }));
        const S = { id: 'S1', name: 'Tents & Co', leadTimeDays: 3, skus: [{ sku: fx.sku, unitCost: 19.5, primary: true }] };
        now = T0;
        t = await startTestApp(factory, {
          clock: () => now,
          config: {
            environment: 'test', dispatch: { batchSize: 256, maxAttempts: 2, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 },
            delivery: { allowList: ['127.0.0.1'], pollMs: 10, timeoutMs: 1500, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 30, breakerFailureThreshold: 50, breakerCooldownMs: 50 },
          },
        });
        const put = await t.api('PUT', '/v1/destinations/odoo', t.adminKey, {
          url: fake.url, kind: 'odoo', environment: 'test', credentials: { apiKey: fake.apiKey },
          options: { transport: 'json2', database: fake.db, partnerId: fx.partnerId, vendorId: fx.partnerId }, routes: [{ destination: 'erp:*' }],
        });
        expect(put.status, JSON.stringify(put.body)).toBe(201);
        for (const l of PROCUREMENT_LOCATIONS) await t.send(envelope({ type: 'location.upserted', payload: l }));
        await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: fx.sku, onHand: 20 }] } }));
        expect((await t.api('PUT', '/v1/suppliers/S1', await t.keyFor('procurement'), S)).status).toBe(200);
        await history(fx.sku, 'store-ams', 5, 35);
        await check();
        const [rec] = await recommendations();
        const accepted = await t.api('POST', `/v1/replenishment/recommendations/${rec.id}/accept`, await t.keyFor('category_manager'), {});
        expect(accepted.body.purchaseOrder, JSON.stringify(accepted.body)).toMatchObject({ state: 'placed' });
        const poId = accepted.body.poId as string;

        const odoo = createJson2Client({ url: fake.url, database: fake.db, apiKey: fake.apiKey });
        const inOdoo = async () => odoo.call<Array<{ state: string; order_line: number[] }>>('purchase.order', 'search_read', { domain: [['origin', '=', omniopsMarker('purchase', poId)]], fields: ['state', 'order_line'] });
        const settled = async (kind: string) => {
          for (let i = 0; i < 1000; i++) {
            const r = await t.app.store.read.get<{ status: string; last_error: string | null }>(`SELECT status, last_error FROM outbox WHERE destination = 'erp:purchase_orders' AND kind = ?`, [kind]);
            if (r && r.status !== 'pending') return r;
            await new Promise((res) => setTimeout(res, 10));
          }
          throw new Error(`${kind} still pending`);
        };
        expect(await settled('purchase_order.place')).toMatchObject({ status: 'delivered' });
        expect((await inOdoo()).map((x) => x.state)).toEqual(['purchase']);

        const cancel = await t.api('POST', `/v1/purchase-orders/${poId}/cancel`, await t.keyFor('procurement'), { reason: 'supplier out of stock' });
        expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
        expect(await settled('purchase_order.cancel')).toMatchObject({ status: 'delivered' });
        expect((await inOdoo()).map((x) => x.state)).toEqual(['cancel']);
      } finally {
        await t?.close();
        await fake.close();
      }
    });

    it('the list pages newest first by ?before=<next>: purchase orders created in one millisecond are each listed once, a bad cursor is refused', async () => {
      await setup();
      // The clock stands still: every order is created at the same millisecond, as one batch's are.
      for (let i = 1; i <= 5; i++) await t.send(envelope(confirmed(`PO-${i}`)));
      now += 1;
      await t.send(envelope(confirmed('PO-6')));
      const seen: string[] = [];
      let before: string | null = null;
      let pages = 0;
      do {
        const r = await t.api('GET', `/v1/purchase-orders?limit=2${before ? `&before=${encodeURIComponent(before)}` : ''}`, t.adminKey);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(r.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...r.body.items.map((x: { id: string }) => x.id));
        before = r.body.next;
        pages++;
      } while (before && pages < 10);
      expect(before).toBeNull();
      expect(seen[0]).toBe('PO-6'); // newest first
      expect(seen).toHaveLength(6); // none twice
      expect([...seen].sort()).toEqual(['PO-1', 'PO-2', 'PO-3', 'PO-4', 'PO-5', 'PO-6']);
      // The same pages again in the same order: the order within a millisecond is stable.
      const again = await t.api('GET', '/v1/purchase-orders?limit=6', t.adminKey);
      expect([again.body.items.map((x: { id: string }) => x.id), again.body.next]).toEqual([seen, expect.stringMatching(/^\d+:PO-/)]);
      // Filters page too; a time alone still pages (rows strictly older); anything else is refused.
      expect((await t.api('GET', `/v1/purchase-orders?state=confirmed&before=${T0 + 1}`, t.adminKey)).body.items.map((x: { id: string }) => x.id).sort()).toEqual(['PO-1', 'PO-2', 'PO-3', 'PO-4', 'PO-5']);
      const bad = await t.api('GET', '/v1/purchase-orders?before=yesterday', t.adminKey);
      expect([bad.status, bad.body.code]).toEqual([422, 'E_SCHEMA']);
    });
  });
}
