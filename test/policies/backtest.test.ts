import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { eventById } from '../../src/store/repos/events.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { runBacktest } from '../../src/engine/policies/backtest.js';

const T0 = Date.parse('2026-11-30T09:00:00Z');
const LOCATIONS = [
  { id: 'dc', name: 'DC Tilburg', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 },
  { id: 'store-ams', name: 'Store Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 },
  { id: 'store-utr', name: 'Store Utrecht', kind: 'store', lat: 52.09, lon: 5.12, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 },
];

function order(ext: string, sku: string, qty: number, payment = 'authorized') {
  return envelope({
    type: 'order.placed',
    payload: {
      externalOrderId: ext, customer: { id: `c-${ext}`, email: 'kim@example.com' }, lines: [{ lineId: '1', sku, qty, unitPrice: 40 }], currency: 'EUR',
      shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } }, payment: { status: payment, amount: 40 * qty },
    },
  });
}

for (const factory of storeFactories()) {
  describe(`backtest: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function send(e: Record<string, unknown>) {
      const r = await t.postEvents(e);
      expect([200, 202]).toContain(r.status);
      await drained();
      return r.body.eventId as string;
    }
    async function drained() {
      for (let i = 0; i < 3000; i++) {
        const r = await t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE status = 'pending'`);
        if (Number(r?.n) === 0) return;
        await new Promise((res) => setTimeout(res, 10));
      }
      throw new Error('backlog did not drain');
    }
    // What a backtest must never touch: order decisions, orders, stock.
    const counts = async () => t.app.store.read.get<{ e: number; o: string; s: number }>(
      `SELECT (SELECT COUNT(*) FROM events WHERE type LIKE 'order.%' OR type LIKE 'reservation.%' OR type LIKE 'fulfilment.%') AS e,
              (SELECT COUNT(*) FROM orders) AS o, (SELECT SUM(reserved) * 1000 + SUM(on_hand) FROM stock) AS s`,
    );

    it('replaying with the active version reproduces the recorded decisions exactly; a changed policy shows what would differ', async () => {
      now = T0;
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } } });
      for (const l of LOCATIONS) await send(envelope({ type: 'location.upserted', payload: l }));
      await send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: 'TENT', onHand: 3 }, { sku: 'MAT', onHand: 10 }] } }));
      await send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 4 }, { sku: 'MAT', onHand: 2 }] } }));
      await send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-utr', counts: [{ sku: 'TENT', onHand: 1 }] } }));
      const from = now;
      // Stock runs out across locations, a pending payment is captured later, one store rejects, one order cannot be served.
      for (let i = 1; i <= 6; i++) {
        now += 60_000;
        await send(order(`o${i}`, 'TENT', 1));
        // A till sale empties the store's shelf: no policy routes it, and the orders after it must be
        // replayed against the shelf it left.
        if (i === 1) await send(envelope({ type: 'order.placed', payload: {
          externalOrderId: 'till-1', customer: { id: 'walk-in:store-ams' }, lines: [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 40 }], currency: 'EUR',
          shipping: { method: 'pickup', pickupLocationId: 'store-ams', address: { country: 'NL' } }, payment: { status: 'captured', amount: 80 }, handedOverAt: new Date(now).toISOString(),
        } }));
      }
      now += 60_000;
      await send(order('p1', 'MAT', 2, 'pending'));
      now += 60_000;
      await send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'p1', amount: 80 } }));
      const routed = (await t.api('GET', `/v1/orders/${orderIdFor('web', 'o1')}`, t.adminKey)).body;
      now += 60_000;
      await send(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId: routed.fulfilments[0].id, reason: 'damaged' } }));
      for (let i = 7; i <= 10; i++) {
        now += 60_000;
        await send(order(`o${i}`, 'TENT', 1));
      }
      now += 60_000;
      await send(order('big', 'MAT', 50));
      const to = now;
      const states = await t.app.store.read.all<{ state: string }>('SELECT state FROM orders');
      expect(states.some((s) => s.state === 'backordered')).toBe(true);

      const manager = await t.keyFor('operations_manager');
      const before = await counts();
      const same = await t.api('POST', '/v1/policies/sourcing/versions/1/simulate', manager, { from, to: new Date(to).toISOString() });
      expect(same.status, JSON.stringify(same.body)).toBe(200);
      expect(same.body.reproduced.mismatches).toEqual([]);
      expect(same.body.reproduced.matched).toBe(same.body.reproduced.total);
      expect(same.body.decisionsCompared).toBe(14); // 13 orders placed (one a till sale) + the capture that released a payment hold
      expect(same.body.differences).toMatchObject({ decisions: 0, routedElsewhere: 0, routingOutcomeChanged: 0, holdsAdded: 0, holdsRemoved: 0, estimatedCostDelta: 0 });

      // A sourcing change: nothing backorders any more, it cancels; and ranking by workload alone (ties by id) prefers the DC.
      const v1 = (await t.api('GET', '/v1/policies/sourcing/versions/1', manager)).body.body;
      const draft = await t.api('POST', '/v1/policies/sourcing/versions', manager, {
        body: { ...v1, whenNothingCanServe: 'cancel', backorderWithoutInbound: 'cancel', weights: { cost: 0, slaRisk: 0, split: 0, workload: 1 } },
      });
      expect(draft.status).toBe(201);
      const changed = await t.api('POST', `/v1/policies/sourcing/versions/${draft.body.version}/simulate`, manager, { from, to });
      expect(changed.status).toBe(200);
      // Backorders decided on an order or its payment (the decisions compared), not by a reroute after the rejection.
      const backordered = (await t.app.store.read.all(`SELECT b.id FROM events b JOIN events c ON c.id = b.causation_id
        WHERE b.type = 'order.backordered' AND (c.type = 'order.placed' OR c.type LIKE 'payment.%')`)).length;
      expect(backordered).toBeGreaterThan(0);
      expect(changed.body.differences.routingOutcomeChanged).toBe(backordered);
      expect(changed.body.differences.routedElsewhere).toBeGreaterThan(0);
      expect(changed.body.orders.some((o: any) => o.what.includes('routing backorder → cancel'))).toBe(true);
      expect(changed.body.orders.some((o: any) => o.what.some((w: string) => /^ships from store-ams → dc$/.test(w)))).toBe(true);

      // An orders change: authorized is no longer enough → holds added for every order that was validated on authorization.
      const o1 = (await t.api('GET', '/v1/policies/orders/versions/1', manager)).body.body;
      const od = await t.api('POST', '/v1/policies/orders/versions', manager, { body: { ...o1, payment: { ...o1.payment, acceptedStatuses: ['captured'] } } });
      expect(od.status, JSON.stringify(od.body)).toBe(201);
      const held = await t.api('POST', `/v1/policies/orders/versions/${od.body.version}/simulate`, manager, { from, to });
      expect(held.body.reproduced.matched).toBe(held.body.reproduced.total);
      expect(held.body.differences.holdsAdded).toBe(11); // every authorized order; p1 was held anyway and validated on capture
      expect(held.body.differences.holdsRemoved).toBe(0);

      // Nothing was touched.
      expect(await counts()).toEqual(before);
      const rules = await t.api('POST', '/v1/policies/rules/versions/1/simulate', manager, { from, to });
      expect(rules.status).toBe(409);
    }, 120_000);

    it('a store that failed an order and was counted since is back in the replay as it was live: the recorded decision is reproduced', async () => {
      now = T0;
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 } } });
      for (const l of LOCATIONS) await send(envelope({ type: 'location.upserted', payload: l }));
      await send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: 'TENT', onHand: 1 }] } }));
      const from = now;
      now += 60_000;
      await send(order('r1', 'TENT', 1));
      const id = orderIdFor('web', 'r1');
      const routed = (await t.api('GET', `/v1/orders/${id}`, t.adminKey)).body;
      expect(routed.fulfilments.map((f: { locationId: string }) => f.locationId)).toEqual(['store-ams']);
      // The only store with the tent rejects: nowhere else has it, the order waits.
      now += 60_000;
      await send(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId: routed.fulfilments[0].id, reason: 'not found' } }));
      // Its payment fails and is captured again after the store counted its shelf: the capture routes
      // the order, and the store, counted since it rejected, is asked again.
      now += 60_000;
      await send(envelope({ type: 'payment.failed', payload: { externalOrderId: 'r1' } }));
      now += 60_000;
      await send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: 'TENT', onHand: 1 }] } }));
      now += 60_000;
      await send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'r1', amount: 40 } }));
      const live = (await t.api('GET', `/v1/orders/${id}`, t.adminKey)).body;
      expect(live.state).toBe('allocated');
      expect(live.fulfilments.filter((f: { state: string }) => f.state === 'assigned').map((f: { locationId: string }) => f.locationId)).toEqual(['store-ams']);

      const manager = await t.keyFor('operations_manager');
      const same = await t.api('POST', '/v1/policies/sourcing/versions/1/simulate', manager, { from, to: new Date(now).toISOString() });
      expect(same.status, JSON.stringify(same.body)).toBe(200);
      expect(same.body.reproduced.mismatches).toEqual([]);
      expect(same.body.reproduced).toMatchObject({ matched: 3, total: 3 }); // placed, failed, captured
    }, 60_000);

    it('a window outside the times a Date can hold (or before 1970) is 422 E_SCHEMA naming the bound, not a 500', async () => {
      t = await startTestApp(factory, { clock: () => now });
      const manager = await t.keyFor('operations_manager');
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ from: 0, to: 9_000_000_000_000_000 }, 'to'],
        [{ from: -1, to: 0 }, 'from'],
        [{ from: 0, to: Date.UTC(10000, 0, 1) }, 'to'],
        [{ from: '+275760-09-13T00:00:00.000Z', to: '+275760-09-13T00:00:00.000Z' }, 'from'],
      ];
      for (const [body, path] of cases) {
        const r = await t.api('POST', '/v1/policies/sourcing/versions/1/simulate', manager, body);
        expect(r.status, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`).toBe(422);
        expect(r.body.code).toBe('E_SCHEMA');
        expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      }
      // The engine refuses such a window itself, whoever calls it.
      await expect(runBacktest(t.app.store.read, { kind: 'sourcing', candidate: {}, fromMs: 0, toMs: 9_000_000_000_000_000 })).rejects.toMatchObject({ code: 'E_SCHEMA', issues: [{ path: 'to' }] });
      await expect(runBacktest(t.app.store.read, { kind: 'sourcing', candidate: {}, fromMs: 2, toMs: 1 })).rejects.toMatchObject({ code: 'E_SCHEMA', issues: [{ path: 'to', message: 'before from' }] });
      const widest = await t.api('POST', '/v1/policies/sourcing/versions/1/simulate', manager, { from: 0, to: '9999-12-31T23:59:59.999Z' });
      expect(widest.status, JSON.stringify(widest.body)).toBe(200);
      expect(widest.body.window).toEqual({ from: '1970-01-01T00:00:00.000Z', to: '9999-12-31T23:59:59.999Z' });
    });
  });
}
