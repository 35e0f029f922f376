import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { startFakeOdoo, type FakeOdoo } from '../fakes/odoo/server.js';
import { makeFixtures, type Fixtures } from '../connectors/odoo/targets.js';
import { createJson2Client } from '../../src/connectors/odoo/json2.js';
import { omniopsMarker } from '../../src/connectors/odoo/operations/markers.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { until } from '../support/until.js';

const DELIVERY = { allowList: ['127.0.0.1'], pollMs: 10, timeoutMs: 1500, maxAttempts: 30, backoffBaseMs: 5, backoffMaxMs: 30, breakerFailureThreshold: 50, breakerCooldownMs: 50 };

for (const factory of storeFactories()) {
  describe(`Odoo as system of record: ${factory.name}`, () => {
    let t: TestApp;
    let fake: FakeOdoo;
    let fx: Fixtures;
    afterEach(async () => {
      await t?.close();
      await fake?.close();
    });

    async function setup(more: (fx: Fixtures) => Array<ReturnType<typeof envelope>> = () => []) {
      fake = await startFakeOdoo();
      fx = await makeFixtures(createJson2Client({ url: fake.url, database: fake.db, apiKey: fake.apiKey }));
      t = await startTestApp(factory, { config: { environment: 'test', delivery: DELIVERY } });
      const put = await t.api('PUT', '/v1/destinations/odoo', t.adminKey, {
        url: fake.url, kind: 'odoo', environment: 'test', credentials: { apiKey: fake.apiKey },
        options: { transport: 'json2', database: fake.db, partnerId: fx.partnerId }, routes: [{ destination: 'erp:*' }],
      });
      expect(put.status, JSON.stringify(put.body)).toBe(201);
      expect(JSON.stringify(put.body)).not.toContain(fake.apiKey);
      for (const e of [
        envelope({ type: 'location.upserted', payload: { id: 'dc', name: 'DC', kind: 'dc', lat: 52, lon: 5, capabilities: ['ship'], cutoff: '23:59', odooWarehouseId: fx.warehouseId } }),
        envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: fx.sku, onHand: 9 }] } }),
        ...more(fx),
      ]) {
        const r = await t.postEvents(e);
        expect(r.status).toBe(202);
        // The scenarios compare against this stock: it must be applied before they start.
        await t.settled(r.body.eventId);
      }
    }

    const odoo = () => createJson2Client({ url: fake.url, database: fake.db, apiKey: fake.apiKey });
    const found = (marker: string) => odoo().call<Array<{ id: number; state: string; warehouse_id: [number, string]; client_order_ref: string }>>('sale.order', 'search_read', { domain: [['origin', '=', marker]], fields: ['state', 'warehouse_id', 'client_order_ref'] });
    const saleOrders = async (marker: string) => (await found(marker)).length;

    it('a routed order becomes one confirmed sale.order in the location\'s warehouse, even when Odoo\'s answer is lost', async () => {
      await setup();
      // The create commits in Odoo, then the connection dies: the retry must find it, not make a second one.
      fake.injectFault({ kind: 'drop-response', times: 1, match: { model: 'sale.order', method: 'create' } });
      fake.injectFault({ kind: 'serialization', times: 1, match: { model: 'sale.order', method: 'action_confirm' } });
      const r = await t.postEvents(envelope({
        type: 'order.placed',
        payload: { externalOrderId: 'W-9', customer: { id: 'c1' }, lines: [{ lineId: '1', sku: fx.sku, qty: 2, unitPrice: 42.5 }], currency: 'EUR', shipping: { method: 'standard', address: { country: 'NL', lat: 52, lon: 5 } }, payment: { status: 'authorized', amount: 85 } },
      }));
      expect(r.status).toBe(202);
      const orderId = orderIdFor('web', 'W-9');
      const row = await until('erp row delivered', async () => {
        const x = await t.app.store.read.get<{ id: string; status: string; attempts: number }>(`SELECT id, status, attempts FROM outbox WHERE destination = 'erp:sale_order'`);
        return x && x.status !== 'pending' ? x : undefined;
      });
      expect(row.status).toBe('delivered');
      expect(Number(row.attempts)).toBeGreaterThanOrEqual(2);
      expect(await saleOrders(omniopsMarker('order', orderId))).toBe(1);
      const [so] = await found(omniopsMarker('order', orderId));
      expect(so).toMatchObject({ state: 'sale', client_order_ref: 'W-9' });
      expect(so!.warehouse_id[0]).toBe(fx.warehouseId);
      // A replay of the delivered push produces no second sale.order.
      await t.app.store.transaction((tx) => tx.run(`UPDATE outbox SET status = 'dead' WHERE id = ?`, [row.id]));
      expect((await t.api('POST', `/v1/deliveries/${row.id}/replay`, t.adminKey)).status).toBe(202);
      await until('delivered again', async () => (await t.app.store.read.get<{ status: string }>(`SELECT status FROM outbox WHERE id = ?`, [row.id]))?.status === 'delivered');
      expect(await saleOrders(omniopsMarker('order', orderId))).toBe(1);
    }, 60_000);

    it('a cancelled order cancels its sale.order in Odoo (and the picking with it), once', async () => {
      await setup();
      await t.postEvents(envelope({
        type: 'order.placed',
        payload: { externalOrderId: 'W-11', customer: { id: 'c1' }, lines: [{ lineId: '1', sku: fx.sku, qty: 1, unitPrice: 42.5 }], currency: 'EUR', shipping: { method: 'standard', address: { country: 'NL', lat: 52, lon: 5 } }, payment: { status: 'authorized', amount: 42.5 } },
      }));
      const orderId = orderIdFor('web', 'W-11');
      const marker = omniopsMarker('order', orderId);
      await until('pushed', async () => (await found(marker))[0]?.state === 'sale');
      // Odoo answers the cancel's first try with a serialization failure: retried, cancelled once.
      fake.injectFault({ kind: 'serialization', times: 1, match: { model: 'sale.order', method: 'action_cancel' } });
      expect((await t.api('POST', `/v1/orders/${orderId}/cancel`, t.adminKey, { reason: 'customer' })).status).toBe(200);
      const row = await until('cancel delivered', async () => {
        const x = await t.app.store.read.get<{ status: string; attempts: number }>(`SELECT status, attempts FROM outbox WHERE kind = 'sale_order.cancel'`);
        return x && x.status !== 'pending' ? x : undefined;
      });
      expect([row.status, Number(row.attempts) >= 2]).toEqual(['delivered', true]);
      const [so] = await found(marker);
      expect(so!.state).toBe('cancel');
      const pickings = await odoo().call<Array<{ state: string }>>('stock.picking', 'search_read', { domain: [['sale_id', '=', so!.id]], fields: ['state'] });
      expect(pickings.map((x) => x.state)).toEqual(['cancel']);
    }, 60_000);

    /** A second shipping location, a store mapped to Odoo's second demo warehouse (id 2). */
    const STORE_WAREHOUSE = 2;
    const store = (counts: Array<{ sku: string; onHand: number }>) => [
      envelope({ type: 'location.upserted', payload: { id: 'store', name: 'Store', kind: 'store', lat: 52.1, lon: 5.1, capabilities: ['ship'], cutoff: '23:59', odooWarehouseId: STORE_WAREHOUSE } }),
      envelope({ type: 'inventory.snapshot', payload: { locationId: 'store', counts } }),
    ];
    const fulfilments = (orderId: string) => t.app.store.read.all<{ id: string; location_id: string; state: string }>(`SELECT id, location_id, state FROM fulfilments WHERE order_id = ? ORDER BY created_ms, id`, [orderId]);
    /** Every sale order pushed for an order, whatever its push key (`omniops:order:<id>` or `…#<part>`). */
    const allFor = (orderId: string) => odoo().call<Array<{ id: number; state: string; warehouse_id: [number, string]; origin: string }>>('sale.order', 'search_read', {
      domain: [['origin', 'like', omniopsMarker('order', orderId)]], fields: ['state', 'warehouse_id', 'origin'], order: 'id asc',
    });
    const erpRowsSettled = async () => {
      const rows = await t.app.store.read.all<{ status: string }>(`SELECT status FROM outbox WHERE destination = 'erp:sale_order'`);
      return rows.length > 0 && rows.every((r) => r.status !== 'pending');
    };

    it('a reroute moves the sale order: the failed location\'s is cancelled, one is made in the new warehouse, and a replay adds nothing', async () => {
      await setup((f) => store([{ sku: f.sku, onHand: 9 }]));
      await t.postEvents(envelope({
        type: 'order.placed',
        payload: { externalOrderId: 'W-20', customer: { id: 'c1' }, lines: [{ lineId: '1', sku: fx.sku, qty: 1, unitPrice: 42.5 }], currency: 'EUR', shipping: { method: 'standard', address: { country: 'NL', lat: 52, lon: 5 } }, payment: { status: 'authorized', amount: 42.5 } },
      }));
      const orderId = orderIdFor('web', 'W-20');
      const [first] = await until('routed', async () => ((await fulfilments(orderId)).length === 1 ? fulfilments(orderId) : undefined));
      const warehouseOf = (locationId: string) => (locationId === 'store' ? STORE_WAREHOUSE : fx.warehouseId);
      await until('pushed', async () => (await allFor(orderId))[0]?.state === 'sale');
      expect((await allFor(orderId))[0]!.warehouse_id[0]).toBe(warehouseOf(first!.location_id));

      const r = await t.postEvents(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId: first!.id, reason: 'cannot find it' } }));
      await t.settled(r.body.eventId);
      const second = (await fulfilments(orderId)).find((f) => f.id !== first!.id)!;
      expect(second.location_id).not.toBe(first!.location_id);
      // The reroute's push and cancel are decided after the rejection (later batches on PostgreSQL).
      await until('moved in Odoo', async () => (await allFor(orderId)).filter((so) => so.state !== 'draft').length === 2 && (await erpRowsSettled()));
      const after = await allFor(orderId);
      expect(after.map((so) => [so.state, so.warehouse_id[0]])).toEqual([['cancel', warehouseOf(first!.location_id)], ['sale', warehouseOf(second.location_id)]]);

      // Every ERP row sent again (an operator's replay): still the same two sale orders, in the same states.
      await t.app.store.transaction((tx) => tx.run(`UPDATE outbox SET status = 'dead' WHERE destination = 'erp:sale_order'`));
      for (const row of await t.app.store.read.all<{ id: string }>(`SELECT id FROM outbox WHERE destination = 'erp:sale_order' ORDER BY created_at, id`)) {
        expect((await t.api('POST', `/v1/deliveries/${row.id}/replay`, t.adminKey)).status).toBe(202);
      }
      await until('replays settled', erpRowsSettled);
      expect((await allFor(orderId)).map((so) => [so.id, so.state])).toEqual(after.map((so) => [so.id, so.state]));
    }, 60_000);

    it('a payment that fails after routing cancels the sale order; paid again, the order gets a new one, so Odoo delivers it once', async () => {
      await setup();
      await t.postEvents(envelope({
        type: 'order.placed',
        payload: { externalOrderId: 'W-30', customer: { id: 'c1' }, lines: [{ lineId: '1', sku: fx.sku, qty: 1, unitPrice: 42.5 }], currency: 'EUR', shipping: { method: 'standard', address: { country: 'NL', lat: 52, lon: 5 } }, payment: { status: 'authorized', amount: 42.5 } },
      }));
      const orderId = orderIdFor('web', 'W-30');
      await until('pushed', async () => (await allFor(orderId))[0]?.state === 'sale');
      await t.settled((await t.postEvents(envelope({ type: 'payment.failed', payload: { externalOrderId: 'W-30' } }))).body.eventId);
      await until('cancelled in Odoo', async () => (await allFor(orderId))[0]?.state === 'cancel' && (await erpRowsSettled()));
      await t.settled((await t.postEvents(envelope({ type: 'payment.captured', payload: { externalOrderId: 'W-30', amount: 42.5 } }))).body.eventId);
      await until('pushed again', async () => (await allFor(orderId)).length === 2 && (await erpRowsSettled()));
      expect((await allFor(orderId)).map((so) => so.state)).toEqual(['cancel', 'sale']);
    }, 60_000);

    it('an order held by hand after routing cancels its sale order; released, it gets a new one, so Odoo delivers it once', async () => {
      await setup();
      await t.postEvents(envelope({
        type: 'order.placed',
        payload: { externalOrderId: 'W-31', customer: { id: 'c1' }, lines: [{ lineId: '1', sku: fx.sku, qty: 1, unitPrice: 42.5 }], currency: 'EUR', shipping: { method: 'standard', address: { country: 'NL', lat: 52, lon: 5 } }, payment: { status: 'captured', amount: 42.5 } },
      }));
      const orderId = orderIdFor('web', 'W-31');
      await until('pushed', async () => (await allFor(orderId))[0]?.state === 'sale');
      const held = await t.api('POST', `/v1/orders/${orderId}/hold`, t.adminKey, { reason: 'customer is changing the address' });
      expect(held.status, JSON.stringify(held.body)).toBe(200);
      await until('cancelled in Odoo', async () => (await allFor(orderId))[0]?.state === 'cancel' && (await erpRowsSettled()));
      const released = await t.api('POST', `/v1/orders/${orderId}/release`, t.adminKey, { note: 'address confirmed' });
      expect(released.status, JSON.stringify(released.body)).toBe(200);
      await until('pushed again', async () => (await allFor(orderId)).length === 2 && (await erpRowsSettled()));
      expect((await allFor(orderId)).map((so) => so.state)).toEqual(['cancel', 'sale']);
    }, 60_000);

    it('a partial cancel cancels the sale orders of what had not shipped and keeps the shipped one', async () => {
      // Line 1's product is only at the DC, line 2's only at the store: the first plan is split.
      await setup(() => store([]).slice(0, 1));
      const c = odoo();
      const sku2 = `${fx.sku}-B`;
      await c.call('product.product', 'create', { vals_list: [{ name: `omniops test ${sku2}`, default_code: sku2, type: 'consu', is_storable: true, list_price: 10 }] });
      for (const e of [envelope({ type: 'inventory.snapshot', payload: { locationId: 'store', counts: [{ sku: sku2, onHand: 5 }] } })]) await t.settled((await t.postEvents(e)).body.eventId);
      await t.postEvents(envelope({
        type: 'order.placed',
        payload: {
          externalOrderId: 'W-21', customer: { id: 'c1' }, currency: 'EUR', shipping: { method: 'standard', address: { country: 'NL', lat: 52, lon: 5 } }, payment: { status: 'authorized', amount: 52.5 },
          lines: [{ lineId: '1', sku: fx.sku, qty: 1, unitPrice: 42.5 }, { lineId: '2', sku: sku2, qty: 1, unitPrice: 10 }],
        },
      }));
      const orderId = orderIdFor('web', 'W-21');
      const routed = await until('split', async () => ((await fulfilments(orderId)).length === 2 ? fulfilments(orderId) : undefined));
      const atDc = routed.find((f) => f.location_id === 'dc')!;
      const atStore = routed.find((f) => f.location_id === 'store')!;
      await until('both pushed', async () => (await allFor(orderId)).filter((so) => so.state === 'sale').length === 2);
      // The store rejects; line 2 can now ship from the DC: a second DC fulfilment.
      await t.settled((await t.postEvents(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: fx.sku, onHand: 8 }, { sku: sku2, onHand: 3 }] } }))).body.eventId);
      await t.settled((await t.postEvents(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId: atStore.id } }))).body.eventId);
      const rerouted = (await fulfilments(orderId)).find((f) => f.id !== atDc.id && f.id !== atStore.id)!;
      expect(rerouted.location_id).toBe('dc');
      // The first DC parcel ships, then the customer cancels: only line 2 (the second DC fulfilment) stops.
      await t.settled((await t.postEvents(envelope({ type: 'fulfilment.shipped', payload: { fulfilmentId: atDc.id, carrier: 'postnl', trackingNumber: '3S1' } }))).body.eventId);
      expect((await t.api('POST', `/v1/orders/${orderId}/cancel`, t.adminKey, { reason: 'customer' })).status).toBe(200);
      await until('cancels settled', async () => Number((await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE kind = 'sale_order.cancel'`))?.n) === 2 && (await erpRowsSettled()));
      const sos = await allFor(orderId);
      const lines = async (soId: number) => (await c.call<Array<{ product_id: [number, string]; product_uom_qty: number }>>('sale.order.line', 'search_read', { domain: [['order_id', '=', soId]], fields: ['product_id', 'product_uom_qty'] })).map((l) => [l.product_id[1], l.product_uom_qty]);
      const live = sos.filter((so) => so.state !== 'cancel');
      // One sale order is left: the DC's first, with line 1 only; the store's and the second DC one are cancelled.
      expect(live.map((so) => so.warehouse_id[0])).toEqual([fx.warehouseId]);
      expect(await lines(live[0]!.id)).toEqual([[expect.stringContaining(fx.sku), 1]]);
      expect(sos.filter((so) => so.state === 'cancel').map((so) => so.warehouse_id[0]).sort()).toEqual([fx.warehouseId, STORE_WAREHOUSE].sort());
    }, 60_000);

    it('reconciliation reads stock.quant, finds the difference, and opens an exception; the rate is on /metrics', async () => {
      await setup();
      const tick = await t.app.intake.submit({ source: 'scheduler', sourceEventId: 'erp-reconciliation@test', type: 'schedule.tick', occurredAt: new Date().toISOString(), payload: { job: 'erp-reconciliation', slotMs: 0 } }, { internal: true });
      expect(tick.ok).toBe(true);
      // The scheduler offers its own hourly slot at start, and that run may compare before the setup's
      // stock is applied: follow this test's run (slot 0) from the observation it caused.
      const observed = await until('stock observed for slot 0', async () => {
        const rows = await t.app.store.read.all<{ id: string; payload: string }>(`SELECT id, payload FROM events WHERE type = 'erp.stock_observed' AND status = 'processed'`);
        return rows.find((r) => (JSON.parse(r.payload) as { slotMs: number }).slotMs === 0);
      });
      const caused = async (type: string) => (await t.app.store.read.get<{ payload: string }>(`SELECT payload FROM events WHERE type = ? AND causation_id = ?`, [type, observed.id]))?.payload;
      expect(JSON.parse((await caused('reconciliation.completed'))!)).toMatchObject({ destinationId: 'odoo', compared: 1, discrepancies: 1 });
      expect(JSON.parse((await caused('reconciliation.discrepancy'))!)).toMatchObject({ kind: 'stock', sku: fx.sku, locationId: 'dc', omniops: 9, erp: 10 });
      const ex = await t.app.store.read.all<{ subject: string }>(`SELECT subject FROM exceptions WHERE queue = 'reconciliation_discrepancy'`);
      expect(ex).toEqual([{ subject: `stock:${fx.sku}@dc` }]);
      expect((await t.api('GET', '/metrics', null)).body).toMatch(/omniops_stock_discrepancy_rate\{destination="odoo"\} 1/);
    }, 60_000);

    it("Odoo's unsigned webhook at the secret URL is a hint: omniops fetches the record and compares", async () => {
      await setup();
      await t.postEvents(envelope({
        type: 'order.placed',
        payload: { externalOrderId: 'W-10', customer: { id: 'c1' }, lines: [{ lineId: '1', sku: fx.sku, qty: 1, unitPrice: 42.5 }], currency: 'EUR', shipping: { method: 'standard', address: { country: 'NL', lat: 52, lon: 5 } }, payment: { status: 'authorized', amount: 42.5 } },
      }));
      const marker = omniopsMarker('order', orderIdFor('web', 'W-10'));
      await until('pushed', async () => (await saleOrders(marker)) === 1);
      const soId = (await found(marker))[0]!.id;
      await createJson2Client({ url: fake.url, database: fake.db, apiKey: fake.apiKey }).call('sale.order', 'action_cancel', { ids: [soId], context: { disable_cancel_warning: true } });
      const token = (await t.api('POST', '/v1/sources/web/tokens', t.adminKey, { purpose: 'hook' })).body;
      expect(token.url).toMatch(/^\/v1\/hooks\/odoo\/ooh_/);
      expect((await t.api('POST', '/v1/hooks/odoo/not-a-secret', null, { _model: 'sale.order', _id: soId })).status).toBe(404);
      const hook = await t.api('POST', token.url, null, { _action: 'SO changed(#1)', _id: soId, _model: 'sale.order', state: 'cancel', partner_id: 15 });
      expect(hook.status).toBe(200);
      expect((await t.api('POST', token.url, null, { _action: 'SO changed(#1)', _id: soId, _model: 'sale.order', state: 'cancel', partner_id: 15 })).status).toBe(200);
      const seen = await until('observed', async () => t.app.store.read.get<{ payload: string }>(`SELECT payload FROM events WHERE type = 'erp.record_observed' AND status = 'processed'`));
      expect(JSON.parse(seen.payload)).toMatchObject({ model: 'sale.order', recordId: soId, state: 'cancel', origin: marker });
      const d = await until('discrepancy', async () => t.app.store.read.get<{ payload: string }>(`SELECT payload FROM events WHERE type = 'reconciliation.discrepancy' AND payload LIKE '%order_state%'`));
      expect(JSON.parse(d.payload)).toMatchObject({ kind: 'order_state', omniops: 'allocated', erp: 'cancel' });
      expect(Number((await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE type = 'erp.record_hinted'`))!.n)).toBe(1);
    }, 60_000);
  });
}
