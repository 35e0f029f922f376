import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope, type TestApp } from '../support/app.js';
import { DC_TILBURG, startShop, webOrder } from '../support/shop.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { eventById } from '../../src/store/repos/events.js';

// 2026-11-30 09:00 UTC = 10:00 local (+60): before every cut-off.
const T0 = Date.parse('2026-11-30T09:00:00Z');
const TENT = { sku: 'TENT', qty: 1, unitPrice: 120 };

const payment = (type: string, externalOrderId: string, payload: Record<string, unknown> = {}) => envelope({ type, payload: { externalOrderId, ...payload } });

for (const factory of storeFactories()) {
  describe(`money refunded or voided at the channel, on the order: ${factory.name}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());
    const order = async (ext: string) => (await t.api('GET', `/v1/orders/${orderIdFor('web', ext)}`, t.adminKey)).body;
    const reserved = async () => Number((await t.app.store.read.get<{ n: number }>(`SELECT reserved AS n FROM stock WHERE sku = 'TENT' AND location_id = 'dc'`))?.n ?? 0);

    it('a channel refund of an order not yet shipped is information about money: recorded and shown, nothing cancelled or released', async () => {
      t = await startShop(factory, () => T0, [DC_TILBURG], { dc: [{ sku: 'TENT', onHand: 5 }] });
      await t.send(webOrder('M-1', [TENT], 'captured'));
      expect((await order('M-1')).state).toBe('allocated');
      const first = await t.send(payment('payment.refunded', 'M-1', { amount: 20, currency: 'EUR', refundId: 'rf-1', reason: 'price match' }));
      const again = await t.send(payment('payment.refunded', 'M-1', { amount: 20, currency: 'EUR', refundId: 'rf-1', reason: 'price match' }));
      const o = await order('M-1');
      expect([o.state, o.paymentStatus]).toEqual(['allocated', 'captured']);
      expect(o.fulfilments.map((f: { state: string }) => f.state)).toEqual(['assigned']);
      expect(await reserved()).toBe(1);
      expect(o.refundedAtChannel).toEqual({
        amount: 20,
        refunds: [{ refundId: 'rf-1', amount: 20, currency: 'EUR', reason: 'price match', at: new Date(T0).toISOString(), eventId: first }],
      });
      const notes = o.history.filter((h: { eventId: string }) => h.eventId === first || h.eventId === again).map((h: { note: string }) => h.note);
      expect(notes).toEqual([expect.stringMatching(/refunded 20 EUR at the channel \(refund rf-1\)/), expect.stringMatching(/refund rf-1 already counted/)]);
    });

    it('an order without channel refunds shows none; malformed refunds and voids are refused at the door', async () => {
      t = await startShop(factory, () => T0, [DC_TILBURG], { dc: [{ sku: 'TENT', onHand: 5 }] });
      await t.send(webOrder('M-2', [TENT]));
      expect((await order('M-2')).refundedAtChannel).toBeNull();
      for (const [payload, path] of [
        [{ refundId: 'rf-1' }, 'payload.amount'],
        [{ amount: 10 }, 'payload.refundId'],
        [{ amount: -1, refundId: 'rf-1' }, 'payload.amount'],
        [{ amount: 10, refundId: 'rf-1', currency: 'euro' }, 'payload.currency'],
      ] as const) {
        const r = await t.postEvents(payment('payment.refunded', 'M-2', payload));
        expect([r.status, r.body.code], JSON.stringify(r.body)).toEqual([422, 'E_SCHEMA']);
        expect(r.body.errors).toEqual([expect.objectContaining({ path })]);
      }
      const voidNoOrder = await t.postEvents(envelope({ type: 'payment.voided', payload: { captureId: 'tx-1' } }));
      expect([voidNoOrder.status, voidNoOrder.body.code]).toEqual([422, 'E_SCHEMA']);
    });

    it('a channel refund for an order omniops does not know is retried, then dead-lettered (E_NOT_FOUND), as other payment events', async () => {
      t = await startShop(factory, () => Date.now(), [DC_TILBURG]);
      const r = await t.postEvents(payment('payment.refunded', 'NOPE', { amount: 10, refundId: 'rf-9' }));
      expect(r.status).toBe(202);
      let e = await eventById(t.app.store.read, r.body.eventId);
      for (let i = 0; i < 1000 && e?.status === 'pending'; i++) {
        await new Promise((res) => setTimeout(res, 10));
        e = await eventById(t.app.store.read, r.body.eventId);
      }
      expect(e!.status).toBe('dead');
      expect(e!.attempts).toBeGreaterThan(1);
      expect(e!.lastError).toMatch(/E_NOT_FOUND/);
    });

    it('the authorization voided (no captureId) while nothing was captured: held for payment like a failed payment; after a capture it changes nothing', async () => {
      t = await startShop(factory, () => T0, [DC_TILBURG], { dc: [{ sku: 'TENT', onHand: 5 }] });
      await t.send(webOrder('M-3', [TENT]));
      expect((await order('M-3')).state).toBe('allocated');
      await t.send(payment('payment.voided', 'M-3', { reason: 'authorization expired' }));
      let o = await order('M-3');
      expect([o.state, o.holdReason, o.paymentStatus]).toEqual(['on_hold', 'payment', 'failed']);
      expect(o.fulfilments.map((f: { state: string }) => f.state)).toEqual(['cancelled']);
      expect(await reserved()).toBe(0);

      await t.send(webOrder('M-4', [TENT], 'captured'));
      await t.send(payment('payment.voided', 'M-4'));
      o = await order('M-4');
      expect([o.state, o.paymentStatus]).toEqual(['allocated', 'captured']);
      expect(o.history.at(-1).note).toMatch(/authorization voided after capture/);
    });

    it('a voided capture: the capture by id counts nothing, also when its void came first; the view lists the voids', async () => {
      t = await startShop(factory, () => T0, [DC_TILBURG], { dc: [{ sku: 'TENT', onHand: 5 }] });
      await t.send(webOrder('M-5', [TENT]));
      const voided = await t.send(payment('payment.voided', 'M-5', { captureId: 'tx-2' })); // before its capture
      expect((await order('M-5')).captured).toEqual({ amount: null, captures: [], voided: [{ captureId: 'tx-2', at: new Date(T0).toISOString(), eventId: voided }] });
      await t.send(payment('payment.captured', 'M-5', { amount: 100, captureId: 'tx-1' }));
      await t.send(payment('payment.captured', 'M-5', { amount: 20, captureId: 'tx-2' }));
      const o = await order('M-5');
      expect(o.captured).toMatchObject({ amount: 100, captures: [{ captureId: 'tx-1', amount: 100 }, { captureId: 'tx-2', amount: 20 }], voided: [{ captureId: 'tx-2' }] });
      expect(o.history.at(-1).note).toMatch(/capture tx-2 was voided: it counts nothing/);
      expect(o.state).toBe('allocated');
    });

    it('the event catalog in the API document names the new payment events and their fields', async () => {
      t = await startShop(factory, () => T0, []);
      const doc = (await t.api('GET', '/openapi.json', null)).body;
      const refunded = doc['x-event-types']['payment.refunded'].payload;
      expect(refunded.required).toEqual(expect.arrayContaining(['externalOrderId', 'amount', 'refundId']));
      expect(Object.keys(refunded.properties)).toEqual(expect.arrayContaining(['currency', 'reason']));
      expect(doc['x-event-types']['payment.voided'].payload.properties.captureId).toMatchObject({ type: 'string' });
    });
  });
}
