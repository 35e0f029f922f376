import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { addSource } from '../../src/engine/identity/sources.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { eventById } from '../../src/store/repos/events.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from './support.js';

// The supplier's answer to a warranty claim (docs/ai.md, "The supplier answers a claim"): accepted
// closes the case and hands the credit to the books; rejected keeps the case claimed (the period no
// longer closes it) and opens an item for a person. Real events, both stores.
const CLAIM = scriptedAi({ reason: ['defective', 0.96], disposition: ['supplier_claim', 0.92] });
const ADMIN = { id: 'test', role: 'admin' };

for (const factory of storeFactories()) {
  describe(`the supplier answers a warranty claim: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    const audits = async (action: string) =>
      (await w.t.app.store.read.all<{ subject: string; detail: string }>(`SELECT subject, detail FROM audit WHERE action = ? ORDER BY seq`, [action])).map((r) => ({ subject: r.subject, ...JSON.parse(r.detail) }));
    const credits = async () =>
      (await w.t.app.store.read.all<{ destination: string; payload: string }>(`SELECT destination, payload FROM outbox WHERE kind = 'supplier.credit' ORDER BY seq`)).map((r) => ({ destination: r.destination, ...JSON.parse(r.payload) }));
    const items = async () =>
      w.t.app.store.read.all<{ queue: string; subject: string; owner_role: string; state: string }>(`SELECT queue, subject, owner_role, state FROM exceptions WHERE queue = 'supplier_claim'`);

    /** A tent (supplier sup-tents) claimed from its supplier: the case and its claim id. */
    async function claimedCase(ext: string): Promise<{ caseId: string; claimId: string }> {
      await w.deliveredOrder(ext, [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.caseOf((await w.requestReturn({ externalOrderId: ext, lines: [{ lineId: '1', qty: 1 }], reason: 'the zipper broke after a week' })).id);
      expect(c.state).toBe('claimed');
      expect(c.supplierClaim).toMatchObject({ supplierId: 'sup-tents', amount: 120, state: 'open', answer: null });
      return { caseId: c.id, claimId: c.supplierClaim.id };
    }

    it('accepted: the claim is accepted, the case closes (claim_accepted) and the credit goes to the ERP destination', async () => {
      fakeApprovals();
      await w.start(factory, { ai: CLAIM });
      const { caseId, claimId } = await claimedCase('SC-1');
      w.now = T0 + 5 * DAY;
      const key = await w.t.keyFor('procurement');
      const r = await w.t.api('POST', `/v1/supplier-claims/${claimId}/answer`, key, { outcome: 'accepted', creditAmount: 100, creditNoteRef: 'CN-77' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ id: claimId, state: 'accepted', answer: { outcome: 'accepted', creditAmount: 100, creditNoteRef: 'CN-77' } });
      await w.drained();
      const c = await w.caseOf(caseId);
      expect(c.state).toBe('closed');
      expect(c.history.at(-1).note).toBe('work done: the supplier accepted the claim');
      expect(c.supplierClaim).toMatchObject({ state: 'accepted', answer: { creditAmount: 100 } });
      expect(await credits()).toEqual([expect.objectContaining({ destination: 'erp:refunds', claimId, caseId, supplierId: 'sup-tents', amount: 100, claimed: 120, currency: 'EUR', creditNoteRef: 'CN-77' })]);
      expect(await audits('supplier_claim.accepted')).toHaveLength(1);
      expect((await audits('return.closed')).map((a) => a.reason)).toEqual(['claim_accepted']);

      // The same answer again (no key): taken, changes nothing, audited as ignored.
      const again = await w.t.api('POST', `/v1/supplier-claims/${claimId}/answer`, key, { outcome: 'accepted', creditAmount: 100, creditNoteRef: 'CN-77' });
      expect(again.status).toBe(200);
      await w.drained();
      expect(await credits()).toHaveLength(1);
      expect(await audits('supplier_claim.answer_ignored')).toHaveLength(1);
      // Another answer: refused, nothing recorded.
      const other = await w.t.api('POST', `/v1/supplier-claims/${claimId}/answer`, key, { outcome: 'rejected', reason: 'no warranty after all' });
      expect(other.status).toBe(409);
      expect(other.body.code).toBe('E_INVALID_STATE');
      expect((await w.t.api('GET', `/v1/supplier-claims/${claimId}`, key)).body.state).toBe('accepted');

      // The first answer processed again (a replay of the log): the claim, the case and the books are as they were.
      const before = { c: await w.caseOf(caseId), claim: (await w.t.api('GET', `/v1/supplier-claims/${claimId}`, key)).body, credits: await credits() };
      await w.t.app.store.transaction((tx) => tx.run(`UPDATE events SET status = 'pending', processed_at = NULL WHERE id = ?`, [r.body.eventId]));
      w.t.app.dispatcher.wake();
      await w.settled(r.body.eventId);
      await w.drained();
      expect({ c: await w.caseOf(caseId), claim: (await w.t.api('GET', `/v1/supplier-claims/${claimId}`, key)).body, credits: await credits() }).toEqual(before);
      expect(await audits('supplier_claim.answer_ignored')).toHaveLength(2);
    });

    it('rejected: an item opens for a service agent and the case survives the claim period', async () => {
      fakeApprovals();
      await w.start(factory, { ai: CLAIM });
      const { caseId, claimId } = await claimedCase('SC-2');
      w.now = T0 + 5 * DAY;
      const r = await w.t.api('POST', `/v1/supplier-claims/${claimId}/answer`, await w.t.keyFor('finance'), { outcome: 'rejected', reason: 'damage by misuse' });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      await w.drained();
      expect(await items()).toEqual([{ queue: 'supplier_claim', subject: `return:${caseId}`, owner_role: 'service_agent', state: 'open' }]);
      expect(await credits()).toEqual([]);
      let c = await w.caseOf(caseId);
      expect(c.state).toBe('claimed');
      expect(c.supplierClaim).toMatchObject({ state: 'rejected', answer: { outcome: 'rejected', reason: 'damage by misuse' } });
      // Past the policy's 60 days: an unanswered claim would close here; a rejected one waits for its person.
      w.now = T0 + 70 * DAY;
      await w.tick('return-closing', 'day-70');
      c = await w.caseOf(caseId);
      expect(c.state).toBe('claimed');
      // The person closes it by hand, as any claimed case.
      const closed = await w.t.api('POST', `/v1/returns/${caseId}/close`, await w.t.keyFor('service_agent'), { reason: 'refunded by goodwill voucher' });
      expect(closed.status).toBe(200);
      expect(closed.body.state).toBe('closed');
    });

    it('the API refuses: 401, 403, 404, 422; a retry with the same Idempotency-Key is the first answer', async () => {
      fakeApprovals();
      await w.start(factory, { ai: CLAIM });
      const { claimId } = await claimedCase('SC-3');
      const url = `/v1/supplier-claims/${claimId}/answer`;
      const fin = await w.t.keyFor('finance');
      expect((await w.t.api('POST', url, null, { outcome: 'rejected', reason: 'x' })).status).toBe(401);
      expect((await w.t.api('POST', url, await w.t.keyFor('warehouse'), { outcome: 'rejected', reason: 'x' })).body.code).toBe('E_ROLE');
      expect((await w.t.api('GET', `/v1/supplier-claims/${claimId}`, await w.t.keyFor('fraud_review'))).status).toBe(403);
      const none = await w.t.api('POST', '/v1/supplier-claims/clm_nope/answer', fin, { outcome: 'rejected', reason: 'x' });
      expect([none.status, none.body.code]).toEqual([404, 'E_NOT_FOUND']);
      expect((await w.t.api('GET', '/v1/supplier-claims/clm_nope', fin)).status).toBe(404);
      for (const bad of [{ outcome: 'accepted' }, { outcome: 'accepted', creditAmount: 0 }, { outcome: 'rejected' }, { outcome: 'maybe', reason: 'x' }, { outcome: 'accepted', creditAmount: 120.01 }]) {
        const a = await w.t.api('POST', url, fin, bad);
        expect([a.status, a.body.code], JSON.stringify(bad)).toEqual([422, 'E_SCHEMA']);
      }
      expect((await w.t.api('GET', `/v1/supplier-claims/${claimId}`, fin)).body.state).toBe('open');

      const headers = { 'idempotency-key': 'answer-sc-3' };
      const first = await w.t.api('POST', url, fin, { outcome: 'accepted', creditAmount: 120 }, headers);
      expect(first.status).toBe(200);
      const retry = await w.t.api('POST', url, fin, { outcome: 'accepted', creditAmount: 120 }, headers);
      expect(retry.status).toBe(200);
      expect(retry.body.eventId).toBe(first.body.eventId);
      await w.drained();
      expect(await credits()).toHaveLength(1);

      // Listed newest first, by state and supplier.
      const list = await w.t.api('GET', '/v1/supplier-claims?state=accepted&supplier=sup-tents', await w.t.keyFor('procurement'));
      expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([claimId]);
      expect((await w.t.api('GET', '/v1/supplier-claims?state=open', fin)).body.items).toEqual([]);
    });

    it('a buyer reads the claim with what it needs from the case: the currency, the order and why the customer returned it', async () => {
      fakeApprovals();
      await w.start(factory, { ai: CLAIM });
      const { caseId, claimId } = await claimedCase('SC-5');
      const kase = await w.caseOf(caseId);
      const buyer = await w.t.keyFor('procurement');
      // Procurement cannot read the case itself: the claim carries what it needs of it.
      expect((await w.t.api('GET', `/v1/returns/${caseId}`, buyer)).status).toBe(403);
      const fromCase = { currency: 'EUR', orderId: kase.orderId, reason: 'the zipper broke after a week', reasonCode: kase.reasonCode ?? null };
      const one = await w.t.api('GET', `/v1/supplier-claims/${claimId}`, buyer);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: claimId, caseId, supplierId: 'sup-tents', amount: 120, state: 'open', lines: [{ sku: 'TENT', qty: 1 }], ...fromCase });
      const list = await w.t.api('GET', '/v1/supplier-claims?supplier=sup-tents', await w.t.keyFor('category_manager'));
      expect(list.body.items).toEqual([one.body]);
      const answered = await w.t.api('POST', `/v1/supplier-claims/${claimId}/answer`, buyer, { outcome: 'rejected', reason: 'worn, not broken' });
      expect(answered.body).toMatchObject({ state: 'rejected', ...fromCase, answer: { outcome: 'rejected', reason: 'worn, not broken', by: expect.any(String) } });
    });

    it('from a supplier integration: the answer as an event; another answer and a credit above the claim are audited and ignored, not dead-lettered', async () => {
      fakeApprovals();
      await w.start(factory, { ai: CLAIM });
      const { caseId, claimId } = await claimedCase('SC-4');
      const { secret } = await addSource(w.t.app.store, w.t.app.box, ADMIN, 'sup-tents-portal', { name: 'Tents supplier portal', kind: 'supplier' });
      const send = async (payload: Record<string, unknown>) => {
        const r = await w.t.postEvents(envelope({ source: 'sup-tents-portal', type: 'supplier.claim_answered', payload }), { secret });
        expect([200, 202], JSON.stringify(r.body)).toContain(r.status);
        await w.t.settled(r.body.eventId);
        await w.drained();
        return r.body.eventId as string;
      };
      await send({ claimId, outcome: 'accepted', creditAmount: 500 });
      expect((await audits('supplier_claim.answer_refused')).map((a) => a.why)).toEqual(['credit 500 is above the claim\'s 120']);
      expect((await w.caseOf(caseId)).state).toBe('claimed');
      // Not taken, and not left to the audit trail alone: a person is asked to check with the supplier.
      expect(await items()).toEqual([expect.objectContaining({ subject: `supplier-claim:${claimId}`, state: 'open', owner_role: 'service_agent' })]);
      await send({ claimId, outcome: 'rejected', reason: 'out of warranty', answeredAt: '2026-11-06T10:00:00Z' });
      await send({ claimId, outcome: 'rejected', reason: 'out of warranty', answeredAt: '2026-11-06T10:00:00Z' });
      await send({ claimId, outcome: 'accepted', creditAmount: 50 });
      expect(await audits('supplier_claim.answer_ignored')).toHaveLength(1);
      expect(await audits('supplier_claim.answer_refused')).toHaveLength(2);
      const claim = (await w.t.api('GET', `/v1/supplier-claims/${claimId}`, w.t.adminKey)).body;
      expect(claim).toMatchObject({ state: 'rejected', answer: { outcome: 'rejected', reason: 'out of warranty', answeredAt: '2026-11-06T10:00:00.000Z', by: 'source:sup-tents-portal' } });
      // The rejection stood, so the over-credit's item was resolved and the rejection's opened (on the
      // case); the later, different answer asked a person again (a new item on the claim).
      const byState = (await items()).map((i) => `${i.subject}:${i.state}`).sort();
      expect(byState).toEqual([`return:${caseId}:open`, `supplier-claim:${claimId}:open`, `supplier-claim:${claimId}:resolved`].sort());
      expect(await credits()).toEqual([]);
      // The case closed by hand: the person's decision is made, and both open items go with it.
      expect((await w.t.api('POST', `/v1/returns/${caseId}/close`, await w.t.keyFor('service_agent'), { reason: 'refunded by goodwill' })).status).toBe(200);
      await w.drained();
      expect((await items()).filter((i) => i.state === 'open')).toEqual([]);

      // An answer to a claim nobody made: retried, then dead-lettered for an integrator.
      const r = await w.t.postEvents(envelope({ source: 'sup-tents-portal', type: 'supplier.claim_answered', payload: { claimId: 'clm_nope', outcome: 'rejected', reason: 'x' } }), { secret });
      for (let i = 0; i < 1500; i++) {
        const e = await eventById(w.t.app.store.read, r.body.eventId);
        if (e && e.status !== 'pending') break;
        // Retries are due by the app's clock, which the world holds still: moved on past each backoff.
        w.now += 1000;
        w.t.app.dispatcher.wake();
        await new Promise((res) => setTimeout(res, 10));
      }
      expect((await eventById(w.t.app.store.read, r.body.eventId))?.status).toBe('dead');
    });
  });
}
