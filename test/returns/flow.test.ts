import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { getStock } from '../../src/store/repos/stock.js';
import { orderIdFor } from '../../src/engine/orders/identity.js';
import { verifyAuditChain } from '../../src/engine/audit/verify.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from './support.js';

const TENT2 = [{ lineId: '1', sku: 'TENT', qty: 2, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }, { lineId: '3', sku: 'GIFT', qty: 1, unitPrice: 30 }];

for (const factory of storeFactories()) {
  describe(`returns as one shared case: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    it('inspection path over HTTP: requested → classified → approved → awaiting_item → received (restocked) → refund sent → refunded', async () => {
      const asked = fakeApprovals();
      await w.start(factory);
      const orderId = await w.deliveredOrder('R-1', TENT2);
      w.now = T0 + 5 * DAY;
      const before = (await getStock(w.t.app.store.read, 'TENT', 'dc'))!.onHand;
      const c0 = await w.requestReturn({ externalReturnId: 'RMA-1', externalOrderId: 'R-1', lines: [{ lineId: '1', qty: 1 }], reason: 'The tent is too small for our family, we need a bigger size' });
      expect(c0.orderId).toBe(orderId);
      let c = await w.caseOf(c0.id);
      expect(c.state).toBe('awaiting_item');
      expect(c.category).toBe('size_fit');
      expect(c.disposition).toBe('inspection_required');
      expect(c.classification).toMatchObject({ status: 'answered', label: 'size_fit', model: { id: 'omniops-builtin/return-reason' } });
      expect(c.classification.inputDigest).toMatch(/^[0-9a-f]{64}$/);
      expect(c.decision).toMatchObject({ disposition: 'inspection_required', policyVersion: '1' });
      expect(c.history.map((h: { to: string }) => h.to)).toEqual(['requested', 'classified', 'approved', 'awaiting_item']);
      expect(asked.filter((a) => a.subject === 'ai_recommendation')).toEqual([expect.objectContaining({ subjectRef: c.id, facts: expect.objectContaining({ recommendedSubject: 'refund', amount: 120 }) })]);

      // Finance may read but not receive; warehouse receives.
      expect((await w.t.api('POST', `/v1/returns/${c.id}/receive`, await w.t.keyFor('finance'), { lines: [{ lineId: '1', condition: 'resellable' }] })).status).toBe(403);
      expect((await w.t.api('POST', `/v1/returns/${c.id}/receive`, await w.t.keyFor('warehouse'), { lines: [{ lineId: '9', condition: 'resellable' }] })).status).toBe(422);
      const staff = await w.t.keyFor('warehouse');
      const r = await w.t.api('POST', `/v1/returns/${c.id}/receive`, staff, { lines: [{ lineId: '1', condition: 'resellable' }] });
      expect(r.status).toBe(200);
      await w.drained();
      c = await w.caseOf(c.id);
      expect(c.state).toBe('received');
      expect(c.lines[0]).toMatchObject({ condition: 'resellable', restockedAt: 'dc' });
      expect((await getStock(w.t.app.store.read, 'TENT', 'dc'))!.onHand).toBe(before + 1);
      expect(c.refund).toMatchObject({ state: 'sent', amount: 120, currency: 'EUR' });
      const outbox = await w.t.app.store.read.all<{ payload: string }>(`SELECT payload FROM outbox WHERE destination = 'erp:refunds'`);
      expect(outbox).toHaveLength(1);
      expect(JSON.parse(outbox[0]!.payload)).toMatchObject({ refundId: c.refund.id, amount: 120 });
      // The channel's name for the order goes with it: a payment side paying it out through the channel needs it.
      expect(JSON.parse(outbox[0]!.payload)).toMatchObject({ channel: expect.any(String), externalOrderId: 'R-1' });
      // A second receipt is refused: the case no longer waits for the item.
      expect((await w.t.api('POST', `/v1/returns/${c.id}/receive`, staff, { lines: [{ lineId: '1', condition: 'resellable' }] })).status).toBe(409);

      await w.send(envelope({ type: 'refund.settled', payload: { refundId: c.refund.id, reference: 'ERP-RF-1' } }));
      await w.drained();
      c = await w.caseOf(c.id);
      // Settled in full and nothing owed: the case's work is done and it closes by itself.
      expect(c.state).toBe('closed');
      expect(c.history.map((h: { to: string }) => h.to).slice(-2)).toEqual(['refunded', 'closed']);
      expect(c.refund.state).toBe('settled');
      // The order follows its returns: 1 of its 4 delivered units refunded.
      const order = (await w.t.api('GET', `/v1/orders/${orderId}`, w.t.adminKey)).body;
      expect([order.state, order.history.at(-1).note]).toEqual(['partially_returned', `1 of 4 delivered units refunded (return case ${c.id})`]);
      expect(c.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['return.classified', 'return.disposition_decided', 'return.received']));
      expect((await w.t.api('GET', `/v1/returns?state=closed&orderId=${orderId}`, await w.t.keyFor('service_agent'))).body.items.map((x: { id: string }) => x.id)).toEqual([c.id]);
      expect(await verifyAuditChain(w.t.app.store.read)).toMatchObject({ ok: true });
    });

    it('the order is returned once every delivered unit is refunded', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] }) });
      const orderId = await w.deliveredOrder('R-9', [{ lineId: '1', sku: 'MUG', qty: 1, unitPrice: 10 }]);
      w.now = T0 + 2 * DAY;
      const c0 = await w.requestReturn({ externalOrderId: 'R-9', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' });
      const c = await w.caseOf(c0.id);
      expect(c.refund, JSON.stringify(c.history)).toMatchObject({ state: 'sent' });
      await w.send(envelope({ type: 'refund.settled', payload: { refundId: c.refund.id } }));
      expect((await w.t.api('GET', `/v1/orders/${orderId}`, w.t.adminKey)).body.state).toBe('returned');
    });

    it('a refund sent for an order the customer paid in another currency carries it in theirs, at the order\'s rate, rounded down', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] }) });
      // 29.95 EUR, charged 32.37 USD: the mug's 9.99 EUR is 10.797… USD, asked of the channel as 10.79.
      await w.deliveredOrder('R-10', [{ lineId: '1', sku: 'MUG', qty: 1, unitPrice: 9.99 }, { lineId: '2', sku: 'GIFT', qty: 1, unitPrice: 19.96 }], undefined, undefined, undefined, { currency: 'USD', amount: 32.37 });
      w.now = T0 + 2 * DAY;
      const c0 = await w.requestReturn({ externalOrderId: 'R-10', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' });
      const c = await w.caseOf(c0.id);
      expect(c.refund, JSON.stringify(c.history)).toMatchObject({ state: 'sent', amount: 9.99, currency: 'EUR' });
      const outbox = await w.t.app.store.read.all<{ payload: string }>(`SELECT payload FROM outbox WHERE destination = 'erp:refunds'`);
      expect(outbox.map((o) => JSON.parse(o.payload))).toEqual([expect.objectContaining({ refundId: c.refund.id, amount: 9.99, currency: 'EUR', presentment: { currency: 'USD', amount: 10.79 }, externalOrderId: 'R-10' })]);
    });

    it('damaged goods do not go back to stock', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['defective', 0.95], disposition: ['inspection_required', 0.9] }) });
      await w.deliveredOrder('R-2', TENT2);
      w.now = T0 + 2 * DAY;
      const c = await w.requestReturn({ externalOrderId: 'R-2', lines: [{ lineId: '1', qty: 1 }], reason: 'stopped working' });
      expect(c.state).toBe('awaiting_item');
      const before = (await getStock(w.t.app.store.read, 'TENT', 'dc'))!.onHand;
      await w.t.api('POST', `/v1/returns/${c.id}/receive`, await w.t.keyFor('warehouse'), { lines: [{ lineId: '1', condition: 'defective' }] });
      await w.drained();
      expect((await getStock(w.t.app.store.read, 'TENT', 'dc'))!.onHand).toBe(before);
      expect((await w.caseOf(c.id))).toMatchObject({ state: 'received', lines: [expect.objectContaining({ condition: 'defective' })], refund: { state: 'sent', amount: 120 } });
      expect((await w.caseOf(c.id)).lines[0].restockedAt).toBeUndefined();
    });

    it('window, returnable product and quantity checks reject with every reason', async () => {
      fakeApprovals();
      await w.start(factory);
      await w.deliveredOrder('R-3', TENT2);
      w.now = T0 + 31 * DAY;
      const late = await w.requestReturn({ externalOrderId: 'R-3', lines: [{ lineId: '1', qty: 1 }], reason: 'changed my mind' });
      expect(late.state).toBe('rejected');
      expect(late.problems.map((p: { code: string }) => p.code)).toEqual(['outside_window']);

      w.now = T0 + 10 * DAY;
      const bad = await w.requestReturn({ externalOrderId: 'R-3', lines: [{ lineId: '1', qty: 3 }, { lineId: '3', qty: 1 }, { lineId: '7', qty: 1 }], reason: 'changed my mind' });
      expect(bad.state).toBe('rejected');
      expect(bad.problems.map((p: { code: string }) => p.code).sort()).toEqual(['not_on_order', 'not_returnable', 'quantity_exceeds']);

      // Two of line 1 were delivered: one return of 2 is fine, a further one is more than is left.
      const ok = await w.requestReturn({ externalOrderId: 'R-3', lines: [{ lineId: '1', qty: 2 }], reason: 'too small' });
      expect(ok.state).not.toBe('rejected');
      const again = await w.requestReturn({ externalOrderId: 'R-3', lines: [{ lineId: '1', qty: 1 }], reason: 'too small' });
      expect(again.state).toBe('rejected');
      expect(again.problems).toEqual([expect.objectContaining({ code: 'quantity_exceeds', requested: 1, returnable: 0 })]);

      // An order not yet delivered cannot be returned.
      await w.send(envelope({ type: 'order.placed', payload: { externalOrderId: 'R-3b', customer: { id: 'c-x' }, lines: [{ lineId: '1', sku: 'MUG', qty: 1, unitPrice: 10 }], currency: 'EUR', shipping: { method: 'standard', address: { country: 'NL', lat: 52.37, lon: 4.9 } }, payment: { status: 'captured', amount: 10 } } }));
      const early = await w.requestReturn({ externalOrderId: 'R-3b', lines: [{ lineId: '1', qty: 1 }], reason: 'broken' });
      expect(early.state).toBe('rejected');
      expect(early.problems.map((p: { code: string }) => p.code)).toEqual(['not_delivered', 'quantity_exceeds']);
    });

    it('refunds are idempotent under duplicate requests and duplicate or concurrent decisions', async () => {
      const asked = fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['damaged_in_transit', 0.97], disposition: ['refund_without_return', 0.95] }) });
      await w.deliveredOrder('R-4', TENT2);
      w.now = T0 + 2 * DAY;
      const request = { externalReturnId: 'RMA-4', externalOrderId: 'R-4', lines: [{ lineId: '1', qty: 2 }], reason: 'both tents arrived crushed' };
      const c0 = await w.requestReturn(request);
      // The same return sent again under another event id is the same case.
      await w.requestReturn(request);
      expect((await w.t.app.store.read.all('SELECT id FROM return_cases')).length).toBe(1);
      let c = await w.caseOf(c0.id);
      // AI decided a refund above 200: high impact, a person must agree.
      expect(c).toMatchObject({ state: 'awaiting_approval', disposition: 'refund_without_return', decision: { decidedBy: 'ai', why: 'ai_confident', needsApproval: true } });
      await w.decide(`appr-ai_recommendation-${c.id}`, 'ai_recommendation', c.id, 'approved', 'ops-1');
      await w.drained();
      c = await w.caseOf(c.id);
      expect(c.state).toBe('approved');
      expect(c.refund).toMatchObject({ state: 'awaiting_approval', amount: 240, approvalId: `appr-refund-${c.refund.id}` });

      // Three decisions of the same approval at once (two approvals and a late rejection), then a replayed one.
      await Promise.all([
        w.decide(c.refund.approvalId, 'refund', c.refund.id, 'approved', 'fin-1'),
        w.decide(c.refund.approvalId, 'refund', c.refund.id, 'approved', 'fin-2'),
        w.decide(c.refund.approvalId, 'refund', c.refund.id, 'rejected', 'fin-3'),
      ]);
      await w.drained();
      await w.decide(c.refund.approvalId, 'refund', c.refund.id, 'approved', 'fin-1');
      await w.drained();
      c = await w.caseOf(c.id);
      // The first decision in the log wins; whichever it was, exactly one outcome happened.
      const sent = await w.t.app.store.read.all(`SELECT id FROM outbox WHERE destination = 'erp:refunds'`);
      const refunds = await w.t.app.store.read.all('SELECT id FROM refunds');
      const lines = await w.t.app.store.read.all('SELECT line_id FROM refund_lines');
      expect(refunds).toHaveLength(1);
      expect(lines).toHaveLength(1);
      expect(['sent', 'rejected']).toContain(c.refund.state);
      expect(sent).toHaveLength(c.refund.state === 'sent' ? 1 : 0);
      expect(c.state).toBe(c.refund.state === 'sent' ? 'approved' : 'rejected');
      expect(asked.filter((a) => a.subject === 'refund')).toHaveLength(1);
      expect(c.history.filter((h: { note?: string }) => h.note?.startsWith('refund decision ignored')).length).toBe(3);
    });

    it('low AI confidence: the rules decide and a person must approve the recommendation', async () => {
      const asked = fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['changed_mind', 0.55], disposition: ['refund_without_return', 0.41] }) });
      await w.deliveredOrder('R-5', TENT2);
      w.now = T0 + 2 * DAY;
      const c = await w.requestReturn({ externalOrderId: 'R-5', lines: [{ lineId: '2', qty: 1 }], reason: 'hmm not sure about it' });
      expect(c.state).toBe('awaiting_approval');
      expect(c.decision).toMatchObject({ decidedBy: 'rules', why: 'ai_low_confidence', disposition: 'inspection_required' });
      expect(asked).toEqual([expect.objectContaining({ subject: 'ai_recommendation', subjectRef: c.id, facts: { confidence: 0.41, recommendedSubject: 'refund', amount: 10 } })]);
      // Approved: the rules' disposition is carried out.
      await w.decide(`appr-ai_recommendation-${c.id}`, 'ai_recommendation', c.id, 'approved', 'ops-1');
      await w.drained();
      expect((await w.caseOf(c.id)).state).toBe('awaiting_item');
    });

    it('wrong item: a replacement order through order orchestration, linked to the case', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['wrong_item', 0.93], disposition: ['replacement_shipment', 0.9] }) });
      await w.deliveredOrder('R-6', [{ lineId: '1', sku: 'SHOE', qty: 1, unitPrice: 80 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.requestReturn({ externalOrderId: 'R-6', lines: [{ lineId: '1', qty: 1 }], reason: 'you sent a red one, I ordered blue' });
      expect(c.state).toBe('replaced');
      expect(c.replacementOrderId).toBe(orderIdFor('omniops', `RPL-${c.id}`));
      const replacement = (await w.t.api('GET', `/v1/orders/${c.replacementOrderId}`, w.t.adminKey)).body;
      expect(replacement).toMatchObject({ state: 'allocated', customerId: 'c-R-6', total: 0 });
      expect(replacement.lines).toEqual([expect.objectContaining({ sku: 'SHOE', qty: 1, unitPrice: 0 })]);
    });

    it('a defective item from a supplier is claimed from the supplier', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['defective', 0.96], disposition: ['supplier_claim', 0.92] }) });
      await w.deliveredOrder('R-7', [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.requestReturn({ externalOrderId: 'R-7', lines: [{ lineId: '1', qty: 1 }], reason: 'the zip broke the first night' });
      expect(c.state).toBe('claimed');
      expect(c.supplierClaim).toMatchObject({ supplierId: 'sup-tents', amount: 120, state: 'open' });
      const out = await w.t.app.store.read.all<{ kind: string }>(`SELECT kind FROM outbox WHERE destination = 'supplier:sup-tents'`);
      expect(out.map((o) => o.kind)).toEqual(['supplier.claim']);
    });
  });
}
