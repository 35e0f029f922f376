import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { ticketIdFor } from '../../src/engine/triage/handlers.js';
import { verifyAuditChain } from '../../src/engine/audit/verify.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from './support.js';

// A case closes by itself once its work is done (src/domain/returns/case-closing.ts): refunded once the
// refund is settled and nothing more is owed, replaced once the replacement went out, claimed once the
// policy's period after the claim passed. Real events, both stores.
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });
const TENT_SHOE_MUG = [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'SHOE', qty: 1, unitPrice: 80 }, { lineId: '3', sku: 'MUG', qty: 1, unitPrice: 10 }];

for (const factory of storeFactories()) {
  describe(`a return case closes when its work is done: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    const states = (c: { history: Array<{ to: string; from: string }> }) => c.history.filter((h) => h.from !== h.to).map((h) => h.to);
    const audits = async (action: string, subject: string) =>
      (await w.t.app.store.read.all<{ detail: string }>(`SELECT detail FROM audit WHERE action = ? AND subject = ? ORDER BY seq`, [action, subject])).map((r) => JSON.parse(r.detail));
    const closedEvents = async (caseId: string) =>
      w.t.app.store.read.all<{ id: string; status: string; payload: string }>(`SELECT id, status, payload FROM events WHERE type = 'return.closed' AND subject = ? ORDER BY seq`, [`return:${caseId}`]);

    it('refunded → closed once the refund is settled; the closing event processed again changes nothing', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      const orderId = await w.deliveredOrder('CL-1', [{ lineId: '1', sku: 'MUG', qty: 1, unitPrice: 10 }]);
      w.now = T0 + 2 * DAY;
      let c = await w.caseOf((await w.requestReturn({ externalOrderId: 'CL-1', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' })).id);
      expect(c.refund).toMatchObject({ state: 'sent', amount: 10 });
      expect(c.state).toBe('approved');
      // Sent, not paid out: the case waits.
      expect(await closedEvents(c.id)).toEqual([]);

      w.now = T0 + 3 * DAY;
      await w.send(envelope({ type: 'refund.settled', payload: { refundId: c.refund.id, reference: 'ERP-1' } }));
      await w.drained();
      c = await w.caseOf(c.id);
      expect(c.state).toBe('closed');
      expect(states(c).slice(-2)).toEqual(['refunded', 'closed']);
      expect(c.history.at(-1).note).toBe('work done: refund settled: nothing more is owed');
      const [closed] = await closedEvents(c.id);
      expect(JSON.parse(closed!.payload)).toEqual({ caseId: c.id, from: 'refunded', reason: 'refund_settled', why: 'refund settled: nothing more is owed' });
      expect(await audits('return.closed', `return:${c.id}`)).toEqual([expect.objectContaining({ reason: 'refund_settled', orderId })]);
      // A closed refunded case still counts for its order: every unit came back refunded.
      expect((await w.order('CL-1')).state).toBe('returned');

      // The same closing event processed a second time (a replay of the log): nothing changes.
      const before = await w.caseOf(c.id);
      // The case's and its order's audit entries (the app's scheduled jobs audit on their own meanwhile).
      const auditOf = async () => (await w.t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM audit WHERE subject = ? OR subject LIKE ?`, [`return:${c.id}`, `%${orderId}%`]))!.n;
      const auditRows = await auditOf();
      await w.t.app.store.transaction((tx) => tx.run(`UPDATE events SET status = 'pending' WHERE id = ?`, [closed!.id]));
      w.t.app.dispatcher.wake();
      await w.settled(closed!.id);
      await w.drained();
      expect(await w.caseOf(c.id)).toEqual(before);
      expect(await auditOf()).toBe(auditRows);
      expect(await audits('return.closed', `return:${c.id}`)).toHaveLength(1);
      // A settlement told twice closes nothing twice either.
      await w.send(envelope({ type: 'refund.settled', payload: { refundId: c.refund.id, reference: 'ERP-1-again' } }));
      await w.drained();
      expect(await closedEvents(c.id)).toHaveLength(1);
      expect((await w.caseOf(c.id)).state).toBe('closed');
      expect(await verifyAuditChain(w.t.app.store.read)).toMatchObject({ ok: true });
      // The customer asks after it: last (its triage comes back on its own), the suggested reply says the refund was issued, as for a refunded case.
      await w.send(envelope({ type: 'ticket.opened', payload: { ticketId: 'T-CL-1', customerId: 'c-CL-1', text: 'When will I get my refund for the mug I returned?' } }));
      await w.drained();
      const ticket = (await w.t.api('GET', `/v1/tickets/${ticketIdFor('web', 'T-CL-1')}`, await w.t.keyFor('service_agent'))).body;
      expect(ticket).toMatchObject({ caseId: c.id, category: 'return_refund', suggestedReply: { templateId: 'return_refund.refunded' } });
    });

    it('a cut refund keeps the case open after its settlement, while finance is owed an answer, until what it was cut short is settled', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      // 210 on the lines, 100 captured: the tent's refund is cut from 120 to 100.
      await w.deliveredOrder('CL-2', TENT_SHOE_MUG, T0 + 3_600_000, 'c-CL-2', 210);
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'CL-2', amount: 100, captureId: 'tx-1' } }));
      w.now = T0 + 2 * DAY;
      let tent = await w.caseOf((await w.requestReturn({ externalOrderId: 'CL-2', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' })).id);
      expect(tent.refund).toMatchObject({ state: 'sent', amount: 100, limitedBy: { asked: 120 } });
      await w.send(envelope({ type: 'refund.settled', payload: { refundId: tent.refund.id, reference: 'ERP-2' } }));
      await w.drained();
      tent = await w.caseOf(tent.id);
      // Paid out, but 20 short of what was asked and nobody has said what becomes of it: open.
      expect(tent.state).toBe('refunded');
      expect(await closedEvents(tent.id)).toEqual([]);

      // 10 more captured: finance is told the tent is owed 10 on top; still open while that is unanswered.
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'CL-2', amount: 10, captureId: 'tx-2' } }));
      await w.drained();
      tent = await w.caseOf(tent.id);
      expect(tent.refundOwed.items).toEqual([expect.objectContaining({ payable: 10, state: 'open' })]);
      expect(tent.state).toBe('refunded');
      const fin = await w.t.keyFor('finance');
      const a = tent.refundOwed.items[0].exceptionId;
      expect((await w.t.api('POST', `/v1/returns/${tent.id}/owed/${a}/settle`, fin, { outcome: 'paid', reference: 'BANK-1' })).status).toBe(200);
      await w.drained();
      // Paid by hand: 10 of the 20 short answered; the other 10 is still owed if the room grows.
      expect((await w.caseOf(tent.id)).state).toBe('refunded');
      expect(await closedEvents(tent.id)).toEqual([]);

      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'CL-2', amount: 10, captureId: 'tx-3' } }));
      await w.drained();
      tent = await w.caseOf(tent.id);
      const b = tent.refundOwed.items.find((i: { state: string }) => i.state === 'open').exceptionId;
      expect((await w.t.api('POST', `/v1/returns/${tent.id}/owed/${b}/settle`, fin, { outcome: 'not_paid', reason: 'voucher given' })).status).toBe(200);
      await w.drained();
      tent = await w.caseOf(tent.id);
      // Everything it was short is answered (10 paid by hand, 10 not to be paid): closed, and it says why.
      expect(tent.state).toBe('closed');
      expect(tent.history.at(-1).note).toBe('work done: refund settled and what it was cut short settled by finance: nothing more is owed');
      expect(await closedEvents(tent.id)).toHaveLength(1);
    });

    /** Finance's open items in the reconciliation queue, by subject. */
    const reconciliation = async () => new Map(((await w.t.api('GET', '/v1/exceptions?queue=reconciliation_discrepancy&limit=500', w.t.adminKey)).body.items as Array<{ id: string; subjectRef: string; state: string }>)
      .filter((x) => x.state === 'open').map((x) => [x.subjectRef, x.id] as const));

    it('a refused refund keeps its case open (refunded) with its finance item until finance answers all of it; paid by hand closes it; a replayed answer changes nothing', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      // 130 on the lines, 120 captured: the tent takes it all, the mug is refused (nothing left).
      await w.deliveredOrder('CL-6', [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }], T0 + 3_600_000, 'c-CL-6', 130);
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'CL-6', amount: 120, captureId: 'tx-1' } }));
      w.now = T0 + 2 * DAY;
      const tent = await w.caseOf((await w.requestReturn({ externalOrderId: 'CL-6', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' })).id);
      expect(tent.refund).toMatchObject({ state: 'sent', amount: 120 });
      await w.send(envelope({ type: 'refund.settled', payload: { refundId: tent.refund.id, reference: 'ERP-6' } }));
      let mug = await w.caseOf((await w.requestReturn({ externalOrderId: 'CL-6', lines: [{ lineId: '2', qty: 1 }], reason: 'arrived broken' })).id);
      await w.drained();
      mug = await w.caseOf(mug.id);
      // Refused, and open: in the state a cut refund waits in, with the refusal's item for finance.
      expect(mug).toMatchObject({ state: 'refunded', refund: null, refundRefused: { code: 'nothing_left_to_refund', asked: 10 } });
      expect(states(mug).slice(-2)).toEqual(['approved', 'refunded']);
      expect(await closedEvents(mug.id)).toEqual([]);
      const refusalItem = (await reconciliation()).get(`return:${mug.id}`);
      expect(refusalItem).toBeDefined();
      expect(mug.history.at(-1).note).toBe(`no refund, nothing left to refund: 120 paid, 120 already refunded (EUR): open until finance answers the 10 asked (finance item ${refusalItem}) or it is closed by hand`);
      // Open work: listed as refunded; the sweep leaves it alone.
      expect((await w.t.api('GET', `/v1/returns?state=refunded&orderId=${orderIdFor('web', 'CL-6')}`, w.t.adminKey)).body.items.map((x: { id: string }) => x.id)).toEqual([mug.id]);
      await w.tick('return-closing', 'refused');
      expect((await w.caseOf(mug.id)).state).toBe('refunded');

      // 10 more captured: finance is told the mug is owed 10; still open until it answers.
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'CL-6', amount: 10, captureId: 'tx-2' } }));
      await w.drained();
      mug = await w.caseOf(mug.id);
      expect(mug.refundOwed.items).toEqual([expect.objectContaining({ payable: 10, state: 'open' })]);
      expect(mug.state).toBe('refunded');
      const a = mug.refundOwed.items[0].exceptionId;
      const settle = await w.t.api('POST', `/v1/returns/${mug.id}/owed/${a}/settle`, await w.t.keyFor('finance'), { outcome: 'paid', reference: 'BANK-6' });
      expect(settle.status).toBe(200);
      await w.drained();
      mug = await w.caseOf(mug.id);
      expect(mug.state).toBe('closed');
      const why = 'refund refused (nothing_left_to_refund), the goods were never sent back (refund without return); finance answered all 10 asked: 10 paid by hand, 0 not paid';
      expect(mug.history.at(-1).note).toBe(`work done: ${why}`);
      const [closed] = await closedEvents(mug.id);
      expect(JSON.parse(closed!.payload)).toEqual({ caseId: mug.id, from: 'refunded', reason: 'refused_refund_answered', why });
      expect(await audits('return.closed', `return:${mug.id}`)).toEqual([expect.objectContaining({ reason: 'refused_refund_answered', refundRefused: 'nothing_left_to_refund', goodsBack: false })]);
      // The refusal's item is answered by the case closing; the top-up's by finance's answer.
      const open = await reconciliation();
      expect([open.has(`return:${mug.id}`), [...open.values()].includes(a)]).toEqual([false, false]);
      // The mug got no refund of ours: its order counts only the tent as refunded.
      expect((await w.order('CL-6')).state).toBe('partially_returned');

      // Finance's answer processed again (a replay of the log): nothing changes, nothing closes twice.
      const before = await w.caseOf(mug.id);
      const answer = (await w.t.app.store.read.get<{ id: string }>(`SELECT id FROM events WHERE type = 'refund.owed_settled' AND payload LIKE ?`, [`%${a}%`]))!.id;
      await w.t.app.store.transaction((tx) => tx.run(`UPDATE events SET status = 'pending' WHERE id = ?`, [answer]));
      w.t.app.dispatcher.wake();
      await w.settled(answer);
      await w.drained();
      expect(await w.caseOf(mug.id)).toEqual(before);
      expect(await closedEvents(mug.id)).toHaveLength(1);
      expect(await audits('return.closed', `return:${mug.id}`)).toHaveLength(1);
      expect(await verifyAuditChain(w.t.app.store.read)).toMatchObject({ ok: true });
    });

    it('a refused refund whose goods came back: finance not paying closes it as the cut path does; another, never told, is closed by hand', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['size_fit', 0.95], disposition: ['inspection_required', 0.9] }) });
      await w.deliveredOrder('CL-7', TENT_SHOE_MUG, T0 + 3_600_000, 'c-CL-7', 210);
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'CL-7', amount: 120, captureId: 'tx-1' } }));
      w.now = T0 + 2 * DAY;
      const staff = await w.t.keyFor('warehouse');
      const received = async (lineId: string) => {
        const c = await w.requestReturn({ externalOrderId: 'CL-7', lines: [{ lineId, qty: 1 }], reason: 'too small' });
        expect((await w.caseOf(c.id)).state).toBe('awaiting_item');
        expect((await w.t.api('POST', `/v1/returns/${c.id}/receive`, staff, { lines: [{ lineId, condition: 'resellable' }] })).status).toBe(200);
        await w.drained();
        return w.caseOf(c.id);
      };
      const tent = await received('1');
      expect(tent.refund).toMatchObject({ amount: 120 });
      let mug = await received('3');
      // The goods are back; before, this closed at once. Now it waits for finance.
      expect(mug).toMatchObject({ state: 'refunded', refund: null, refundRefused: { code: 'nothing_left_to_refund', asked: 10 } });
      expect(states(mug).slice(-2)).toEqual(['received', 'refunded']);

      // The shoe, refused too and never told anything: a person closes it by hand; its refusal's item goes with it.
      w.now = T0 + 3 * DAY;
      let shoe = await received('2');
      expect(shoe).toMatchObject({ state: 'refunded', refund: null, refundRefused: { code: 'nothing_left_to_refund', asked: 80 } });
      expect((await reconciliation()).has(`return:${shoe.id}`)).toBe(true);
      const close = await w.t.api('POST', `/v1/returns/${shoe.id}/close`, await w.t.keyFor('finance'), { reason: 'payment data checked: the customer was paid by bank transfer' });
      expect([close.status, close.body.state]).toEqual([200, 'closed']);
      await w.drained();
      shoe = await w.caseOf(shoe.id);
      expect(shoe.history.at(-1).note).toMatch(/^closed by hand by .+: payment data checked: the customer was paid by bank transfer$/);
      expect(await audits('return.closed', `return:${shoe.id}`)).toEqual([expect.objectContaining({ reason: 'closed_by_hand', refundRefused: 'nothing_left_to_refund', goodsBack: true })]);
      expect((await reconciliation()).has(`return:${shoe.id}`)).toBe(false);

      // 10 more captured: owed to the mug (refused first); finance will not pay it.
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'CL-7', amount: 10, captureId: 'tx-2' } }));
      await w.drained();
      mug = await w.caseOf(mug.id);
      expect(mug.state).toBe('refunded');
      const a = mug.refundOwed.items[0].exceptionId;
      expect((await w.t.api('POST', `/v1/returns/${mug.id}/owed/${a}/settle`, await w.t.keyFor('finance'), { outcome: 'not_paid', reason: 'customer took a voucher' })).status).toBe(200);
      await w.drained();
      mug = await w.caseOf(mug.id);
      // Not paid answers it as it answers a cut refund's short: closed, and it says the goods came back.
      expect(mug.state).toBe('closed');
      expect(mug.history.at(-1).note).toBe('work done: refund refused (nothing_left_to_refund), the goods came back; finance answered all 10 asked: 0 paid by hand, 10 not paid');
      expect(await audits('return.closed', `return:${mug.id}`)).toEqual([expect.objectContaining({ reason: 'refused_refund_answered', goodsBack: true })]);
      expect((await reconciliation()).has(`return:${mug.id}`)).toBe(false);
    });

    it('replaced → closed once the replacement order is shipped, not before (the sweep looks)', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['wrong_item', 0.93], disposition: ['replacement_shipment', 0.9] }) });
      await w.deliveredOrder('CL-3', [{ lineId: '1', sku: 'SHOE', qty: 1, unitPrice: 80 }]);
      w.now = T0 + 2 * DAY;
      let c = await w.caseOf((await w.requestReturn({ externalOrderId: 'CL-3', lines: [{ lineId: '1', qty: 1 }], reason: 'you sent me the wrong shoe' })).id);
      expect(c.state).toBe('replaced');
      expect(c.replacementOrderId).toBe(orderIdFor('omniops', `RPL-${c.id}`));
      const replacement = await w.order(`RPL-${c.id}`, 'omniops');
      expect(replacement.state).toBe('allocated');

      // Not shipped yet: the sweep leaves it open.
      await w.tick('return-closing', 'before-ship');
      expect((await w.caseOf(c.id)).state).toBe('replaced');
      expect(await closedEvents(c.id)).toEqual([]);

      for (const f of replacement.fulfilments) {
        for (const type of ['fulfilment.accepted', 'fulfilment.picked', 'fulfilment.shipped']) {
          await w.send(envelope({ type, payload: { fulfilmentId: f.id, ...(type === 'fulfilment.shipped' ? { carrier: 'postnl', trackingNumber: `3S-RPL-${c.id}` } : {}) } }));
        }
      }
      await w.drained();
      expect((await w.order(`RPL-${c.id}`, 'omniops')).state).toBe('shipped');
      w.now = T0 + 3 * DAY;
      await w.tick('return-closing', 'after-ship');
      c = await w.caseOf(c.id);
      expect(c.state).toBe('closed');
      expect(c.history.at(-1).note).toBe('work done: the replacement order is shipped');
      expect(await audits('return.closed', `return:${c.id}`)).toEqual([expect.objectContaining({ reason: 'replacement_shipped' })]);
      // A later sweep finds nothing left to close. Counted by the closing's audit entry, not by
      // `return.closed` events: the app's own hourly sweep may run in the same batch as the test's tick
      // and, before either's event was processed, say it a second time (its handler then finds the case
      // closed and changes nothing) — seen on PostgreSQL, whose follow-ups run in a later batch.
      await w.tick('return-closing', 'again');
      expect(await audits('return.closed', `return:${c.id}`)).toHaveLength(1);
    });

    it('closed by hand: a replacement that will not ship; who and why recorded; another state 409, a reader 403, no reason 422, a retry answered as the first', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['wrong_item', 0.93], disposition: ['replacement_shipment', 0.9] }) });
      await w.deliveredOrder('CL-5', [{ lineId: '1', sku: 'SHOE', qty: 1, unitPrice: 80 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.caseOf((await w.requestReturn({ externalOrderId: 'CL-5', lines: [{ lineId: '1', qty: 1 }], reason: 'you sent me the wrong shoe' })).id);
      expect(c.state).toBe('replaced');
      const agent = await w.t.keyFor('service_agent');
      const url = `/v1/returns/${c.id}/close`;
      expect((await w.t.api('POST', url, await w.t.keyFor('warehouse'), { reason: 'x' })).status).toBe(403);
      const noReason = await w.t.api('POST', url, agent, { reason: '  ' });
      expect([noReason.status, noReason.body.code]).toEqual([422, 'E_SCHEMA']);
      const key = { 'idempotency-key': `close-${c.id}` };
      const first = await w.t.api('POST', url, agent, { reason: 'customer kept the wrong shoe, refunded by the store' }, key);
      // The answer shows the case closed (on every store: the command closes it itself).
      expect([first.status, first.body.state]).toEqual([200, 'closed']);
      await w.drained();
      const closed = await w.caseOf(c.id);
      expect(closed.state).toBe('closed');
      expect(closed.history.at(-1).note).toMatch(/^closed by hand by .+: customer kept the wrong shoe, refunded by the store$/);
      expect(await audits('return.closed', `return:${c.id}`)).toEqual([expect.objectContaining({ reason: 'closed_by_hand' })]);
      // The same request again (a client's retry): answered as the first time, nothing more recorded.
      const retry = await w.t.api('POST', url, agent, { reason: 'customer kept the wrong shoe, refunded by the store' }, key);
      expect([retry.status, retry.body.eventId]).toEqual([200, first.body.eventId]);
      expect(await closedEvents(c.id)).toHaveLength(1);
      // A new request on a closed case: not refunded, replaced or claimed any more.
      const again = await w.t.api('POST', url, agent, { reason: 'again' });
      expect([again.status, again.body.code]).toEqual([409, 'E_INVALID_STATE']);
      expect((await w.t.api('POST', '/v1/returns/nope/close', agent, { reason: 'x' })).status).toBe(404);
    });

    it('claimed → closed once the returns policy period after the claim has passed (60 days by default)', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['defective', 0.96], disposition: ['supplier_claim', 0.92] }) });
      await w.deliveredOrder('CL-4', [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      let c = await w.caseOf((await w.requestReturn({ externalOrderId: 'CL-4', lines: [{ lineId: '1', qty: 1 }], reason: 'the zipper broke after a week' })).id);
      expect(c.state).toBe('claimed');
      w.now = T0 + 61 * DAY;
      await w.tick('return-closing', 'day-61');
      expect((await w.caseOf(c.id)).state).toBe('claimed');
      w.now = T0 + 62 * DAY;
      await w.tick('return-closing', 'day-62');
      c = await w.caseOf(c.id);
      expect(c.state).toBe('closed');
      expect(c.history.at(-1).note).toBe('work done: the supplier claim went out 60 or more days ago (returns policy claimClosesAfterDays)');
    });
  });
}
