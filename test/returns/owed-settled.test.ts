import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories, type StoreFactory } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { settleOwedFromCli } from '../../src/cli/commands/returns.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from './support.js';

// Finance records what became of a top-up it was told a return case is owed: paid by hand (it stays
// counted on the order), not paid (released, and the case no longer owed it: the next case in line is
// told), and a cut refund turned down withdraws its unpaid top-ups by itself. Real events, the real API.
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });
// A tent, a shoe and a mug: 210 on the lines.
const TENT_SHOE_MUG = [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'SHOE', qty: 1, unitPrice: 80 }, { lineId: '3', sku: 'MUG', qty: 1, unitPrice: 10 }];

interface Item { id: string; subjectRef: string; summary: string; detail: Record<string, any>; state: string; resolution: { reason: string; by: string } | null }

for (const factory of storeFactories()) {
  describe(`finance records a top-up paid by hand or not paid; a refund turned down withdraws its own: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    const returnOf = (ext: string, lineId: string, qty = 1) => w.requestReturn({ externalOrderId: ext, lines: [{ lineId, qty }], reason: 'arrived broken' });
    const capture = (externalOrderId: string, amount: number, captureId: string) => w.send(envelope({ type: 'payment.captured', payload: { externalOrderId, amount, captureId } }));
    const settleOwed = (key: string, caseId: string, itemId: string, body: unknown, headers: Record<string, string> = {}) =>
      w.t.api('POST', `/v1/returns/${caseId}/owed/${itemId}/settle`, key, body, headers);
    /** Every finance item saying a case is owed more (not the refusals' own), open or resolved. */
    async function owedItems(caseId?: string): Promise<Item[]> {
      const all: Item[] = [];
      for (const state of ['open', 'resolved']) all.push(...(await w.t.api('GET', `/v1/exceptions?queue=reconciliation_discrepancy&state=${state}&limit=500`, w.t.adminKey)).body.items);
      return all.filter((x) => /:owed:/.test(x.subjectRef) && (caseId === undefined || x.detail.caseId === caseId));
    }
    const itemOf = async (id: string) => (await owedItems()).find((x) => x.id === id)!;
    const audit = async (action: string, subject: string) =>
      (await w.t.app.store.read.all<{ detail: string; actor: string }>(`SELECT detail, actor FROM audit WHERE action = ? AND subject = ? ORDER BY seq`, [action, subject])).map((r) => ({ ...JSON.parse(r.detail), actor: r.actor }));

    /**
     * 210 on the lines, 100 captured first: the tent's refund is cut from 120 to 100, then the mug and
     * the shoe are refused (nothing left). 10 more captured: the tent is told 10 (A); 20 more: the tent
     * 10 more (B), the mug its 10 (C); the shoe, last in line, nothing.
     */
    async function toldThreeTopUps(f: StoreFactory) {
      await w.start(f, { ai: REFUND_NOW });
      await w.deliveredOrder('7301', TENT_SHOE_MUG, T0 + 3_600_000, 'c-7301', 210);
      await capture('7301', 100, 'tx-1');
      w.now = T0 + 2 * DAY;
      const tent = await w.caseOf((await returnOf('7301', '1')).id);
      expect(tent.refund).toMatchObject({ state: 'sent', amount: 100, limitedBy: { asked: 120 } });
      w.now = T0 + 3 * DAY;
      const mug = await w.caseOf((await returnOf('7301', '3')).id);
      w.now = T0 + 4 * DAY;
      const shoe = await w.caseOf((await returnOf('7301', '2')).id);
      expect([mug.refundRefused?.code, shoe.refundRefused?.code]).toEqual(['nothing_left_to_refund', 'nothing_left_to_refund']);
      const tx2 = await capture('7301', 10, 'tx-2');
      const tx3 = await capture('7301', 20, 'tx-3');
      const items = await owedItems();
      const a = items.find((x) => x.detail.caseId === tent.id && x.detail.causeEventId === tx2)!;
      const b = items.find((x) => x.detail.caseId === tent.id && x.detail.causeEventId === tx3)!;
      const c = items.find((x) => x.detail.caseId === mug.id)!;
      expect([a, b, c].map((x) => [x.state, x.detail.payableNow])).toEqual([['open', 10], ['open', 10], ['open', 10]]);
      expect(items).toHaveLength(3);
      expect((await w.order('7301')).leftToRefund).toMatchObject({ amount: 0, owedToCases: [{ caseId: tent.id, amount: 20, paid: 0 }, { caseId: mug.id, amount: 10, paid: 0 }] });
      return { tent, mug, shoe, a, b, c, fin: await w.t.keyFor('finance') };
    }

    it('paid by hand: recorded with its reference, the finance item resolved with it, still counted; a retry gets the first answer; a second outcome is refused', async () => {
      const { tent, mug, a, b, fin } = await toldThreeTopUps(factory);
      const r = await settleOwed(fin, tent.id, a.id, { outcome: 'paid', reference: 'BANK-0042' }, { 'idempotency-key': 'pay-a' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.item).toMatchObject({ exceptionId: a.id, causeEventId: a.detail.causeEventId, payable: 10, state: 'paid', reference: 'BANK-0042', reason: null, settledBy: expect.stringMatching(/^finance-/) });
      const by = r.body.item.settledBy;
      expect(r.body.refundOwed).toMatchObject({ told: 20, held: 20, paid: 10, waived: 0, withdrawn: 0, currency: 'EUR' });
      // The finance item is resolved with the reference, by who recorded it, and the audit trail says so.
      expect(await itemOf(a.id)).toMatchObject({ state: 'resolved', resolution: { reason: 'paid by hand: BANK-0042', by } });
      expect(await audit('exception.resolved', `exception:${a.id}`)).toEqual([expect.objectContaining({ reason: 'paid by hand: BANK-0042', actor: by })]);
      expect(await audit('refund.owed_settled', `return:${tent.id}`)).toEqual([expect.objectContaining({ exceptionId: a.id, outcome: 'paid', reference: 'BANK-0042', amount: 10, was: 'open', held: 20 })]);
      // It went out: still counted as refunded on the order, now marked paid; nobody is owed more.
      expect((await w.order('7301')).leftToRefund).toMatchObject({ amount: 0, owedToCases: [{ caseId: tent.id, amount: 20, paid: 10 }, { caseId: mug.id, amount: 10, paid: 0 }] });
      expect(await owedItems()).toHaveLength(3);
      const c = await w.caseOf(tent.id);
      expect(c.refundOwed.items.map((x: { state: string }) => x.state)).toEqual(['paid', 'open']);
      expect(c.history.at(-1).note).toBe(`10 EUR on top paid by hand (BANK-0042), recorded by ${by}; finance item ${a.id} resolved`);
      expect(c.refundOwedNow).toMatchObject({ amount: 20, toldFinance: 20 });

      // The same command again (a lost answer retried): the first answer, nothing recorded twice.
      const again = await settleOwed(fin, tent.id, a.id, { outcome: 'paid', reference: 'BANK-0042' }, { 'idempotency-key': 'pay-a' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(r.body);
      expect(await audit('refund.owed_settled', `return:${tent.id}`)).toHaveLength(1);
      // The same key for something else is refused; a second outcome of a settled item is refused.
      expect((await settleOwed(fin, tent.id, a.id, { outcome: 'paid', reference: 'BANK-9' }, { 'idempotency-key': 'pay-a' })).body.code).toBe('E_IDEMPOTENCY_MISMATCH');
      const twice = await settleOwed(fin, tent.id, a.id, { outcome: 'not_paid', reason: 'changed my mind' });
      expect([twice.status, twice.body.code, twice.body.detail]).toEqual([409, 'E_INVALID_STATE', `return case ${tent.id}: owed item ${a.id} is already paid`]);
      expect((await settleOwed(fin, tent.id, a.id, { outcome: 'paid', reference: 'BANK-0043' })).status).toBe(409);
      expect((await w.caseOf(tent.id)).refundOwed.items[0]).toMatchObject({ state: 'paid', reference: 'BANK-0042' });
      // B untouched.
      expect(await itemOf(b.id)).toMatchObject({ state: 'open' });
    });

    it('not paid: the hold is released, the case is not owed it again, the next case in line is told; a replay changes nothing', async () => {
      const { tent, mug, shoe, a, b, fin } = await toldThreeTopUps(factory);
      expect((await settleOwed(fin, tent.id, a.id, { outcome: 'paid', reference: 'BANK-0042' })).status).toBe(200);
      const r = await settleOwed(fin, tent.id, b.id, { outcome: 'not_paid', reason: 'customer accepted a voucher' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.item).toMatchObject({ state: 'not_paid', reason: 'customer accepted a voucher', reference: null });
      expect(r.body.refundOwed).toMatchObject({ told: 20, held: 10, paid: 10, waived: 10, withdrawn: 0 });
      expect(await itemOf(b.id)).toMatchObject({ state: 'resolved', resolution: { reason: 'not paid: customer accepted a voucher' } });

      // The 10 released goes to the next in line: not the tent (short 20: 10 paid, 10 waived), not the
      // mug (told its 10), the shoe — with finance's reason as the cause.
      const orderId = orderIdFor('web', '7301');
      const forShoe = await owedItems(shoe.id);
      expect(forShoe).toHaveLength(1);
      expect(forShoe[0]).toMatchObject({
        state: 'open',
        summary: `return case ${shoe.id} of order ${orderId}: refund of 80 EUR refused, nothing was left; 10 EUR can now be paid (finance will not pay the 10 EUR told for return case ${tent.id} (customer accepted a voucher): it is released)`,
        detail: { payableNow: 10, causeEventId: r.body.eventId, causeType: 'refund.owed_settled' },
      });
      expect(await owedItems(tent.id)).toHaveLength(2);
      expect(await owedItems(mug.id)).toHaveLength(1);
      const c = await w.caseOf(tent.id);
      expect(c.refundOwedNow).toMatchObject({ amount: 10, short: 20, toldFinance: 20 });
      expect(c.history.at(-1).note).toMatch(new RegExp(`^finance will not pay the 10 EUR on top \\(customer accepted a voucher\\), recorded by finance-\\d+: released on the order, no longer owed to this case; finance item ${b.id} resolved$`));
      const left = (await w.order('7301')).leftToRefund;
      expect(left).toMatchObject({ amount: 0, refunded: 130, owedToCases: [{ caseId: tent.id, amount: 10, paid: 10 }, { caseId: mug.id, amount: 10, paid: 0 }, { caseId: shoe.id, amount: 10, paid: 0 }] });

      // The settle event processed again (a replay): it finds the item settled by itself, nothing changes.
      const snapshot = async () => ({ tent: await w.caseOf(tent.id), shoe: await w.caseOf(shoe.id), items: (await owedItems()).map((x) => [x.id, x.state]), left: (await w.order('7301')).leftToRefund, settled: await audit('refund.owed_settled', `return:${tent.id}`), refused: await audit('refund.owed_settle_refused', `return:${tent.id}`) });
      const before = await snapshot();
      await w.t.app.store.transaction((tx) => tx.run(`UPDATE events SET status = 'pending', processed_at = NULL WHERE id = ?`, [r.body.eventId]));
      w.t.app.dispatcher.wake();
      await w.settled(r.body.eventId);
      await w.drained();
      expect(await snapshot()).toEqual(before);
      expect(before.refused).toEqual([]);
    });

    it('each refusal has its code: no case or item 404, no reference or reason 422, a role that does not pay 403', async () => {
      const { tent, mug, a, c, fin } = await toldThreeTopUps(factory);
      const code = async (p: Promise<{ status: number; body: any }>) => { const r = await p; return [r.status, r.body.code]; };
      expect(await code(settleOwed(fin, 'ret_nope', a.id, { outcome: 'paid', reference: 'R' }))).toEqual([404, 'E_NOT_FOUND']);
      // The item is the case's own: another case's item is not on it.
      expect(await code(settleOwed(fin, tent.id, c.id, { outcome: 'paid', reference: 'R' }))).toEqual([404, 'E_NOT_FOUND']);
      const noRef = await settleOwed(fin, tent.id, a.id, { outcome: 'paid' });
      expect([noRef.status, noRef.body.code, noRef.body.errors]).toEqual([422, 'E_SCHEMA', [expect.objectContaining({ path: 'reference' })]]);
      const noReason = await settleOwed(fin, mug.id, c.id, { outcome: 'not_paid', reason: '   ' });
      expect([noReason.status, noReason.body.code, noReason.body.errors]).toEqual([422, 'E_SCHEMA', [expect.objectContaining({ path: 'reason' })]]);
      expect(await code(settleOwed(fin, mug.id, c.id, { outcome: 'refunded', reason: 'x' }))).toEqual([422, 'E_SCHEMA']);
      for (const role of ['service_agent', 'operations_manager', 'auditor'] as const) {
        expect(await code(settleOwed(await w.t.keyFor(role), tent.id, a.id, { outcome: 'paid', reference: 'R' })), role).toEqual([403, 'E_ROLE']);
      }
      // An event sent by a channel is not finance recording a payment: refused, audited, nothing changes.
      const sent = await w.send(envelope({ type: 'refund.owed_settled', payload: { caseId: tent.id, exceptionId: a.id, outcome: 'not_paid', reason: 'not ours to say' } }));
      expect(await audit('refund.owed_settle_refused', `return:${tent.id}`)).toEqual([expect.objectContaining({ code: 'E_ROLE', exceptionId: a.id })]);
      expect(sent).toBeTruthy();
      expect((await w.caseOf(tent.id)).refundOwed.items.map((x: { state: string }) => x.state)).toEqual(['open', 'open']);
      expect((await w.order('7301')).leftToRefund.owedToCases).toEqual([{ caseId: tent.id, amount: 20, paid: 0 }, { caseId: mug.id, amount: 10, paid: 0 }]);
    });

    it('a cut refund turned down withdraws its unpaid top-ups: released, the item says so, the freed room is shared; what was paid stays counted', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      // Two tents, a mug and a shoe: 330 on the lines, 230 captured first.
      await w.deliveredOrder('7302', [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }, { lineId: '3', sku: 'SHOE', qty: 1, unitPrice: 80 }], T0 + 3_600_000, 'c-7302', 330);
      await capture('7302', 230, 'tx-1');
      w.now = T0 + 2 * DAY;
      const mug = await w.caseOf((await returnOf('7302', '2')).id);
      expect(mug.refund).toMatchObject({ state: 'sent', amount: 10 });
      w.now = T0 + 3 * DAY;
      const asked = await returnOf('7302', '1', 2);
      await w.settled(await w.decide(`appr-ai_recommendation-${asked.id}`, 'ai_recommendation', asked.id, 'approved'));
      await w.drained();
      const tents = await w.caseOf(asked.id);
      // Cut to the 220 left, and over 200: it waits for finance's approval.
      expect(tents.refund).toMatchObject({ state: 'awaiting_approval', amount: 220, limitedBy: { asked: 240 } });
      w.now = T0 + 4 * DAY;
      const shoe = await w.caseOf((await returnOf('7302', '3')).id);
      expect(shoe.refundRefused).toMatchObject({ code: 'nothing_left_to_refund', asked: 80 });
      const tx2 = await capture('7302', 10, 'tx-2');
      const tx3 = await capture('7302', 10, 'tx-3');
      const told = await owedItems(tents.id);
      const t1 = told.find((x) => x.detail.causeEventId === tx2)!;
      const t2 = told.find((x) => x.detail.causeEventId === tx3)!;
      expect(t1.summary).toMatch(/still awaiting approval: owed only if it is paid/);
      const fin = await w.t.keyFor('finance');
      // Finance paid the first by hand before anyone turned the refund down.
      expect((await settleOwed(fin, tents.id, t1.id, { outcome: 'paid', reference: 'BANK-7' })).status).toBe(200);

      const approvalId = tents.approvals.find((x: { subject: string }) => x.subject === 'refund').approvalId;
      const decision = await w.decide(approvalId, 'refund', tents.refund.id, 'rejected');
      await w.settled(decision);
      await w.drained();
      const after = await w.caseOf(tents.id);
      expect(after.refund.state).toBe('rejected');
      const reason = `withdrawn: the refund ${tents.refund.id} was turned down`;
      expect(after.refundOwed).toMatchObject({ told: 20, held: 10, paid: 10, waived: 0, withdrawn: 10 });
      expect(after.refundOwed.items).toEqual([
        expect.objectContaining({ exceptionId: t1.id, state: 'paid', reference: 'BANK-7' }),
        expect.objectContaining({ exceptionId: t2.id, state: 'withdrawn', reason, settledBy: 'omniops' }),
      ]);
      // The open item says it is withdrawn, so nobody pays it; the paid one keeps its own resolution.
      expect(await itemOf(t2.id)).toMatchObject({ state: 'resolved', resolution: { reason, by: 'omniops' } });
      expect(await itemOf(t1.id)).toMatchObject({ resolution: { reason: 'paid by hand: BANK-7' } });
      expect(after.history.some((x: { note?: string; eventId: string }) => x.eventId === decision && x.note === `10 EUR on top no longer owed, the refund was turned down: released on the order; finance item ${t2.id} withdrawn (10 EUR recorded paid by hand stays counted)`)).toBe(true);
      expect(await audit('refund.owed_withdrawn', `return:${tents.id}`)).toEqual([expect.objectContaining({ refundId: tents.refund.id, items: [{ exceptionId: t2.id, payable: 10 }], resolved: [t2.id] })]);
      // The room it held is shared as any freed room: the shoe is owed its 80 now.
      const forShoe = await owedItems(shoe.id);
      expect(forShoe.map((x) => [x.detail.payableNow, x.detail.causeEventId])).toEqual([[80, decision]]);
      // 250 captured − the mug's 10 − the 10 paid by hand − the shoe's 80 told.
      expect((await w.order('7302')).leftToRefund).toMatchObject({ amount: 150, owedToCases: [{ caseId: tents.id, amount: 10, paid: 10 }, { caseId: shoe.id, amount: 80, paid: 0 }] });

      // Paid by hand before the turn-down after all (the CLI, as its operator): held again, the money went out.
      const cli = await settleOwedFromCli(w.t.app, { id: 'cli:test', role: 'admin' }, tents.id, t2.id, { outcome: 'paid', reference: 'BANK-8' }, (ids) => Promise.all(ids.map((id) => w.settled(id))));
      expect(cli).toMatchObject({ state: 'paid', reference: 'BANK-8', held: 20, paid: 20, withdrawn: 0 });
      expect((await w.order('7302')).leftToRefund).toMatchObject({ amount: 140, owedToCases: [{ caseId: tents.id, amount: 20, paid: 20 }, { caseId: shoe.id, amount: 80, paid: 0 }] });
      // Final now: not paid is refused (API and CLI alike).
      expect((await settleOwed(fin, tents.id, t2.id, { outcome: 'not_paid', reason: 'x' })).body.code).toBe('E_INVALID_STATE');
      await expect(settleOwedFromCli(w.t.app, { id: 'cli:test', role: 'admin' }, tents.id, t2.id, { outcome: 'not_paid', reason: 'x' }, async () => undefined)).rejects.toMatchObject({ code: 'E_INVALID_STATE' });
    });
  });
}
