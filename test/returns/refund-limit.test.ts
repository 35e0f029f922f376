import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { refundOfCase, returnCaseById } from '../../src/store/repos/returns.js';
import { DAY, LOCATION, ReturnsWorld, T0, fakeApprovals, scriptedAi } from './support.js';

// A tent and a mug, 130 on the lines; what the customer paid differs per test (a voucher, shipping).
const TENT_AND_MUG = [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }];
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });

for (const factory of storeFactories()) {
  describe(`refunds never exceed what the customer paid: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    const openExceptions = async () =>
      (await w.t.app.store.read.all<{ queue: string; subject: string; owner_role: string; detail: string }>(`SELECT queue, subject, owner_role, detail FROM exceptions WHERE state = 'open' ORDER BY opened_ms, id`))
        .map((x) => ({ queue: x.queue, subject: x.subject, ownerRole: x.owner_role, detail: JSON.parse(x.detail) }));

    it('an order-level voucher: the first refund is cut to what was paid, the next finds nothing left and goes to finance', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      // 130 of goods, 100 paid: a 30 voucher on the whole order that no line carries.
      const orderId = await w.deliveredOrder('L-1', TENT_AND_MUG, T0 + 3_600_000, 'c-L-1', 100);
      w.now = T0 + 2 * DAY;

      const tent = await w.requestReturn({ externalOrderId: 'L-1', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' });
      const c1 = await w.caseOf(tent.id);
      expect(c1.refund, JSON.stringify(c1.history)).toMatchObject({ state: 'sent', amount: 100, lines: [{ lineId: '1', qty: 1, amount: 100 }] });
      // The case still says what the tent was worth; the refund says why it pays less.
      expect(c1.value).toBe(120);
      const stored = await refundOfCase(w.t.app.store.read, tent.id);
      expect(stored!.doc.limitedBy).toEqual({ reason: 'order_paid_amount', asked: 120, paid: 100, alreadyRefunded: 0, currency: 'EUR' });
      expect(c1.refund.limitedBy).toEqual(stored!.doc.limitedBy);
      expect(c1.history.some((h: { note?: string }) => /cut from 120 to 100/.test(h.note ?? ''))).toBe(true);
      const audit = await w.t.app.store.read.all<{ detail: string }>(`SELECT detail FROM audit WHERE action = 'refund.created' AND subject = ?`, [`refund:${c1.refund.id}`]);
      expect(JSON.parse(audit[0]!.detail)).toMatchObject({ caseId: tent.id, limitedBy: { reason: 'order_paid_amount', asked: 120, paid: 100 } });

      const mug = await w.requestReturn({ externalOrderId: 'L-1', lines: [{ lineId: '2', qty: 1 }], reason: 'arrived broken' });
      const c2 = await w.caseOf(mug.id);
      expect(c2.refund).toBeNull();
      expect(c2.refundRefused).toMatchObject({ code: 'nothing_left_to_refund', paid: 100 });
      // It waits for finance as a cut refund's case does (case-closing.ts): the customer may be owed all of it.
      expect(c2.state).toBe('refunded');
      expect(c2.history.at(-1).note).toMatch(/nothing left to refund: 100 paid, 100 already refunded/);
      expect((await returnCaseById(w.t.app.store.read, mug.id))!.doc.refundRefused).toEqual({ code: 'nothing_left_to_refund', asked: 10, paid: 100, alreadyRefunded: 100, currency: 'EUR' });
      expect(await openExceptions()).toEqual([
        expect.objectContaining({ queue: 'reconciliation_discrepancy', ownerRole: 'finance', subject: `return:${mug.id}`, detail: expect.objectContaining({ orderId, caseId: mug.id, asked: 10, paid: 100, alreadyRefunded: 100 }) }),
      ]);
      const sum = await w.t.app.store.read.get<{ s: number }>('SELECT SUM(amount) AS s FROM refunds WHERE order_id = ?', [orderId]);
      expect(Number(sum!.s)).toBe(100);
    });

    /** A recommendation worth more than 200 waits for operations first (fakeApprovals): agreed here. */
    const agreed = async (c: { id: string; state: string }) => {
      if (c.state !== 'awaiting_approval') return c;
      await w.decide(`appr-ai_recommendation-${c.id}`, 'ai_recommendation', c.id, 'approved', 'ops-1');
      await w.drained();
      return c;
    };

    it('partial returns in several cases add up to exactly what was paid, and a rejected refund frees its part again', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      // Two tents, 240 on the line, 230 paid (a 10 voucher): a refund above 200 waits for finance.
      const orderId = await w.deliveredOrder('L-2', [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 3, unitPrice: 10 }], T0 + 3_600_000, 'c-L-2', 260);
      w.now = T0 + 2 * DAY;

      const mugs = await w.requestReturn({ externalOrderId: 'L-2', lines: [{ lineId: '2', qty: 3 }], reason: 'arrived broken' });
      expect((await w.caseOf(mugs.id)).refund).toMatchObject({ state: 'sent', amount: 30 });
      // 260 paid, 30 refunded: the two tents (240) are cut to the 230 left, and wait for finance.
      const tents = await agreed(await w.requestReturn({ externalOrderId: 'L-2', lines: [{ lineId: '1', qty: 2 }], reason: 'arrived broken' }));
      const waiting = (await w.caseOf(tents.id)).refund;
      expect(waiting).toMatchObject({ state: 'awaiting_approval', amount: 230, lines: [{ lineId: '1', qty: 2, amount: 230 }] });
      // A refund still waiting for approval counts: nothing is left for a third case meanwhile.
      const third = await w.requestReturn({ externalOrderId: 'L-2', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' });
      expect(third.state).toBe('rejected');

      // Finance turns the tents' refund down: it no longer counts, and a new case of the tents gets the 230 again.
      await w.decide(waiting.approvalId, 'refund', waiting.id, 'rejected');
      await w.drained();
      expect((await w.caseOf(tents.id)).state).toBe('rejected');
      const again = await agreed(await w.requestReturn({ externalOrderId: 'L-2', lines: [{ lineId: '1', qty: 2 }], reason: 'arrived broken' }));
      expect((await w.caseOf(again.id)).refund).toMatchObject({ state: 'awaiting_approval', amount: 230 });
      const live = await w.t.app.store.read.get<{ s: number }>(`SELECT SUM(amount) AS s FROM refunds WHERE order_id = ? AND state <> 'rejected'`, [orderId]);
      expect(Number(live!.s)).toBe(260);
    });

    it('a capture of less than the order was placed with bounds the refunds, not the placed amount', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await w.deliveredOrder('L-4', TENT_AND_MUG, T0 + 3_600_000, 'c-L-4', 130);
      // The channel captured 100 in the end (a voucher applied at capture).
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'L-4', amount: 100 } }));
      w.now = T0 + 2 * DAY;
      const tent = await w.requestReturn({ externalOrderId: 'L-4', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' });
      expect((await w.caseOf(tent.id)).refund).toMatchObject({ state: 'sent', amount: 100 });
      expect((await refundOfCase(w.t.app.store.read, tent.id))!.doc.limitedBy).toMatchObject({ asked: 120, paid: 100 });
    });

    // Tents at the DC, mugs only at the store: a tent and a mug go out as two parcels, each captured on its own.
    const SPLIT_STORE = { ...LOCATION, id: 'store-utr', name: 'Store Utrecht', kind: 'store', lat: 52.09, lon: 5.12 };
    const splitShop = async () => {
      await w.send(envelope({ type: 'location.upserted', payload: SPLIT_STORE }));
      await w.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'dc', counts: [{ sku: 'MUG', onHand: 0 }] } }));
      await w.send(envelope({ type: 'inventory.snapshot', payload: { locationId: 'store-utr', counts: [{ sku: 'MUG', onHand: 20 }] } }));
    };
    const capture = (externalOrderId: string, payload: Record<string, unknown>) => w.send(envelope({ type: 'payment.captured', payload: { externalOrderId, ...payload } }));

    it('a split order captured per parcel (captureId) is refundable up to the sum of its captures, not the last one', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await splitShop();
      await w.deliveredOrder('L-5', TENT_AND_MUG, T0 + 3_600_000, 'c-L-5', 130);
      expect((await w.order('L-5')).fulfilments).toHaveLength(2);
      // The shop captures each parcel as it ships: 120 for the tent, 10 for the mug.
      await capture('L-5', { amount: 120, captureId: 'tx-tent' });
      await capture('L-5', { amount: 10, captureId: 'tx-mug' });
      w.now = T0 + 2 * DAY;
      const all = await w.requestReturn({ externalOrderId: 'L-5', lines: [{ lineId: '1', qty: 1 }, { lineId: '2', qty: 1 }], reason: 'arrived broken' });
      // Before, the mug's capture (10) replaced the tent's and the refund was cut to 10.
      expect((await w.caseOf(all.id)).refund).toMatchObject({ state: 'sent', amount: 130 });
      expect((await refundOfCase(w.t.app.store.read, all.id))!.doc.limitedBy).toBeUndefined();
    });

    it('the same capture reported again under another event id counts once', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await splitShop();
      await w.deliveredOrder('L-6', TENT_AND_MUG, T0 + 3_600_000, 'c-L-6', 130);
      // 100 captured for the tent's parcel (a voucher taken at capture), 10 for the mug's; the tent's
      // capture is resent (a webhook retried with a new delivery id).
      await capture('L-6', { amount: 100, captureId: 'tx-tent' });
      await capture('L-6', { amount: 10, captureId: 'tx-mug' });
      await capture('L-6', { amount: 100, captureId: 'tx-tent' });
      const order = await w.order('L-6');
      expect(order.captured).toMatchObject({ amount: 110, captures: [{ captureId: 'tx-tent', amount: 100 }, { captureId: 'tx-mug', amount: 10 }] });
      expect(order.history.at(-1).note).toMatch(/capture tx-tent already counted/);
      w.now = T0 + 2 * DAY;
      const all = await w.requestReturn({ externalOrderId: 'L-6', lines: [{ lineId: '1', qty: 1 }, { lineId: '2', qty: 1 }], reason: 'arrived broken' });
      expect((await w.caseOf(all.id)).refund).toMatchObject({ state: 'sent', amount: 110 });
      expect((await refundOfCase(w.t.app.store.read, all.id))!.doc.limitedBy).toMatchObject({ asked: 130, paid: 110, alreadyRefunded: 0 });
    });

    it('a channel reporting running totals (no captureId) still has its last total count', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await w.deliveredOrder('L-7', TENT_AND_MUG, T0 + 3_600_000, 'c-L-7', 130);
      await capture('L-7', { amount: 60 });
      await capture('L-7', { amount: 125 });
      expect((await w.order('L-7')).captured).toEqual({ amount: 125, runningTotal: 125, captures: [] });
      w.now = T0 + 2 * DAY;
      const all = await w.requestReturn({ externalOrderId: 'L-7', lines: [{ lineId: '1', qty: 1 }, { lineId: '2', qty: 1 }], reason: 'arrived broken' });
      expect((await w.caseOf(all.id)).refund).toMatchObject({ state: 'sent', amount: 125 });
    });

    it('shipping paid on top of the goods is not refunded by a return of the goods, and the goods are refunded in full', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      // 130 of goods plus 4.95 shipping paid.
      await w.deliveredOrder('L-3', TENT_AND_MUG, T0 + 3_600_000, 'c-L-3', 134.95);
      w.now = T0 + 2 * DAY;
      const all = await w.requestReturn({ externalOrderId: 'L-3', lines: [{ lineId: '1', qty: 1 }, { lineId: '2', qty: 1 }], reason: 'arrived broken' });
      const c = await w.caseOf(all.id);
      expect(c.refund).toMatchObject({ state: 'sent', amount: 130 });
      expect((await refundOfCase(w.t.app.store.read, all.id))!.doc.limitedBy).toBeUndefined();
    });
  });
}
