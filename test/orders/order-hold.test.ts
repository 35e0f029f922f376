import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, STORE_AMSTERDAM, startShop } from '../support/shop.js';
import { activateRules } from '../rules/support.js';
import { MAT, T0, TENT, order, reservedAt } from './support.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';

interface Fulfilment { id: string; state: string; locationId: string }

for (const factory of storeFactories()) {
  describe(`holding an order by hand and releasing it: ${factory.name}`, () => {
    let t: TestApp;
    let now = T0;
    afterEach(async () => t?.close());

    async function setup(stock: Record<string, Array<{ sku: string; onHand: number; protected?: number }>>) {
      now = T0;
      t = await startShop(factory, () => now, [DC_TILBURG, STORE_AMSTERDAM], stock);
    }
    const id = (ext: string) => orderIdFor('web', ext);
    const getOrder = async (ext: string) => (await t.api('GET', `/v1/orders/${id(ext)}`, t.adminKey)).body;
    const reserved = (sku: string, locationId: string) => reservedAt(t, sku, locationId);
    const told = async (locationId: string) => (await t.app.store.read.all<{ kind: string; payload: string }>(
      'SELECT kind, payload FROM outbox WHERE destination = ? ORDER BY seq', [`location:${locationId}`])).filter((m) => m.kind === 'fulfilment.cancelled').map((m) => (JSON.parse(m.payload) as { fulfilmentId: string }).fulfilmentId);
    const states = (o: { fulfilments: Fulfilment[] }) => o.fulfilments.map((f) => `${f.locationId}:${f.state}`).sort();
    async function tick() {
      now += 61_000;
      await t.app.scheduler.tick();
      await t.drained();
    }

    it('a hold stops the fulfilment and gives its stock back; a late shipment report changes nothing; the release routes and reserves it again', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }] });
      await t.send(order('H-1'));
      const first = (await getOrder('H-1')).fulfilments[0] as Fulfilment;
      expect(await reserved('TENT', 'dc')).toBe(1);

      const agent = await t.keyFor('service_agent');
      const held = await t.api('POST', `/v1/orders/${id('H-1')}/hold`, agent, { reason: 'customer changes the address' });
      expect(held.status, JSON.stringify(held.body)).toBe(200);
      expect([held.body.state, held.body.holdReason]).toEqual(['on_hold', 'manual']);
      expect(held.body.hold).toMatchObject({ reason: 'manual', note: 'customer changes the address', at: new Date(T0).toISOString() });
      expect(held.body.hold.by).toMatch(/.+/);
      expect(states(held.body)).toEqual(['dc:cancelled']);
      expect(await reserved('TENT', 'dc')).toBe(0);
      expect(await told('dc')).toEqual([first.id]);
      const audited = await t.app.store.read.all<{ actor: string; detail: string }>(`SELECT actor, detail FROM audit WHERE action = 'order.held_by_hand' AND subject = ?`, ['order:web:H-1']);
      expect(audited).toHaveLength(1);
      expect(JSON.parse(audited[0]!.detail)).toMatchObject({ note: 'customer changes the address', stopped: [{ fulfilmentId: first.id, locationId: 'dc', state: 'assigned' }] });

      // Held twice: refused, it is held already.
      expect((await t.api('POST', `/v1/orders/${id('H-1')}/hold`, agent, { reason: 'again' })).status).toBe(409);
      // The store cannot ship it; a report that it shipped anyway is noted and moves nothing.
      const ship = await t.api('POST', `/v1/fulfilments/${first.id}/ship`, await t.keyFor('warehouse'), {});
      expect([ship.status, ship.body.code]).toEqual([409, 'E_INVALID_STATE']);
      await t.send(envelope({ type: 'fulfilment.shipped', payload: { fulfilmentId: first.id } }));
      let o = await getOrder('H-1');
      expect([o.state, o.holdReason, states(o), await reserved('TENT', 'dc')]).toEqual(['on_hold', 'manual', ['dc:cancelled'], 0]);
      expect(Number((await t.app.store.read.get<{ n: number }>(`SELECT on_hand AS n FROM stock WHERE sku = 'TENT' AND location_id = 'dc'`))?.n)).toBe(5);

      // Its accept deadline passes while held: nothing is routed behind the hold.
      now += 2 * 3_600_000;
      await tick();
      expect([(await getOrder('H-1')).state, await reserved('TENT', 'dc')]).toEqual(['on_hold', 0]);

      const released = await t.api('POST', `/v1/orders/${id('H-1')}/release`, agent, { note: 'address fixed' });
      expect(released.status, JSON.stringify(released.body)).toBe(200);
      o = await getOrder('H-1');
      expect(o.state).toBe('allocated');
      expect(o.hold).toBeUndefined();
      expect(states(o)).toEqual(['dc:assigned', 'dc:cancelled']);
      expect(await reserved('TENT', 'dc')).toBe(1);
      expect(o.routingHistory.at(-1).why).toMatch(/hold released/);
      // Released once: a second release is refused.
      expect((await t.api('POST', `/v1/orders/${id('H-1')}/release`, agent, {})).status).toBe(409);
    });

    it('refuses what cannot be held, whoever may not, and a malformed body; a retry with the same Idempotency-Key is the same hold', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }] });
      await t.send(order('R-1'));
      await t.send(order('R-2'));
      await t.send(order('R-3', [TENT], { payment: { status: 'pending', amount: 120 } }));
      const f = (await getOrder('R-1')).fulfilments[0] as Fulfilment;
      await t.send(envelope({ type: 'fulfilment.shipped', payload: { fulfilmentId: f.id } }));
      expect((await getOrder('R-1')).state).toBe('shipped');

      const manager = await t.keyFor('operations_manager');
      const shipped = await t.api('POST', `/v1/orders/${id('R-1')}/hold`, manager, { reason: 'look' });
      expect([shipped.status, shipped.body.code]).toEqual([409, 'E_INVALID_STATE']);
      expect(shipped.body.detail ?? shipped.body.title ?? '').toMatch(/shipped/);
      expect((await t.api('POST', `/v1/orders/${id('R-2')}/hold`, await t.keyFor('warehouse'), { reason: 'look' })).status).toBe(403);
      expect((await t.api('POST', `/v1/orders/${id('R-2')}/hold`, null, { reason: 'look' })).status).toBe(401);
      for (const body of [{}, { reason: '' }, { reason: 'x'.repeat(501) }, { reason: 'ok', extra: 1 }]) {
        const bad = await t.api('POST', `/v1/orders/${id('R-2')}/hold`, manager, body);
        expect([bad.status, bad.body.code], JSON.stringify(body)).toEqual([422, 'E_SCHEMA']);
      }
      expect((await t.api('POST', `/v1/orders/nope/hold`, manager, { reason: 'look' })).status).toBe(404);
      // Not held: nothing to release. Held for payment: only the payment releases it, and a hand hold on top is refused.
      expect((await t.api('POST', `/v1/orders/${id('R-2')}/release`, manager, {})).status).toBe(409);
      expect((await getOrder('R-3')).holdReason).toBe('payment');
      expect((await t.api('POST', `/v1/orders/${id('R-3')}/hold`, manager, { reason: 'look' })).status).toBe(409);
      expect((await t.api('POST', `/v1/orders/${id('R-3')}/release`, manager, {})).status).toBe(409);
      expect((await getOrder('R-2')).state).toBe('allocated');

      const headers = { 'idempotency-key': 'hold-r2-1' };
      const a = await t.api('POST', `/v1/orders/${id('R-2')}/hold`, manager, { reason: 'look' }, headers);
      const b = await t.api('POST', `/v1/orders/${id('R-2')}/hold`, manager, { reason: 'look' }, headers);
      expect([a.status, b.status]).toEqual([200, 200]);
      expect([b.body.state, b.body.hold.note]).toEqual(['on_hold', 'look']);
      const events = await t.app.store.read.all<{ id: string }>(`SELECT id FROM events WHERE type = 'order.hold_requested'`);
      expect(events).toHaveLength(1);
      const other = await t.api('POST', `/v1/orders/${id('R-2')}/hold`, manager, { reason: 'another' }, headers);
      expect(other.status).toBe(409);
    });

    it('holding a partly shipped order keeps the shipped part going and stops the rest; the release routes only the rest', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }], 'store-ams': [{ sku: 'MAT', onHand: 1 }] });
      await t.send(order('S-1', [TENT, MAT]));
      let o = await getOrder('S-1');
      expect(states(o)).toEqual(['dc:assigned', 'store-ams:assigned']);
      const dc = o.fulfilments.find((f: Fulfilment) => f.locationId === 'dc') as Fulfilment;
      await t.send(envelope({ type: 'fulfilment.shipped', payload: { fulfilmentId: dc.id } }));
      expect((await getOrder('S-1')).state).toBe('in_fulfilment');

      const held = await t.api('POST', `/v1/orders/${id('S-1')}/hold`, t.adminKey, { reason: 'store reports a problem' });
      expect(held.status, JSON.stringify(held.body)).toBe(200);
      expect([held.body.state, states(held.body)]).toEqual(['on_hold', ['dc:shipped', 'store-ams:cancelled']]);
      expect([await reserved('MAT', 'store-ams'), await told('dc'), (await told('store-ams')).length]).toEqual([0, [], 1]);
      // The shipped parcel arrives: the order stays held, waiting for its other line.
      await t.send(envelope({ type: 'shipment.delivered', payload: { fulfilmentId: dc.id } }));
      o = await getOrder('S-1');
      expect([o.state, o.holdReason]).toEqual(['on_hold', 'manual']);

      expect((await t.api('POST', `/v1/orders/${id('S-1')}/release`, t.adminKey, {})).status).toBe(200);
      o = await getOrder('S-1');
      expect(states(o)).toEqual(['dc:delivered', 'store-ams:assigned', 'store-ams:cancelled']);
      expect(await reserved('MAT', 'store-ams')).toBe(1);
      expect(await reserved('TENT', 'dc')).toBe(0);
    });

    it("a rule's set_state on_hold is the order's hold: its fulfilment stops and its stock is free again", async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }] });
      await activateRules(t, {
        rules: [{
          id: 'hold_all', version: 1, name: 'Hold every routed order (a test rule)', enabled: true,
          trigger: { kind: 'event', eventType: 'order.routed' },
          actions: [{ kind: 'set_state', object: 'order', state: 'on_hold' }],
        }],
      });
      t.app.policies.invalidate();
      await t.send(order('U-1'));
      await t.drained();
      const o = await getOrder('U-1');
      expect([o.state, o.holdReason]).toEqual(['on_hold', 'manual']);
      expect(o.hold).toMatchObject({ by: 'rule:hold_all', note: 'rule hold_all v1' });
      expect(states(o)).toEqual(['dc:cancelled']);
      expect(await reserved('TENT', 'dc')).toBe(0);
      const books = await t.api('GET', '/v1/checks', t.adminKey);
      expect([books.status, books.body.findings]).toEqual([200, []]);
    });

    it('a held backorder is not placed when its stock comes; released, it is', async () => {
      await setup({ dc: [{ sku: 'MAT', onHand: 1 }] });
      await t.send(order('B-1'));
      expect((await getOrder('B-1')).state).toBe('backordered');
      expect((await t.api('POST', `/v1/orders/${id('B-1')}/hold`, t.adminKey, { reason: 'fraud analyst looks' })).body.state).toBe('on_hold');

      await t.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'TENT', onHand: 3 }] } }));
      await tick();
      await tick();
      expect([(await getOrder('B-1')).state, await reserved('TENT', 'dc')]).toEqual(['on_hold', 0]);

      expect((await t.api('POST', `/v1/orders/${id('B-1')}/release`, t.adminKey, {})).status).toBe(200);
      const o = await getOrder('B-1');
      expect([o.state, states(o), await reserved('TENT', 'dc')]).toEqual(['allocated', ['dc:assigned'], 1]);
    });

    it('a payment that fails while held by hand keeps the hand hold; the release then holds it for payment, not routed', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }] });
      await t.send(order('P-1'));
      expect((await t.api('POST', `/v1/orders/${id('P-1')}/hold`, t.adminKey, { reason: 'check' })).status).toBe(200);
      await t.send(envelope({ type: 'payment.failed', payload: { externalOrderId: 'P-1', amount: 140 } }));
      expect((await getOrder('P-1')).holdReason).toBe('manual');
      // An authorisation while held by hand does not route it past the hold either.
      await t.send(envelope({ type: 'payment.authorized', payload: { externalOrderId: 'P-1', amount: 140 } }));
      expect([(await getOrder('P-1')).holdReason, await reserved('TENT', 'dc')]).toEqual(['manual', 0]);
      await t.send(envelope({ type: 'payment.failed', payload: { externalOrderId: 'P-1', amount: 140 } }));
      expect((await t.api('POST', `/v1/orders/${id('P-1')}/release`, t.adminKey, {})).status).toBe(200);
      const o = await getOrder('P-1');
      expect([o.state, o.holdReason, await reserved('TENT', 'dc')]).toEqual(['on_hold', 'payment', 0]);
    });

    it('an order waiting for a protected-stock approval, held by hand: its request is withdrawn (audited, out of the inbox, a late decision refused); the release asks again', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 0 }], 'store-ams': [{ sku: 'TENT', onHand: 3, protected: 3 }] });
      await t.send(order('A-1'));
      expect([(await getOrder('A-1')).state, (await getOrder('A-1')).holdReason]).toEqual(['on_hold', 'approval']);
      const inbox = async () => ((await t.api('GET', '/v1/approvals?state=pending', t.adminKey)).body.items as Array<{ id: string; subjectRef: string }>).filter((a) => a.subjectRef === id('A-1'));
      const [asked] = await inbox();
      expect(asked).toBeDefined();

      const held = await t.api('POST', `/v1/orders/${id('A-1')}/hold`, await t.keyFor('service_agent'), { reason: 'customer called' });
      expect([held.status, held.body.holdReason]).toEqual([200, 'manual']);
      expect(await inbox()).toEqual([]);
      const a = (await t.api('GET', `/v1/approvals/${asked!.id}`, t.adminKey)).body;
      expect(a.status).toBe('withdrawn');
      const audited = await t.app.store.read.all<{ detail: string }>(`SELECT detail FROM audit WHERE action = 'approval.withdrawn' AND subject = ?`, [`approval:${asked!.id}`]);
      expect(audited).toHaveLength(1);
      expect(JSON.parse(audited[0]!.detail)).toMatchObject({ subjectRef: id('A-1'), reason: 'order held by hand: customer called' });
      // Regional ops decide it late: refused as closed, and the hand hold stands.
      const late = await t.api('POST', `/v1/approvals/${asked!.id}/decision`, await t.keyFor('regional_ops'), { decision: 'approve' });
      expect([late.status, late.body.code]).toEqual([409, 'E_ALREADY_DECIDED']);
      expect((await getOrder('A-1')).holdReason).toBe('manual');

      // Released: routing asks again — one new pending request, the old one stays withdrawn.
      expect((await t.api('POST', `/v1/orders/${id('A-1')}/release`, t.adminKey, {})).status).toBe(200);
      expect([(await getOrder('A-1')).state, (await getOrder('A-1')).holdReason]).toEqual(['on_hold', 'approval']);
      const again = await inbox();
      expect(again).toHaveLength(1);
      expect(again[0]!.id).not.toBe(asked!.id);
    });

    it('an order waiting for a protected-stock approval, cancelled: its request is withdrawn too (out of the inbox, a late decision refused)', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 0 }], 'store-ams': [{ sku: 'TENT', onHand: 3, protected: 3 }] });
      await t.send(order('A-2'));
      expect([(await getOrder('A-2')).state, (await getOrder('A-2')).holdReason]).toEqual(['on_hold', 'approval']);
      const inbox = async () => ((await t.api('GET', '/v1/approvals?state=pending', t.adminKey)).body.items as Array<{ id: string; subjectRef: string }>).filter((a) => a.subjectRef === id('A-2'));
      const [asked] = await inbox();
      expect(asked).toBeDefined();
      expect((await t.api('POST', `/v1/orders/${id('A-2')}/cancel`, t.adminKey, { reason: 'customer changed their mind' })).status).toBe(200);
      expect((await getOrder('A-2')).state).toBe('cancelled');
      expect(await inbox()).toEqual([]);
      expect((await t.api('GET', `/v1/approvals/${asked!.id}`, t.adminKey)).body.status).toBe('withdrawn');
      // Listed as withdrawn, where someone asking "what happened to that request" looks.
      const listed = (await t.api('GET', '/v1/approvals?state=withdrawn', t.adminKey)).body.items as Array<{ id: string }>;
      expect(listed.map((a) => a.id)).toContain(asked!.id);
      const late = await t.api('POST', `/v1/approvals/${asked!.id}/decision`, await t.keyFor('regional_ops'), { decision: 'approve' });
      expect([late.status, late.body.code]).toEqual([409, 'E_ALREADY_DECIDED']);
    });

    it('a hold or release the handler refuses (the order changed after the route checked it) answers 409, and so does its Idempotency-Key retry', async () => {
      await setup({ dc: [{ sku: 'TENT', onHand: 5 }] });
      await t.send(order('C-1'));
      await t.send(order('C-2'));
      const f = (await getOrder('C-1')).fulfilments[0] as Fulfilment;
      // The order changes between the route's check and its command: what happens in between is
      // processed first, deterministically, by running it when the command reaches the intake.
      const intake = t.app.intake;
      const submit = intake.submit.bind(intake);
      let between: (() => Promise<unknown>) | undefined;
      intake.submit = (async (...args: Parameters<typeof submit>) => {
        const go = between;
        between = undefined;
        if (go) await go();
        return submit(...args);
      }) as typeof intake.submit;

      between = () => t.send(envelope({ type: 'fulfilment.shipped', payload: { fulfilmentId: f.id } }));
      const headers = { 'idempotency-key': 'hold-c1' };
      const held = await t.api('POST', `/v1/orders/${id('C-1')}/hold`, t.adminKey, { reason: 'look' }, headers);
      expect([held.status, held.body.code]).toEqual([409, 'E_INVALID_STATE']);
      expect(JSON.stringify(held.body)).toMatch(/shipped/);
      expect((await getOrder('C-1')).state).toBe('shipped');
      const retry = await t.api('POST', `/v1/orders/${id('C-1')}/hold`, t.adminKey, { reason: 'look' }, headers);
      expect([retry.status, retry.body.code]).toEqual([409, 'E_INVALID_STATE']);
      expect((await t.app.store.read.all(`SELECT id FROM events WHERE type = 'order.hold_requested'`))).toHaveLength(1);

      expect((await t.api('POST', `/v1/orders/${id('C-2')}/hold`, t.adminKey, { reason: 'look' })).status).toBe(200);
      between = () => t.send(envelope({ type: 'order.cancel_requested', payload: { externalOrderId: 'C-2', reason: 'customer' } }));
      const released = await t.api('POST', `/v1/orders/${id('C-2')}/release`, t.adminKey, {});
      expect([released.status, released.body.code]).toEqual([409, 'E_INVALID_STATE']);
      expect((await getOrder('C-2')).state).toBe('cancelled');
    });
  });
}
