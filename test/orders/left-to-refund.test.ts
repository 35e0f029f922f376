import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { refundOfCase } from '../../src/store/repos/returns.js';
import { leftToRefundSchema } from '../../src/api/routes/order-left-to-refund.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from '../returns/support.js';

// What a service or finance person reads on the order: how much of it can still be refunded, worked out
// by the rule a return's refund is limited by (src/domain/returns/left-to-refund.ts), with what it counts.
// A tent and a mug, 130 on the lines and 130 paid.
const TENT_AND_MUG = [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }];
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });

for (const factory of storeFactories()) {
  describe(`the order says what is left to refund, as returns' refunds are limited: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });
    const payment = (type: string, externalOrderId: string, payload: Record<string, unknown>) => w.send(envelope({ type, payload: { externalOrderId, ...payload } }));
    const returnOf = (ext: string, lines: Array<{ lineId: string; qty: number }>) => w.requestReturn({ externalOrderId: ext, lines, reason: 'arrived broken' });
    const left = async (ext: string) => {
      const o = await w.order(ext);
      // The answer is what the field's one schema (the OpenAPI document's LeftToRefund) says.
      expect(leftToRefundSchema.safeParse(o.leftToRefund).error).toBeUndefined();
      return o.leftToRefund;
    };

    it('a capture, a settled refund of a return, a refund of the channel\'s own and the echo of ours: the echo counts once, and a return is cut to exactly what the order says is left', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await w.deliveredOrder('LR-1', TENT_AND_MUG, T0 + 3_600_000, 'c-LR-1', 130);
      expect(await left('LR-1')).toEqual({ amount: 130, currency: 'EUR', boundedBy: { amount: 130, by: 'placed' }, refunded: 0, ours: [], atChannel: [], owedToCases: [] });

      // A voucher applied at capture: 125 came in, and refunds are bounded by it.
      await payment('payment.captured', 'LR-1', { captureId: 'tx-1', amount: 125 });
      expect(await left('LR-1')).toMatchObject({ amount: 125, boundedBy: { amount: 125, by: 'captured' } });

      w.now = T0 + 2 * DAY;
      const mug = await w.caseOf((await returnOf('LR-1', [{ lineId: '2', qty: 1 }])).id);
      expect(mug.refund).toMatchObject({ state: 'sent', amount: 10 });
      // The payment flow paid ours out in the shop's admin (its refund 9101) and settled it naming that refund.
      await w.send(envelope({ type: 'refund.settled', payload: { refundId: mug.refund.id, channelRefundId: '9101' } }));
      expect(await left('LR-1')).toMatchObject({ amount: 115, refunded: 10, ours: [{ refundId: mug.refund.id, caseId: mug.id, state: 'settled', amount: 10, currency: 'EUR', counts: true }] });

      // Customer service refunded 15 goodwill in the shop's admin; then the shop tells the echo of ours.
      await payment('payment.refunded', 'LR-1', { refundId: 'rf-own', amount: 15, reason: 'goodwill' });
      expect((await left('LR-1')).amount).toBe(100);
      await payment('payment.refunded', 'LR-1', { refundId: '9101', amount: 10 });
      const o = await w.order('LR-1');
      // 125 − 10 (ours, paid out as 9101: once) − 15 (the channel's own) = 100; counted twice it would read 90.
      expect(o.leftToRefund).toEqual({
        amount: 100, currency: 'EUR', boundedBy: { amount: 125, by: 'captured' }, refunded: 25,
        ours: [{ refundId: mug.refund.id, caseId: mug.id, state: 'settled', amount: 10, currency: 'EUR', counts: true, paidOutAtChannel: '9101' }],
        atChannel: [{ refundId: 'rf-own', amount: 15, currency: 'EUR', counts: 15 }], owedToCases: [],
      });
      // The channel's own list still shows what the channel told, the echo marked as ours.
      expect(o.refundedAtChannel).toMatchObject({ amount: 25, refunds: [{ refundId: 'rf-own' }, { refundId: '9101', echoOf: [mug.refund.id] }] });

      // The figure is the one a return is weighed against: the tent's 120 is cut to the 100 the order says is left.
      w.now = T0 + 3 * DAY;
      const tent = await returnOf('LR-1', [{ lineId: '1', qty: 1 }]);
      expect((await w.caseOf(tent.id)).refund).toMatchObject({ state: 'sent', amount: 100 });
      expect((await refundOfCase(w.t.app.store.read, tent.id))!.doc.limitedBy).toEqual({ reason: 'order_paid_amount', asked: 120, paid: 125, alreadyRefunded: 25, refundedAtChannel: 15, matchedAtChannel: ['9101'], currency: 'EUR' });
      const after = await left('LR-1');
      expect(after).toMatchObject({ amount: 0, refunded: 125 });
      // Oldest first.
      expect(after.ours.map((r: { caseId: string; state: string; amount: number }) => [r.caseId, r.state, r.amount])).toEqual([[mug.id, 'settled', 10], [tent.id, 'sent', 100]]);

      // The OpenAPI document carries the field's schema.
      const doc = await w.t.api('GET', '/openapi.json', w.t.adminKey);
      expect(doc.body.components.schemas.LeftToRefund).toMatchObject({ type: 'object', properties: { amount: expect.anything(), boundedBy: expect.anything(), ours: expect.anything(), atChannel: expect.anything() } });
    });

    it('an echo told larger than ours counts what went out, once the settlement ties it; before, both count (low, never high)', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await w.deliveredOrder('LR-2', TENT_AND_MUG, T0 + 3_600_000, 'c-LR-2', 130);
      w.now = T0 + 2 * DAY;
      const mug = await w.caseOf((await returnOf('LR-2', [{ lineId: '2', qty: 1 }])).id);
      // The shop tells 12 (the return's shipping refunded on top) before the payment side settles ours.
      await payment('payment.refunded', 'LR-2', { refundId: '9202', amount: 12 });
      expect(await left('LR-2')).toMatchObject({ amount: 108, refunded: 22, ours: [{ state: 'sent', counts: true }], atChannel: [{ refundId: '9202', counts: 12 }] });
      await w.send(envelope({ type: 'refund.settled', payload: { refundId: mug.refund.id, channelRefundId: '9202' } }));
      expect(await left('LR-2')).toEqual({
        amount: 118, currency: 'EUR', boundedBy: { amount: 130, by: 'placed' }, refunded: 12,
        ours: [{ refundId: mug.refund.id, caseId: mug.id, state: 'settled', amount: 10, currency: 'EUR', counts: true, paidOutAtChannel: '9202' }],
        atChannel: [{ refundId: '9202', amount: 12, currency: 'EUR', counts: 2, echoOf: [mug.refund.id] }], owedToCases: [],
      });
    });

    it('a refund turned down counts nothing; one waiting for approval counts; a channel refund in another currency leaves nothing to say', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['damaged_in_transit', 0.97], disposition: ['refund_without_return', 0.95] }) });
      await w.deliveredOrder('LR-3', [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 120 }], T0 + 3_600_000, 'c-LR-3', 240);
      w.now = T0 + 2 * DAY;
      let c = await w.caseOf((await returnOf('LR-3', [{ lineId: '1', qty: 2 }])).id);
      // Above 200: the AI's recommendation and then the refund wait for a person.
      await w.decide(`appr-ai_recommendation-${c.id}`, 'ai_recommendation', c.id, 'approved', 'ops-1');
      await w.drained();
      c = await w.caseOf(c.id);
      expect(c.refund).toMatchObject({ state: 'awaiting_approval', amount: 240 });
      expect(await left('LR-3')).toMatchObject({ amount: 0, refunded: 240, ours: [{ refundId: c.refund.id, state: 'awaiting_approval', counts: true }] });
      await w.decide(c.refund.approvalId, 'refund', c.refund.id, 'rejected', 'fin-1');
      await w.drained();
      expect(await left('LR-3')).toMatchObject({ amount: 240, refunded: 0, ours: [{ refundId: c.refund.id, state: 'rejected', amount: 240, counts: false }] });

      await payment('payment.refunded', 'LR-3', { refundId: 'rf-usd', amount: 5, currency: 'USD' });
      expect(await left('LR-3')).toMatchObject({ amount: null, cannotWeigh: 'currency_differs', refunded: 0, atChannel: [{ refundId: 'rf-usd', amount: 5, currency: 'USD', counts: 5 }] });
    });

    it('a list of orders does not carry it (a read per order for a figure the list does not show); an unknown order is 404', async () => {
      await w.start(factory);
      await w.deliveredOrder('LR-4', TENT_AND_MUG);
      const list = await w.t.api('GET', '/v1/orders?externalId=LR-4', w.t.adminKey);
      expect(list.body.items).toHaveLength(1);
      expect(list.body.items[0].leftToRefund).toBeUndefined();
      const missing = await w.t.api('GET', '/v1/orders/nope', w.t.adminKey);
      expect([missing.status, missing.body.code]).toEqual([404, 'E_NOT_FOUND']);
    });
  });
}
