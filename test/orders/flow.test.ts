import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { startTestApp, envelope, type TestApp } from '../support/app.js';
import { getStock, reserveIfSellable } from '../../src/store/repos/stock.js';
import { markAvailabilityDirty } from '../../src/store/repos/availability.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { verifyAuditChain } from '../../src/engine/audit/verify.js';
import { addSource } from '../../src/engine/identity/sources.js';

// 2026-11-30 09:00 UTC = 10:00 local (+60): before every cut-off.
const T0 = Date.parse('2026-11-30T09:00:00Z');

const LOCATIONS = [
  { id: 'dc', name: 'DC Tilburg', kind: 'dc', lat: 51.55, lon: 5.09, capabilities: ['ship'], dailyCapacity: 1000, cutoff: '22:00', utcOffsetMinutes: 60, acceptSlaMinutes: 60, shipSlaMinutes: 1440 },
  { id: 'store-ams', name: 'Store Amsterdam', kind: 'store', lat: 52.37, lon: 4.9, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 },
  { id: 'store-utr', name: 'Store Utrecht', kind: 'store', lat: 52.09, lon: 5.12, capabilities: ['ship', 'same_day', 'pickup'], dailyCapacity: 100, cutoff: '16:00', utcOffsetMinutes: 60, acceptSlaMinutes: 30, shipSlaMinutes: 480 },
];

function order(ext: string, over: Record<string, unknown> = {}, lines = [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }]) {
  return envelope({
    type: 'order.placed',
    occurredAt: new Date(T0).toISOString(),
    payload: {
      externalOrderId: ext,
      customer: { id: `c-${ext}`, email: 'kim@example.com' },
      lines,
      currency: 'EUR',
      shipping: { method: 'standard', address: { country: 'NL', postcode: '1011AB', lat: 52.37, lon: 4.9 } },
      payment: { status: 'authorized', amount: 120 },
      ...over,
    },
  });
}

