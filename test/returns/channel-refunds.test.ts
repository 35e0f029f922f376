import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { refundOfCase } from '../../src/store/repos/returns.js';
import { DAY, LOCATION, ReturnsWorld, T0, fakeApprovals, scriptedAi } from './support.js';

// A tent and a mug, 130 on the lines and 130 paid.
const TENT_AND_MUG = [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }];
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });

for (const factory of storeFactories()) {
  describe(`money refunded or voided at the channel bounds what a return refunds: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });
    const refunded = (externalOrderId: string, payload: Record<string, unknown>) => w.send(envelope({ type: 'payment.refunded', payload: { externalOrderId, ...payload } }));
    const capture = (externalOrderId: string, payload: Record<string, unknown>) => w.send(envelope({ type: 'payment.captured', payload: { externalOrderId, ...payload } }));

    it('a refund customer service made at the channel counts as paid out: a later return pays only what is left, a replay of the refund counts once', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await w.deliveredOrder('CR-1', TENT_AND_MUG, T0 + 3_600_000, 'c-CR-1', 130);
      // The shop's service desk refunded 100 in the channel's admin; the webhook came twice (another delivery id).
      await refunded('CR-1', { amount: 100, currency: 'EUR', refundId: 'rf-1', reason: 'goodwill' });
      await refunded('CR-1', { amount: 100, currency: 'EUR', refundId: 'rf-1', reason: 'goodwill' });
      const order = await w.order('CR-1');
      expect(order.state).toBe('delivered');
      expect(order.refundedAtChannel).toMatchObject({ amount: 100, refunds: [{ refundId: 'rf-1', amount: 100, currency: 'EUR', reason: 'goodwill' }] });

      w.now = T0 + 2 * DAY;
      const all = await w.requestReturn({ externalOrderId: 'CR-1', lines: [{ lineId: '1', qty: 1 }, { lineId: '2', qty: 1 }], reason: 'arrived broken' });
      // Before, the return refunded the full 130 on top of the 100 the channel already paid back.
      expect((await w.caseOf(all.id)).refund).toMatchObject({ state: 'sent', amount: 30 });
      expect((await refundOfCase(w.t.app.store.read, all.id))!.doc.limitedBy).toEqual({ reason: 'order_paid_amount', asked: 130, paid: 130, alreadyRefunded: 100, refundedAtChannel: 100, currency: 'EUR' });
    });

    it('a channel refund that arrives before the capture it refunds is kept: nothing goes negative, the capture then leaves what is left', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await w.deliveredOrder('CR-2', TENT_AND_MUG, T0 + 3_600_000, 'c-CR-2', 130);
      await refunded('CR-2', { amount: 50, refundId: 'rf-2' }); // no currency: the order's
      let order = await w.order('CR-2');
      expect(order.refundedAtChannel).toMatchObject({ amount: 50, refunds: [{ refundId: 'rf-2', amount: 50, currency: 'EUR' }] });
      await capture('CR-2', { amount: 130, captureId: 'tx-1' });
      order = await w.order('CR-2');
      expect(order.captured).toMatchObject({ amount: 130 });
      expect(order.refundedAtChannel.amount).toBe(50);
      w.now = T0 + 2 * DAY;
      const all = await w.requestReturn({ externalOrderId: 'CR-2', lines: [{ lineId: '1', qty: 1 }, { lineId: '2', qty: 1 }], reason: 'arrived broken' });
      expect((await w.caseOf(all.id)).refund).toMatchObject({ state: 'sent', amount: 80 });
    });

    it('refunded at the channel in full: a return finds nothing left and finance gets the item', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await w.deliveredOrder('CR-3', TENT_AND_MUG, T0 + 3_600_000, 'c-CR-3', 130);
      await refunded('CR-3', { amount: 130, refundId: 'rf-3' });
      w.now = T0 + 2 * DAY;
      const tent = await w.requestReturn({ externalOrderId: 'CR-3', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' });
      const c = await w.caseOf(tent.id);
      expect(c.refund).toBeNull();
      expect(c.refundRefused).toMatchObject({ code: 'nothing_left_to_refund', paid: 130, alreadyRefunded: 130, refundedAtChannel: 130 });
      expect(c.history.at(-1).note).toMatch(/130 already refunded \(130 of it by the channel itself\)/);
      const items = await w.t.app.store.read.all<{ queue: string; owner_role: string; detail: string }>(`SELECT queue, owner_role, detail FROM exceptions WHERE state = 'open'`);
      expect(items.map((x) => [x.queue, x.owner_role, JSON.parse(x.detail).refundedAtChannel])).toEqual([['reconciliation_discrepancy', 'finance', 130]]);
    });

    // Tents at the DC, mugs only at a store: a tent and a mug go out as two parcels, each captured on its own.
    const SPLIT_STORE = { ...LOCATION, id: 'store-utr', name: 'Store Utrecht', kind: 'store', lat: 52.09, lon: 5.12 };
    const splitShop = async () => {
      await w.send(envelope({ type: 'location.upserted', payload: SPLIT_STORE }));
      await w.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'MUG', onHand: 0 }] } }));
      await w.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-utr', counts: [{ sku: 'MUG', onHand: 20 }] } }));
    };

    it('a voided capture comes out of what was captured, also against a running total that may hold it', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await splitShop();
      await w.deliveredOrder('CR-4', TENT_AND_MUG, T0 + 3_600_000, 'c-CR-4', 130);
      await capture('CR-4', { amount: 120, captureId: 'tx-tent' });
      await capture('CR-4', { amount: 10, captureId: 'tx-mug' });
      await capture('CR-4', { amount: 130 }); // the order webhook's running total, sent before the void
      await w.send(envelope({ type: 'payment.voided', payload: { externalOrderId: 'CR-4', captureId: 'tx-tent' } }));
      const order = await w.order('CR-4');
      // Before: 130 stayed the bound (the void was refused at the door).
      expect(order.captured).toMatchObject({ amount: 10, runningTotal: 130, voided: [{ captureId: 'tx-tent' }] });
      w.now = T0 + 2 * DAY;
      const all = await w.requestReturn({ externalOrderId: 'CR-4', lines: [{ lineId: '1', qty: 1 }, { lineId: '2', qty: 1 }], reason: 'arrived broken' });
      expect((await w.caseOf(all.id)).refund).toMatchObject({ state: 'sent', amount: 10 });
    });
  });
}
