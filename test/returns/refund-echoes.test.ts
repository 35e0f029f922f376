import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { refundOfCase } from '../../src/store/repos/returns.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from './support.js';

// A tent and a mug, 130 on the lines and 130 paid; the order is Shopify's (its id is the external id).
const TENT_AND_MUG = [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }];
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });

for (const factory of storeFactories()) {
  describe(`our refund paid out through the channel comes back from it and counts once: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    /** Shopify's `refunds/create` for one refund transaction, as the shop sends it, signed; waits until processed. */
    async function shopifyRefund(orderId: string, transactionId: number, amount: string, webhookId: string) {
      const raw = JSON.stringify({
        id: transactionId + 1_000_000, order_id: Number(orderId), created_at: '2026-11-04T10:00:00+01:00', note: null, restock: false, refund_line_items: [], order_adjustments: [],
        transactions: [{ id: transactionId, order_id: Number(orderId), kind: 'refund', status: 'success', amount, currency: 'EUR', parent_id: 1, gateway: 'shopify_payments' }],
      });
      const res = await fetch(`${w.t.url}/v1/adapters/shopify/web`, {
        method: 'POST', body: raw,
        headers: { 'content-type': 'application/json', 'x-shopify-topic': 'refunds/create', 'x-shopify-webhook-id': webhookId, 'x-shopify-hmac-sha256': createHmac('sha256', w.t.secret).update(raw).digest('base64') },
      });
      const body = (await res.json()) as { results: Array<{ eventId: string }> };
      expect(res.status, JSON.stringify(body)).toBe(202);
      for (const r of body.results) await w.settled(r.eventId);
    }

    const returnOf = (ext: string, lineId: string) => w.requestReturn({ externalOrderId: ext, lines: [{ lineId, qty: 1 }], reason: 'arrived broken' });
    const settle = (refundId: string, tie: { reference?: string; channelRefundId?: string } = {}) => w.send(envelope({ type: 'refund.settled', payload: { refundId, ...tie } }));

    it('settled with the Shopify refund id, the echo of our refund is the same money: a later return of the order is not cut', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await w.deliveredOrder('7001', TENT_AND_MUG, T0 + 3_600_000, 'c-7001', 130);
      w.now = T0 + 2 * DAY;
      const mug = await w.caseOf((await returnOf('7001', '2')).id);
      expect(mug.refund).toMatchObject({ state: 'sent', amount: 10 });
      // The payment flow paid our refund out in Shopify (transaction 9001) and told us so; Shopify then tells its refund.
      await settle(mug.refund.id, { channelRefundId: '9001' });
      await shopifyRefund('7001', 9001, '10.00', 'wh-echo-1');

      const tent = await returnOf('7001', '1');
      // Before: cut to 110 — the 10 counted twice (ours and Shopify's echo of it), and finance had an item to clear.
      expect((await w.caseOf(tent.id)).refund).toMatchObject({ state: 'sent', amount: 120 });
      expect((await refundOfCase(w.t.app.store.read, tent.id))!.doc.limitedBy).toBeUndefined();

      // The channel's figure stays what the channel told; the entry says whose refund it paid out.
      const order = await w.order('7001');
      expect(order.refundedAtChannel).toMatchObject({ amount: 10, refunds: [{ refundId: '9001', amount: 10, echoOf: [mug.refund.id] }] });
      // Told after our settlement named it: the order's history says whose refund it was.
      const told = order.history.find((x: { note?: string }) => /refund 9001/.test(x.note ?? ''));
      expect(told.note).toContain(`the echo of our refund ${mug.refund.id}: the same money, counted once against returns`);
      expect((await w.caseOf(mug.id)).refund).toMatchObject({ state: 'settled', channelRefundId: '9001', reference: null });
    });

    it('the echo before our settlement: both count until the settlement names it, then once; a larger echo counts what went out', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      // Two tents and a mug, 130 paid.
      await w.deliveredOrder('7002', [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 60 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }], T0 + 3_600_000, 'c-7002', 130);
      w.now = T0 + 2 * DAY;
      const mug = await w.caseOf((await returnOf('7002', '2')).id);
      expect(mug.refund).toMatchObject({ state: 'sent', amount: 10 });
      // Shopify tells the refund before the payment side settles ours: 12 went out (the return shipping on top).
      await shopifyRefund('7002', 9002, '12.00', 'wh-echo-2');
      expect((await w.order('7002')).refundedAtChannel.refunds[0].echoOf).toBeUndefined();
      expect((await w.order('7002')).history.some((x: { note?: string }) => /the echo of our refund/.test(x.note ?? ''))).toBe(false);
      const tent1 = await returnOf('7002', '1');
      // Nothing ties the two yet: both count (130 − 10 − 12 = 108 left, the 60 paid in full); a lower bound all the same.
      expect((await w.caseOf(tent1.id)).refund).toMatchObject({ state: 'sent', amount: 60 });

      await settle(mug.refund.id, { channelRefundId: '9002', reference: 'PSP-77-9002' });
      const settled = await w.caseOf(mug.id);
      expect(settled.refund).toMatchObject({ reference: 'PSP-77-9002', channelRefundId: '9002' });
      // The step to refunded says so (the case then closes by itself: its work is done).
      expect(settled.history.find((x: { to: string }) => x.to === 'refunded').note).toMatch(/matched channel refund 9002 \(12 EUR\)/);
      const audit = await w.t.app.store.read.all<{ detail: string }>(`SELECT detail FROM audit WHERE action = 'refund.settled' AND subject = ?`, [`refund:${mug.refund.id}`]);
      expect(JSON.parse(audit[0]!.detail)).toMatchObject({ reference: 'PSP-77-9002', channelRefundId: '9002', matchedChannelRefund: { refundId: '9002', amount: 12, currency: 'EUR' } });
      expect((await w.order('7002')).refundedAtChannel.refunds[0].echoOf).toEqual([mug.refund.id]);

      const tent2 = await returnOf('7002', '1');
      // 130 − 12 (ours paid out as 12: the larger, once) − 60 = 58 left. Before: 130 − 10 − 12 − 60 = 48.
      const c2 = await w.caseOf(tent2.id);
      expect(c2.refund).toMatchObject({ state: 'sent', amount: 58 });
      expect(c2.history.some((x: { note?: string }) => /the channel's refund 9002 paid out ours: counted once/.test(x.note ?? ''))).toBe(true);
      expect(c2.refund.limitedBy).toEqual({ reason: 'order_paid_amount', asked: 60, paid: 130, alreadyRefunded: 72, refundedAtChannel: 2, matchedAtChannel: ['9002'], currency: 'EUR' });
    });

    it("a free-text reference that equals a channel refund's id ties nothing (it may be the ERP's own number): both count, low never high", async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await w.deliveredOrder('7004', TENT_AND_MUG, T0 + 3_600_000, 'c-7004', 130);
      w.now = T0 + 2 * DAY;
      const mug = await w.caseOf((await returnOf('7004', '2')).id);
      await settle(mug.refund.id, { reference: '9004' });
      // A goodwill refund in the Shopify admin whose transaction id happens to read the same.
      await shopifyRefund('7004', 9004, '10.00', 'wh-own-4');
      expect((await w.order('7004')).refundedAtChannel.refunds[0].echoOf).toBeUndefined();
      const tent = await returnOf('7004', '1');
      // 130 − 10 (ours) − 10 (the channel's) = 110: tied by the reference, it would have paid 120.
      expect((await w.caseOf(tent.id)).refund).toMatchObject({ state: 'sent', amount: 110 });
    });

    it('a settlement reference that names no channel refund changes nothing: our refund counts, the channel refunds count', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await w.deliveredOrder('7003', TENT_AND_MUG, T0 + 3_600_000, 'c-7003', 130);
      w.now = T0 + 2 * DAY;
      const mug = await w.caseOf((await returnOf('7003', '2')).id);
      await settle(mug.refund.id, { reference: 'ERP-RF-7003' });
      // Customer service refunded 15 goodwill in the Shopify admin: money of its own.
      await shopifyRefund('7003', 9003, '15.00', 'wh-own-3');
      expect((await w.order('7003')).refundedAtChannel.refunds[0].echoOf).toBeUndefined();
      const tent = await returnOf('7003', '1');
      expect((await w.caseOf(tent.id)).refund).toMatchObject({ state: 'sent', amount: 105 });
    });
  });
}