for (const factory of storeFactories()) {
  describe(`order orchestration end to end: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup(stock: Record<string, Array<{ sku: string; onHand: number; protected?: number }>>) {
      now = T0;
      t = await startTestApp(factory, { clock: () => now, config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 } }); // the tests publish availability themselves
      await addSource(t.app.store, t.app.box, { id: 'test', role: 'admin' }, 'mkt-a', { kind: 'marketplace' });
      for (const l of LOCATIONS) await t.send(envelope({ type: 'location.upserted', payload: l }));
      for (const [locationId, counts] of Object.entries(stock)) await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId, counts } }));
    }




    const getOrder = async (ext: string, source = 'web') => (await t.api('GET', `/v1/orders/${orderIdFor(source, ext)}`, t.adminKey)).body;

    it('a signed order is validated, routed to the best location, reserved, and explained', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 10 }], 'store-ams': [{ sku: 'TENT', onHand: 3 }] });
      await t.send(order('W-1'));
      await t.drained();
      const o = await getOrder('W-1');
      expect(o.state).toBe('allocated');
      expect(o.lines[0].allocations).toHaveLength(1);
      const chosen = o.lines[0].allocations[0].locationId;
      expect(['dc', 'store-ams']).toContain(chosen);
      expect(o.routing.policyVersion).toBe('1');
      expect(o.routing.candidates.map((c: { locationId: string }) => c.locationId).sort()).toEqual(['dc', 'store-ams']);
      expect(o.routing.excluded).toEqual([{ locationId: 'store-utr', reasons: ['insufficient_stock'] }]);
      expect(o.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['order.placed', 'order.validated', 'order.routed', 'reservation.made', 'order.state_changed']));
      expect((await getStock(t.app.store.read, 'TENT', chosen))?.reserved).toBe(1);
      expect(await verifyAuditChain(t.app.store.read)).toMatchObject({ ok: true });
    });

    it('decided events nothing acts on are logged processed without a dispatcher round; those a handler wants are dispatched', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 10 }] });
      await t.send(order('W-90'));
      await t.send(order('W-91', { payment: { status: 'pending', amount: 120 } }));
      await t.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'W-91', amount: 120 } }));
      await t.drained();
      const rows = await t.app.store.read.all<{ type: string; status: string; attempts: number; processed_at: string | null; payload: string }>(
        `SELECT type, status, attempts, processed_at, payload FROM events WHERE source = 'omniops' AND type IN ('order.validated', 'order.routed', 'reservation.made', 'order.state_changed')`,
      );
      const of = (type: string) => rows.filter((r) => r.type === type);
      for (const r of rows) {
        expect(r.status).toBe('processed');
        expect(r.processed_at).not.toBeNull();
      }
      // Nobody handles these: written processed, never attempted.
      for (const type of ['order.validated', 'reservation.made']) {
        expect(of(type).length).toBeGreaterThan(0);
        for (const r of of(type)) expect(Number(r.attempts)).toBe(0);
      }
      // The ERP push handles every routed order.
      for (const r of of('order.routed')) expect(Number(r.attempts)).toBe(1);
      // The exceptions handler wants only a move off a hold.
      const changes = of('order.state_changed').map((r) => ({ from: (JSON.parse(r.payload) as { from: string }).from, attempts: Number(r.attempts) }));
      expect(changes.filter((c) => c.from === 'on_hold').map((c) => c.attempts)).toEqual([1]);
      expect(changes.filter((c) => c.from !== 'on_hold').every((c) => c.attempts === 0)).toBe(true);
    });

    it('duplicates and the same order under another event id change nothing', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 10 }] });
      const e = order('W-2');
      await t.send(e);
      expect((await t.postEvents(e)).status).toBe(200);
      await t.send({ ...e, sourceEventId: 'another-id' });
      await t.drained();
      const rows = await t.app.store.read.all('SELECT id FROM orders');
      expect(rows).toHaveLength(1);
      expect((await getStock(t.app.store.read, 'TENT', 'dc'))?.reserved).toBe(1);
    });

    it('payment pending holds the order; the capture releases the hold and routes it', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 10 }] });
      await t.send(order('W-3', { payment: { status: 'pending', amount: 120 } }));
      await t.drained();
      expect(await getOrder('W-3')).toMatchObject({ state: 'on_hold', holdReason: 'payment' });
      expect((await getStock(t.app.store.read, 'TENT', 'dc'))?.reserved).toBe(0);
      await t.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'W-3', amount: 120 } }));
      await t.drained();
      expect((await getOrder('W-3')).state).toBe('allocated');
    });

    it('a fraud-like first order is held for review, not routed', async () => {
      await setup({ dc: [{ sku: 'TV', onHand: 10 }] });
      await t.send(order('W-4', { billing: { country: 'US' } }, [{ lineId: '1', sku: 'TV', qty: 1, unitPrice: 900 }]));
      await t.drained();
      const o = await getOrder('W-4');
      expect(o).toMatchObject({ state: 'on_hold', holdReason: 'fraud_review' });
      expect(o.fraud.score).toBeGreaterThanOrEqual(0.7);
    });

    it('a rejection reroutes to the next location; a missed accept SLA does too; the chain ends in backorder', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 1 }], 'store-ams': [{ sku: 'TENT', onHand: 1 }], 'store-utr': [{ sku: 'TENT', onHand: 1 }] });
      await t.send(order('W-5'));
      await t.drained();
      let o = await getOrder('W-5');
      const first = o.fulfilments[0];
      await t.send(envelope({ type: 'fulfilment.rejected', source: 'web', payload: { fulfilmentId: first.id, reason: 'cannot find it' } }));
      await t.drained();
      o = await getOrder('W-5');
      expect(o.state).toBe('allocated');
      expect(o.reroutes).toBe(1);
      const second = o.fulfilments.find((f: { state: string }) => f.state === 'assigned');
      expect(second.locationId).not.toBe(first.locationId);
      expect((await getStock(t.app.store.read, 'TENT', first.locationId))?.reserved).toBe(0);

      // The second location lets its accept SLA pass: the SLA watch expires it and reroutes.
      now = Date.parse(second.acceptBy) + 1000;
      await t.app.scheduler.tick();
      await t.drained();
      o = await getOrder('W-5');
      expect(o.fulfilments.find((f: { id: string }) => f.id === second.id).state).toBe('expired');
      expect(o.reroutes).toBe(2);
      const third = o.fulfilments.find((f: { state: string }) => f.state === 'assigned');
      expect([first.locationId, second.locationId]).not.toContain(third.locationId);

      await t.send(envelope({ type: 'fulfilment.rejected', payload: { fulfilmentId: third.id } }));
      await t.drained();
      o = await getOrder('W-5');
      expect(o.state).toBe('backordered');
      expect(o.excludedLocations.sort()).toEqual(['dc', 'store-ams', 'store-utr']);
      const reserved = await t.app.store.read.get<{ n: number }>('SELECT SUM(reserved) AS n FROM stock');
      expect(Number(reserved?.n)).toBe(0);
    });

    it('accept, pick and ship move the order; shipping consumes the reservation', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }] });
      await t.send(order('W-6', {}, [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 120 }]));
      await t.drained();
      const f = (await getOrder('W-6')).fulfilments[0];
      const staff = await t.keyFor('warehouse');
      expect((await t.api('POST', `/v1/fulfilments/${f.id}/accept`, staff, {})).body.state).toBe('accepted');
      expect((await getOrder('W-6')).state).toBe('in_fulfilment');
      await t.api('POST', `/v1/fulfilments/${f.id}/pick`, staff, {});
      const shipped = await t.api('POST', `/v1/fulfilments/${f.id}/ship`, staff, { carrier: 'postnl', trackingNumber: '3S123' });
      expect(shipped.body).toMatchObject({ state: 'shipped', carrier: 'postnl', tracking: '3S123' });
      await t.drained();
      expect((await getOrder('W-6')).state).toBe('shipped');
      expect(await getStock(t.app.store.read, 'TENT', 'dc')).toMatchObject({ onHand: 3, reserved: 0 });
      // Too late to cancel now.
      const cancel = await t.api('POST', `/v1/orders/${orderIdFor('web', 'W-6')}/cancel`, await t.keyFor('service_agent'), {});
      expect(cancel.status).toBe(409);
      // The finance role cannot ship.
      expect((await t.api('POST', `/v1/fulfilments/${f.id}/ship`, await t.keyFor('finance'), {})).status).toBe(403);
    });

    it('a shipment reported straight from assigned (accept and pick never reported) ships the order and consumes its reservation', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }] });
      await t.send(order('W-6b', {}, [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 120 }]));
      await t.drained();
      const f = (await getOrder('W-6b')).fulfilments[0];
      expect([f.state, (await getOrder('W-6b')).state]).toEqual(['assigned', 'allocated']);
      // A WMS that reports only what left the building: processed, not dead-lettered.
      await t.send(envelope({ type: 'fulfilment.shipped', payload: { fulfilmentId: f.id, carrier: 'dhl', trackingNumber: 'JD1' } }));
      const o = await getOrder('W-6b');
      expect([o.state, o.fulfilments[0].state]).toEqual(['shipped', 'shipped']);
      expect(await getStock(t.app.store.read, 'TENT', 'dc')).toMatchObject({ onHand: 3, reserved: 0 });
    });

    it('cancel releases the reservation', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }] });
      await t.send(order('W-7'));
      await t.drained();
      const r = await t.api('POST', `/v1/orders/${orderIdFor('web', 'W-7')}/cancel`, await t.keyFor('service_agent'), { reason: 'customer called' });
      expect(r.status).toBe(200);
      expect(r.body.state).toBe('cancelled');
      expect((await getStock(t.app.store.read, 'TENT', 'dc'))?.reserved).toBe(0);
      expect((await getOrder('W-7')).fulfilments[0].state).toBe('cancelled');
    });

    it('no oversell: 1,000 orders for one sku with 100 in stock → exactly 100 reserved, the rest backordered', async () => {
      await setup({ dc: [{ sku: 'HOT', onHand: 100 }] });
      const ids = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => t.postEvents(order(`H-${i}`, {}, [{ lineId: '1', sku: 'HOT', qty: 1, unitPrice: 10 }])).then((r) => r.body.eventId as string)),
      );
      expect(new Set(ids).size).toBe(1000);
      await t.drained();
      expect(await getStock(t.app.store.read, 'HOT', 'dc')).toMatchObject({ onHand: 100, reserved: 100 });
      const states = await t.app.store.read.all<{ state: string; n: number }>('SELECT state, COUNT(*) AS n FROM orders GROUP BY state ORDER BY state');
      expect(states.map((s) => [s.state, Number(s.n)])).toEqual([['allocated', 100], ['backordered', 900]]);
    });

    it('channel availability: sellable × share − buffer, published as deltas', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 10 }], 'store-ams': [{ sku: 'TENT', onHand: 5, protected: 2 }] });
      await t.drained();
      await t.app.availability.publishOnce();
      const web = await t.api('GET', '/v1/availability?channel=web&sku=TENT', t.adminKey);
      expect(web.body.items).toEqual([expect.objectContaining({ channel: 'web', sku: 'TENT', quantity: 13 })]);
      // Marketplace: DC and 3PL stock only, 80% share, minus a buffer of 1 → floor(10 × 0.8) − 1 = 7.
      const mkt = await t.api('GET', '/v1/availability?channel=mkt-a&sku=TENT', t.adminKey);
      expect(mkt.body.items[0].quantity).toBe(7);
      await t.send(order('W-8', {}, [{ lineId: '1', sku: 'TENT', qty: 3, unitPrice: 10 }]));
      await t.drained();
      expect(await t.app.availability.publishOnce()).toBeGreaterThan(0);
      expect((await t.api('GET', '/v1/availability?channel=web&sku=TENT', t.adminKey)).body.items[0].quantity).toBe(10);
      const outbox = await t.app.store.read.all<{ destination: string }>(`SELECT destination FROM outbox WHERE kind = 'availability.changed'`);
      expect(outbox.map((o) => o.destination)).toEqual(expect.arrayContaining(['channel:web', 'channel:mkt-a']));
      // Nothing changed since: nothing is published.
      expect(await t.app.availability.publishOnce()).toBe(0);
    });

    it('a stock change committed while a publisher round runs is published by the next round, even if its sku was already marked', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 10 }], 'store-ams': [{ sku: 'TENT', onHand: 5, protected: 2 }] });
      await t.drained();
      await t.app.availability.publishOnce();
      const web = async () => (await t.api('GET', '/v1/availability?channel=web&sku=TENT', t.adminKey)).body.items[0].quantity;
      expect(await web()).toBe(13);
      await t.app.store.transaction((tx) => markAvailabilityDirty(tx, ['TENT'], T0)); // dirty already, from an earlier change
      let round: Promise<number> | undefined;
      await t.app.store.transaction(async (tx) => {
        // A dispatch transaction: reserves, marks the sku, and is still open when a publisher round
        // starts (on PostgreSQL the round reads the stock as it was before this commits).
        expect(await reserveIfSellable(tx, 'TENT', 'dc', 3, new Date(T0).toISOString())).toBe(true);
        await markAvailabilityDirty(tx, ['TENT'], T0);
        round = t.app.availability.publishOnce();
        await new Promise((r) => setTimeout(r, 300));
      });
      await round;
      await t.app.availability.publishOnce();
      expect(await web()).toBe(10);
    });
  });
}

// How a new order reaches the database (SQLite, where a trigger can count writes in a few lines).
describe('a new order is written once', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('inserted with its routing explanation, its fulfilments after it; a later state change updates it', async () => {
    const sqlite = storeFactories().find((f) => f.name === 'sqlite')!;
    t = await startTestApp(sqlite, { clock: () => T0, config: { dispatch: { batchSize: 256, maxAttempts: 5, backoffBaseMs: 5, backoffMaxMs: 20, idlePollMs: 10 }, availabilityIntervalMs: 60_000 } });
    for (const l of LOCATIONS) await t.send(envelope({ type: 'location.upserted', payload: l }));
    await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 1 }] } }));
    await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-ams', counts: [{ sku: 'MAT', onHand: 1 }] } }));
    await t.drained();
    await t.app.store.transaction(async (tx) => {
      await tx.run('CREATE TABLE order_writes (kind TEXT NOT NULL, state TEXT NOT NULL, routed INTEGER NOT NULL)');
      await tx.run(`CREATE TRIGGER order_inserted AFTER INSERT ON orders BEGIN
        INSERT INTO order_writes VALUES ('insert', NEW.state, json_array_length(NEW.doc, '$.routing')); END`);
      await tx.run(`CREATE TRIGGER order_updated AFTER UPDATE ON orders BEGIN
        INSERT INTO order_writes VALUES ('update', NEW.state, json_array_length(NEW.doc, '$.routing')); END`);
      // A fulfilment written before its order would break the foreign key; this records the order it saw.
      await tx.run('CREATE TABLE fulfilment_writes (order_stored INTEGER NOT NULL)');
      await tx.run(`CREATE TRIGGER fulfilment_inserted AFTER INSERT ON fulfilments BEGIN
        INSERT INTO fulfilment_writes SELECT COUNT(*) FROM orders WHERE id = NEW.order_id; END`);
    });

    // Two lines that no single location holds: a split, so two fulfilments wait for the order row.
    await t.send(order('W-1', {}, [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MAT', qty: 1, unitPrice: 20 }]));
    await t.send(order('W-2', { payment: { status: 'pending', amount: 120 } }));
    await t.drained();
    const writes = () => t.app.store.read.all<{ kind: string; state: string; routed: number }>('SELECT kind, state, routed FROM order_writes ORDER BY rowid');
    expect(await writes()).toEqual([
      { kind: 'insert', state: 'allocated', routed: 1 },
      { kind: 'insert', state: 'on_hold', routed: 0 },
    ]);
    const f = await t.app.store.read.all<{ order_stored: number }>('SELECT order_stored FROM fulfilment_writes');
    expect(f).toEqual([{ order_stored: 1 }, { order_stored: 1 }]);
    const o = (await t.api('GET', `/v1/orders/${orderIdFor('web', 'W-1')}`, t.adminKey)).body;
    expect(o.fulfilments).toHaveLength(2);
    expect(o.lines.map((l: { allocations: unknown[] }) => l.allocations.length)).toEqual([1, 1]);

    await t.send(envelope({ type: 'payment.authorized', payload: { externalOrderId: 'W-2', amount: 120 } }));
    await t.drained();
    expect((await writes()).slice(2)).toEqual([{ kind: 'update', state: 'backordered', routed: 1 }]);
  });
});
