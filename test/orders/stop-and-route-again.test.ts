import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM } from '../support/shop.js';
import { MAT, T0, TENT, order, reservedAt } from './support.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

const STORE_UTRECHT = { id: 'store-utr', name: 'Store Utrecht', kind: 'store', lat: 52.09, lon: 5.12, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 };

for (const factory of storeFactories()) {
  describe(`stopping an order and routing it again: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup(stock: Record<string, Array<{ sku: string; onHand: number }>>) {
      now = T0;
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 } });
      for (const l of [DC_TILBURG, STORE_AMSTERDAM, STORE_UTRECHT]) await t.send(envelope({ type: 'location.upserted', payload: l }));
      for (const [locationId, counts] of Object.entries(stock)) await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId, counts } }));
    }
    const getOrder = async (ext: string) => (await t.api('GET', `/v1/orders/${orderIdFor('web', ext)}`, t.adminKey)).body;
    const reservations = async (ext: string) => t.app.store.read.all<{ line_id: string; location_id: string; status: string }>(
      'SELECT line_id, location_id, status FROM reservations WHERE order_id = ? ORDER BY line_id, status, location_id', [orderIdFor('web', ext)]);
    const reserved = (sku: string, locationId: string) => reservedAt(t, sku, locationId);
    const live = (o: { fulfilments: Array<{ state: string; locationId: string }> }) =>
      o.fulfilments.filter((f) => ['assigned', 'accepted', 'picked', 'shipped'].includes(f.state)).map((f) => `${f.locationId}:${f.state}`).sort();
    async function tick() {
      now += 61_000;
      await t.app.scheduler.tick();
      await t.drained();
    }

    it('a payment that fails after allocation stops the fulfilment; the staff cannot ship it; a new authorisation routes the order once', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }] });
      await t.send(order('P-1'));
      const first = (await getOrder('P-1')).fulfilments[0];
      await t.send(envelope({ type: 'payment.failed', payload: { externalOrderId: 'P-1', amount: 140 } }));
      let o = await getOrder('P-1');
      expect([o.state, o.holdReason]).toEqual(['on_hold', 'payment']);
      expect(o.fulfilments.map((f: { state: string }) => f.state)).toEqual(['cancelled']);
      expect(await reserved('TENT', 'dc')).toBe(0);
      const staff = await t.keyFor('warehouse');
      const ship = await t.api('POST', `/v1/fulfilments/${first.id}/ship`, staff, {});
      expect([ship.status, ship.body.code]).toEqual([409, 'E_INVALID_STATE']);

      // The accept deadline passes while it is held: nothing is routed behind the hold.
      now += 2 * 3_600_000;
      await tick();
      expect([(await getOrder('P-1')).state, await reserved('TENT', 'dc')]).toEqual(['on_hold', 0]);

      await t.send(envelope({ type: 'payment.authorized', payload: { externalOrderId: 'P-1', amount: 140 } }));
      o = await getOrder('P-1');
      expect(o.state).toBe('allocated');
      expect(live(o)).toEqual(['dc:assigned']);
      expect(await reservations('P-1')).toEqual([{ line_id: '1', location_id: 'dc', status: 'active' }, { line_id: '1', location_id: 'dc', status: 'released' }]);
      expect(await reserved('TENT', 'dc')).toBe(1);
    });

    it("a split order's backordered part is routed alone when its stock is back: the other part is not reserved or assigned again", async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }], 'store-ams': [{ sku: 'MAT', onHand: 1 }] });
      await t.send(order('S-1', [TENT, MAT]));
      const ams = (await getOrder('S-1')).fulfilments.find((f: { locationId: string }) => f.locationId === 'store-ams');
      await t.send(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId: ams.id, reason: 'cannot find it' } }));
      expect((await getOrder('S-1')).state).toBe('backordered');
      await tick(); // nothing can serve MAT yet: no new routing decision, no new announcement
      const routings = (await getOrder('S-1')).routing;
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-utr', counts: [{ sku: 'MAT', onHand: 3 }] } }));
      await tick();
      const o = await getOrder('S-1');
      expect(o.state).toBe('allocated');
      expect(live(o)).toEqual(['dc:assigned', 'store-utr:assigned']);
      expect(await reservations('S-1')).toEqual([
        { line_id: '1', location_id: 'dc', status: 'active' },
        { line_id: '2', location_id: 'store-utr', status: 'active' },
        { line_id: '2', location_id: 'store-ams', status: 'released' },
      ]);
      expect([await reserved('TENT', 'dc'), await reserved('MAT', 'store-utr')]).toEqual([1, 1]);
      expect(routings.policyVersion).toBeDefined();
      const backordered = await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE type = 'order.backordered' AND subject = 'order:web:S-1'`);
      expect(Number(backordered?.n)).toBe(1);
    });

    it('a cancel after one part shipped cancels only what has not: the open part stops and its stock is released, the shipped part goes on to delivery', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }], 'store-ams': [{ sku: 'MAT', onHand: 1 }] });
      await t.send(order('X-1', [TENT, MAT]));
      const placed = await getOrder('X-1');
      const dc = placed.fulfilments.find((f: { locationId: string }) => f.locationId === 'dc');
      await t.send(envelope({ type: 'fulfilment.shipped', payload: { fulfilmentId: dc.id, carrier: 'postnl', trackingNumber: '3S1' } }));
      expect((await getOrder('X-1')).state).toBe('in_fulfilment');

      const cancel = await t.api('POST', `/v1/orders/${orderIdFor('web', 'X-1')}/cancel`, t.adminKey, { reason: 'customer changed their mind' });
      expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
      await t.drained();
      let o = await getOrder('X-1');
      expect([o.state, live(o)]).toEqual(['shipped', ['dc:shipped']]);
      expect(await reservations('X-1')).toEqual([{ line_id: '1', location_id: 'dc', status: 'consumed' }, { line_id: '2', location_id: 'store-ams', status: 'released' }]);
      expect(await reserved('MAT', 'store-ams')).toBe(0);
      // What the channel and finance are told: which lines were cancelled, not the whole order.
      const e = await t.app.store.read.get<{ payload: string }>(`SELECT payload FROM events WHERE type = 'order.cancelled' AND subject = 'order:web:X-1'`);
      expect(JSON.parse(e!.payload)).toMatchObject({ partial: true, lines: [{ lineId: '2', sku: 'MAT', qty: 1 }] });
      // The ERP: the store's sale order is cancelled, the DC's (shipped) stays.
      const erp = await t.app.store.read.all<{ kind: string; payload: string }>(`SELECT kind, payload FROM outbox WHERE destination = 'erp:sale_order' ORDER BY seq`);
      const id = orderIdFor('web', 'X-1');
      expect(erp.map((r) => [r.kind, JSON.parse(r.payload).pushKey]).sort()).toEqual([['sale_order', `${id}#dc`], ['sale_order', `${id}#store-ams`], ['sale_order.cancel', `${id}#store-ams`]]);

      await t.send(envelope({ type: 'shipment.delivered', payload: { fulfilmentId: dc.id } }));
      o = await getOrder('X-1');
      expect(o.state).toBe('delivered');
      // A second cancel finds nothing left to cancel.
      expect((await t.api('POST', `/v1/orders/${orderIdFor('web', 'X-1')}/cancel`, t.adminKey, {})).body.code).toBe('E_INVALID_STATE');
    });

    it('a part rerouted while the other part is being picked leaves the order in fulfilment', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }], 'store-ams': [{ sku: 'MAT', onHand: 1 }], 'store-utr': [{ sku: 'MAT', onHand: 1 }] });
      await t.send(order('R-1', [TENT, MAT]));
      const placed = await getOrder('R-1');
      const dc = placed.fulfilments.find((f: { locationId: string }) => f.locationId === 'dc');
      const store = placed.fulfilments.find((f: { locationId: string }) => f.locationId !== 'dc');
      await t.send(envelope({ type: 'fulfilment.accepted', payload: { fulfilmentId: dc.id } }));
      expect((await getOrder('R-1')).state).toBe('in_fulfilment');
      await t.send(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId: store.id } }));
      const o = await getOrder('R-1');
      expect(o.state).toBe('in_fulfilment');
      expect(live(o)).toEqual(['dc:accepted', `${store.locationId === 'store-ams' ? 'store-utr' : 'store-ams'}:assigned`]);
      expect(o.history.filter((x: { to: string }) => x.to === 'allocated')).toHaveLength(1); // only when it was first routed
    });

    it('backorders are retried oldest first; one only an excluded location could serve waits without being routed again every minute', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 0 }], 'store-ams': [{ sku: 'MAT', onHand: 1 }] });
      for (const ext of ['B-1', 'B-2', 'B-3']) {
        await t.send(order(ext));
        now += 1000;
      }
      await t.send(order('X-1', [MAT]));
      const ams = (await getOrder('X-1')).fulfilments[0];
      await t.send(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId: ams.id } })); // store-ams is out for X-1, still holding MAT
      const before = (await getOrder('X-1')).routingHistory.length;
      await t.send(envelope({ type: 'inventory.adjusted', payload: { locationId: 'dc', sku: 'TENT', delta: 1, reason: 'receipt' } }));
      await tick();
      await tick();
      expect([(await getOrder('B-1')).state, (await getOrder('B-2')).state, (await getOrder('B-3')).state]).toEqual(['allocated', 'backordered', 'backordered']);
      const x = await getOrder('X-1');
      expect(x.state).toBe('backordered');
      expect(x.routingHistory.length).toBe(before);
      expect(x.excludedLocations).toEqual(['store-ams']);
      const announced = await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE type = 'order.backordered' AND subject = 'order:web:X-1'`);
      expect(Number(announced?.n)).toBe(1);
    });

    it('when policy cancels what nothing can serve, a reroute that ends so stops the rest of the order too', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }], 'store-ams': [{ sku: 'MAT', onHand: 1 }] });
      const m1 = await t.keyFor('operations_manager');
      const m2 = await t.keyFor('operations_manager');
      const v1 = (await t.api('GET', '/v1/policies/sourcing/versions/1', m1)).body.body;
      const draft = await t.api('POST', '/v1/policies/sourcing/versions', m1, { body: { ...v1, whenNothingCanServe: 'cancel' } });
      expect((await t.api('POST', `/v1/policies/sourcing/versions/${draft.body.version}/approve`, m2, {})).status).toBeLessThan(300);
      expect((await t.api('POST', `/v1/policies/sourcing/versions/${draft.body.version}/activate`, m1, {})).status).toBeLessThan(300);
      await t.drained();
      t.app.policies.invalidate();
      await t.send(order('C-1', [TENT, MAT]));
      const placed = await getOrder('C-1');
      const ams = placed.fulfilments.find((f: { locationId: string }) => f.locationId === 'store-ams');
      const dc = placed.fulfilments.find((f: { locationId: string }) => f.locationId === 'dc');
      await t.send(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId: ams.id } }));
      const o = await getOrder('C-1');
      expect(o.state).toBe('cancelled');
      expect(live(o)).toEqual([]);
      expect([await reserved('TENT', 'dc'), await reserved('MAT', 'store-ams')]).toEqual([0, 0]);
      const ship = await t.api('POST', `/v1/fulfilments/${dc.id}/ship`, await t.keyFor('warehouse'), {});
      expect(ship.status).toBe(409);

      // The same, after the other part shipped: only the part nothing can serve is cancelled.
      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: 'MAT', onHand: 1 }] } }));
      await t.send(order('C-2', [TENT, MAT]));
      const c2 = (await getOrder('C-2')).fulfilments;
      await t.send(envelope({ type: 'fulfilment.shipped', payload: { fulfilmentId: c2.find((f: { locationId: string }) => f.locationId === 'dc').id, carrier: 'postnl' } }));
      await t.send(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId: c2.find((f: { locationId: string }) => f.locationId === 'store-ams').id } }));
      const o2 = await getOrder('C-2');
      expect([o2.state, live(o2)]).toEqual(['shipped', ['dc:shipped']]);
      const e = await t.app.store.read.get<{ payload: string }>(`SELECT payload FROM events WHERE type = 'order.cancelled' AND subject = 'order:web:C-2'`);
      expect(JSON.parse(e!.payload)).toMatchObject({ partial: true, lines: [{ lineId: '2', sku: 'MAT', qty: 1 }] });
    });

    it('an order held for fraud review waits for the fraud-review role: approved → routed; rejected → cancelled', async () => {
      await setup({ dc: [{ sku: 'TV', onHand: 10 }] });
      const tv = [{ lineId: '1', sku: 'TV', qty: 1, unitPrice: 900 }];
      await t.send(order('F-1', tv, { billing: { country: 'US' }, payment: { status: 'authorized', amount: 900 } }));
      await t.send(order('F-2', tv, { billing: { country: 'US' }, payment: { status: 'authorized', amount: 900 } }));
      expect([(await getOrder('F-1')).holdReason, await reserved('TV', 'dc')]).toEqual(['fraud_review', 0]);
      const reviewer = await t.keyFor('fraud_review');
      const inbox = (await t.api('GET', '/v1/approvals?state=pending&subject=fraud_review', reviewer)).body.items as Array<{ id: string; subject: string; subjectRef: string }>;
      const of = (ext: string) => inbox.find((a) => a.subject === 'fraud_review' && a.subjectRef === orderIdFor('web', ext))!;
      expect(of('F-1')).toBeDefined();
      expect((await t.api('GET', `/v1/orders/${orderIdFor('web', 'F-1')}`, reviewer)).status).toBe(200); // the reviewer sees what they decide on
      expect((await t.api('POST', `/v1/approvals/${of('F-1').id}/decision`, reviewer, { decision: 'approve', comment: 'called the customer' })).status).toBeLessThan(300);
      expect((await t.api('POST', `/v1/approvals/${of('F-2').id}/decision`, reviewer, { decision: 'reject', comment: 'stolen card' })).status).toBeLessThan(300);
      await t.drained();
      const f1 = await getOrder('F-1');
      expect([f1.state, live(f1)]).toEqual(['allocated', ['dc:assigned']]);
      expect((await getOrder('F-2')).state).toBe('cancelled');
      expect(await reserved('TV', 'dc')).toBe(1);
    });

    it('a backorder waits for the earliest purchase order that covers it, and the customer is promised that day', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 0 }] });
      await t.app.store.transaction(async (tx) => {
        for (const [id, day, qty] of [['po-late', '2026-12-20', 5], ['po-early', '2026-12-09', 5], ['po-small', '2026-12-03', 0]] as const) {
          await tx.run(
            `INSERT INTO purchase_orders (id, supplier_id, location_id, state, expected_date, planned_date, promised_date, received_date, expedite, recommendation_id, value, created_ms, doc, updated_at)
             VALUES (?, 'sup-1', 'dc', 'confirmed', ?, ?, NULL, NULL, 0, NULL, 0, 0, '{}', '')`, [id, day, day]);
          await tx.run('INSERT INTO purchase_order_lines (po_id, sku, qty, received_qty, unit_cost) VALUES (?, ?, ?, 0, NULL)', [id, 'TENT', qty]);
        }
      });
      await t.send(order('I-1'));
      const o = await getOrder('I-1');
      expect(o.state).toBe('backordered');
      expect(o.promisedBy).toBe('2026-12-09T23:59:59.999Z');
      const e = await t.app.store.read.get<{ payload: string }>(`SELECT payload FROM events WHERE type = 'order.backordered' AND subject = 'order:web:I-1'`);
      expect(JSON.parse(e!.payload)).toMatchObject({ expectedAt: Date.parse('2026-12-09T23:59:59.999Z') });
    });
  });
}
