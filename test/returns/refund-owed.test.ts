import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from './support.js';

// A tent and a mug, 130 on the lines.
const TENT_AND_MUG = [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }];
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });

interface Item { id: string; subjectRef: string; summary: string; detail: Record<string, unknown>; ownerRole: string; state: string }

for (const factory of storeFactories()) {
  describe(`when room to refund frees, finance is told what a cut or refused return is owed: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    const returnOf = (ext: string, lineId: string, qty = 1) => w.requestReturn({ externalOrderId: ext, lines: [{ lineId, qty }], reason: 'arrived broken' });
    const settle = (refundId: string, tie: { reference?: string; channelRefundId?: string } = {}) => w.send(envelope({ type: 'refund.settled', payload: { refundId, ...tie } }));
    const refundedAtChannel = (externalOrderId: string, payload: Record<string, unknown>) => w.send(envelope({ type: 'payment.refunded', payload: { externalOrderId, ...payload } }));
    const capture = (externalOrderId: string, payload: Record<string, unknown>) => w.send(envelope({ type: 'payment.captured', payload: { externalOrderId, ...payload } }));
    /** Finance's open items saying a case is owed more (not the refusal's own item). */
    async function owedItems(caseId?: string): Promise<Item[]> {
      const r = await w.t.api('GET', '/v1/exceptions?queue=reconciliation_discrepancy&limit=500', w.t.adminKey);
      expect(r.status).toBe(200);
      return (r.body.items as Item[]).filter((x) => /:owed:/.test(x.subjectRef) && (caseId === undefined || x.detail.caseId === caseId));
    }
    const owedAudit = async (caseId: string) =>
      (await w.t.app.store.read.all<{ detail: string }>(`SELECT detail FROM audit WHERE action = 'refund.owed' AND subject = ? ORDER BY seq`, [`return:${caseId}`])).map((r) => JSON.parse(r.detail));

    it('the echo tied by our settlement stops counting twice: the refund cut meanwhile is owed what it counted, told once', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await w.deliveredOrder('7101', TENT_AND_MUG, T0 + 3_600_000, 'c-7101', 130);
      const orderId = orderIdFor('web', '7101');
      w.now = T0 + 2 * DAY;
      const mug = await w.caseOf((await returnOf('7101', '2')).id);
      expect(mug.refund).toMatchObject({ state: 'sent', amount: 10 });
      // The shop tells its echo of our refund before the payment side settles ours: both count for now.
      await refundedAtChannel('7101', { amount: 10, currency: 'EUR', refundId: '9101' });
      const tent = await w.caseOf((await returnOf('7101', '1')).id);
      expect(tent.refund).toMatchObject({ state: 'sent', amount: 110, limitedBy: { asked: 120, alreadyRefunded: 20 } });
      expect(tent.refundOwedNow).toBeNull();
      expect(await owedItems()).toEqual([]);

      const settlement = await settle(mug.refund.id, { channelRefundId: '9101' });
      const items = await owedItems();
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({
        ownerRole: 'finance', subjectRef: `return:${tent.id}:owed:${settlement}`,
        summary: `return case ${tent.id} of order ${orderId}: refund cut from 120 to 110 EUR; 10 EUR can now be paid (our refund ${mug.refund.id} was paid out as the channel's refund 9101: the two no longer count twice)`,
        detail: { orderId, caseId: tent.id, refundId: tent.refund.id, short: 10, payableNow: 10, owedInAll: 10, toldBefore: 0, currency: 'EUR', causeEventId: settlement, causeType: 'refund.settled' },
      });
      const after = await w.caseOf(tent.id);
      expect(after.refundOwedNow).toEqual({ amount: 10, currency: 'EUR', of: 'cut_refund', refundId: tent.refund.id, asked: 120, refunded: 110, short: 10, toldFinance: 10 });
      // Nothing was paid on its own: the refund stays what it was.
      expect(after.refund).toMatchObject({ state: 'sent', amount: 110 });
      expect(after.history.at(-1).note).toBe(`10 EUR more can be paid by hand (10 owed in all of 10 short): our refund ${mug.refund.id} was paid out as the channel's refund 9101: the two no longer count twice; finance item ${items[0]!.id}`);
      expect(await owedAudit(tent.id)).toEqual([expect.objectContaining({ caseId: tent.id, payableNow: 10, causeEventId: settlement })]);

      // The settlement told again (another delivery) is ignored, and a later freeing that frees nothing new tells nothing.
      await settle(mug.refund.id, { channelRefundId: '9101' });
      // 140 captured frees 10 more, but the tent was short only the 10 finance was told.
      await capture('7101', { amount: 140, captureId: 'tx-1' });
      expect((await w.caseOf(tent.id)).refundOwedNow).toMatchObject({ amount: 10, toldFinance: 10 });
      // What finance was told is held for the tent, paid by hand or not: the next return is weighed
      // against 140 − 120 refunded − 10 owed = 10, not the 20 it would read if a top-up paid by hand were still there.
      expect((await w.order('7101')).leftToRefund).toMatchObject({ amount: 10, refunded: 130, owedToCases: [{ caseId: tent.id, amount: 10 }] });
      expect(await owedItems()).toHaveLength(1);
      expect(await owedAudit(tent.id)).toHaveLength(1);
    });

    it('a refund turned down pays nothing: a case refused meanwhile is owed, its refusal item stays as it was', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      // Two tents and a shoe, 320 on the lines; 240 paid (a voucher).
      await w.deliveredOrder('7102', [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 120 }, { lineId: '2', sku: 'SHOE', qty: 1, unitPrice: 80 }], T0 + 3_600_000, 'c-7102', 240);
      const orderId = orderIdFor('web', '7102');
      w.now = T0 + 2 * DAY;
      const asked = await returnOf('7102', '1', 2);
      // Worth over 200: the recommendation is approved first, then the refund waits for finance's approval.
      await w.settled(await w.decide(`appr-ai_recommendation-${asked.id}`, 'ai_recommendation', asked.id, 'approved'));
      await w.drained();
      const tents = await w.caseOf(asked.id);
      // Over 200: the refund waits for finance's approval, and counts meanwhile.
      expect(tents.refund).toMatchObject({ state: 'awaiting_approval', amount: 240 });
      const shoe = await w.caseOf((await returnOf('7102', '2')).id);
      expect(shoe).toMatchObject({ state: 'refunded', refund: null, refundRefused: { code: 'nothing_left_to_refund', asked: 80 } });
      const refusal = (await w.t.api('GET', '/v1/exceptions?queue=reconciliation_discrepancy', w.t.adminKey)).body.items.find((x: Item) => x.subjectRef === `return:${shoe.id}`);
      expect(refusal.summary).toMatch(/nothing left to refund/);

      const decision = await w.decide(tents.approvals.find((a: { subject: string }) => a.subject === 'refund').approvalId, 'refund', tents.refund.id, 'rejected');
      await w.settled(decision);
      await w.drained();
      expect((await w.caseOf(tents.id)).refund.state).toBe('rejected');
      const items = await owedItems(shoe.id);
      expect(items).toHaveLength(1);
      expect(items[0]!.summary).toBe(`return case ${shoe.id} of order ${orderId}: refund of 80 EUR refused, nothing was left; 80 EUR can now be paid (the refund ${tents.refund.id} of return case ${tents.id} (240 EUR) was turned down: it pays nothing)`);
      expect(items[0]!.detail).toMatchObject({ refundId: null, of: 'refused_refund', short: 80, payableNow: 80, causeEventId: decision, causeType: 'approval.decided' });
      expect((await w.caseOf(shoe.id)).refundOwedNow).toEqual({ amount: 80, currency: 'EUR', of: 'refused_refund', refundId: null, asked: 80, refunded: 0, short: 80, toldFinance: 80 });
      // The refusal's item is untouched: two items, each one thing to do.
      const stillThere = (await w.t.api('GET', '/v1/exceptions?queue=reconciliation_discrepancy', w.t.adminKey)).body.items.find((x: Item) => x.subjectRef === `return:${shoe.id}`);
      expect(stillThere.summary).toBe(refusal.summary);
      // A refund turned down is owed nothing itself.
      expect((await w.caseOf(tents.id)).refundOwedNow).toBeNull();
    });

    it('captures reported later raise the bound: the room is shared oldest first, a second freeing tells only what goes beyond', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await w.deliveredOrder('7103', TENT_AND_MUG, T0 + 3_600_000, 'c-7103', 130);
      const orderId = orderIdFor('web', '7103');
      // The first parcel's capture is all the channel reported so far: 100.
      await capture('7103', { amount: 100, captureId: 'tx-1' });
      w.now = T0 + 2 * DAY;
      const tent = await w.caseOf((await returnOf('7103', '1')).id);
      expect(tent.refund).toMatchObject({ state: 'sent', amount: 100, limitedBy: { asked: 120, paid: 100 } });
      w.now = T0 + 3 * DAY;
      const mug = await w.caseOf((await returnOf('7103', '2')).id);
      expect(mug).toMatchObject({ state: 'refunded', refund: null, refundRefused: { code: 'nothing_left_to_refund' } });

      const tx2 = await capture('7103', { amount: 10, captureId: 'tx-2' });
      let items = await owedItems();
      expect(items.map((x) => [x.detail.caseId, x.detail.payableNow])).toEqual([[tent.id, 10]]);
      expect(items[0]!.summary).toBe(`return case ${tent.id} of order ${orderId}: refund cut from 120 to 100 EUR; 10 EUR can now be paid (the channel reported 110 EUR captured, 100 before)`);
      expect(items[0]!.detail.causeEventId).toBe(tx2);

      // The same capture told again counts once: nothing freed, nothing told.
      await capture('7103', { amount: 10, captureId: 'tx-2' });
      expect(await owedItems()).toHaveLength(1);

      // 20 more captured while the first item is still open: the tent is owed 10 more (20 in all), the mug its 10.
      const tx3 = await capture('7103', { amount: 20, captureId: 'tx-3' });
      items = await owedItems();
      expect(items).toHaveLength(3);
      const second = items.filter((x) => x.detail.causeEventId === tx3);
      const figures = (caseId: string) => second.filter((x) => x.detail.caseId === caseId).map((x) => [x.detail.payableNow, x.detail.owedInAll, x.detail.toldBefore]);
      expect(figures(tent.id)).toEqual([[10, 20, 10]]);
      expect(figures(mug.id)).toEqual([[10, 10, 0]]);
      expect(second.find((x) => x.detail.caseId === tent.id)!.summary).toBe(`return case ${tent.id} of order ${orderId}: refund cut from 120 to 100 EUR; 10 EUR more can now be paid (20 in all, 10 told before) (the channel reported 130 EUR captured, 110 before)`);
      // The first item keeps its own figure: each item is one payment.
      expect(items.find((x) => x.detail.causeEventId === tx2)!.detail.payableNow).toBe(10);
      expect((await w.caseOf(tent.id)).refundOwedNow).toMatchObject({ amount: 20, short: 20, toldFinance: 20 });
      expect((await w.caseOf(mug.id)).refundOwedNow).toMatchObject({ amount: 10, short: 10, toldFinance: 10, of: 'refused_refund' });
    });
  });
}
