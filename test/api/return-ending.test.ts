import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from '../returns/support.js';

// `refusalItem` and `closing` of GET /v1/returns/{id} (src/api/routes/return-ending.ts): which finance
// item a refused refund's open case waits on, and how a closed case ended — so the console can say why
// "refunded" stands beside "No refund". Real events, both stores.
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });

for (const factory of storeFactories()) {
  describe(`a return case says what it waits on and how it ended: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    it('refused: its finance item (open, assigned, resolved with the closing); closed by hand or by its settlement: reason, why, from, when', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      // 130 on the lines, 120 captured: the tent takes it all, the mug is refused (nothing left).
      await w.deliveredOrder('RE-1', [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }], T0 + 3_600_000, 'c-RE-1', 130);
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'RE-1', amount: 120, captureId: 'tx-1' } }));
      w.now = T0 + 2 * DAY;
      const tent = await w.caseOf((await w.requestReturn({ externalOrderId: 'RE-1', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' })).id);
      expect([tent.refusalItem, tent.closing]).toEqual([null, null]);

      // Settled: closed by its work, the closing event's reason and why.
      await w.send(envelope({ type: 'refund.settled', payload: { refundId: tent.refund.id, reference: 'ERP-1' } }));
      await w.drained();
      const settled = await w.caseOf(tent.id);
      expect(settled.state).toBe('closed');
      expect(settled.closing).toEqual({ reason: 'refund_settled', why: 'refund settled: nothing more is owed', from: 'refunded', at: settled.history.at(-1).at });
      expect(settled.refusalItem).toBeNull();

      // Refused: open in refunded, waiting on its item in the reconciliation queue.
      let mug = await w.caseOf((await w.requestReturn({ externalOrderId: 'RE-1', lines: [{ lineId: '2', qty: 1 }], reason: 'arrived broken' })).id);
      expect(mug).toMatchObject({ state: 'refunded', refund: null, refundRefused: { code: 'nothing_left_to_refund' }, closing: null });
      const items = (await w.t.api('GET', '/v1/exceptions?queue=reconciliation_discrepancy&limit=500', w.t.adminKey)).body.items as Array<{ id: string; subjectRef: string }>;
      const item = items.find((x) => x.subjectRef === `return:${mug.id}`)!;
      expect(mug.refusalItem).toEqual({ id: item.id, state: 'open' });
      expect(mug.history.find((x: { note?: string }) => x.note?.includes('finance item')).note).toContain(`(finance item ${item.id})`);
      // Taken by a person: assigned, as the exceptions API says.
      const fin = await w.t.keyFor('finance');
      const taken = await w.t.api('POST', `/v1/exceptions/${item.id}/assign`, fin, {});
      expect(taken.status, JSON.stringify(taken.body)).toBe(200);
      await w.drained();
      expect((await w.caseOf(mug.id)).refusalItem).toEqual({ id: item.id, state: 'assigned' });
      // A list reads neither (one or two reads per case): only the single case.
      const listed = (await w.t.api('GET', `/v1/returns?limit=500`, w.t.adminKey)).body.items.find((x: { id: string }) => x.id === mug.id);
      expect(['refusalItem' in listed, 'closing' in listed]).toEqual([false, false]);

      // Closed by hand: the person's command, the why naming them; the item resolved with it.
      const close = await w.t.api('POST', `/v1/returns/${mug.id}/close`, fin, { reason: 'paid by bank transfer' });
      expect(close.status).toBe(200);
      await w.drained();
      mug = await w.caseOf(mug.id);
      expect(mug.closing).toEqual({ reason: 'closed_by_hand', why: expect.stringMatching(/^closed by hand by .+: paid by bank transfer$/), from: 'refunded', at: mug.history.at(-1).at });
      expect(mug.closing.why).toBe(mug.history.at(-1).note);
      expect(mug.refusalItem).toEqual({ id: item.id, state: 'resolved' });

      // The OpenAPI document carries both schemas.
      const doc = (await w.t.api('GET', '/openapi.json', w.t.adminKey)).body;
      expect(JSON.stringify(doc.components.schemas.RefusalItem)).toContain('"assigned"');
      // Nullable: an object or null.
      const closingObject = (doc.components.schemas.CaseClosing.anyOf as Array<{ type?: string }>).find((x) => x.type === 'object');
      expect(closingObject).toMatchObject({ properties: { reason: expect.anything(), why: expect.anything(), from: expect.anything(), at: expect.anything() } });
      expect(JSON.stringify(doc.components.schemas.CaseClosing)).toContain('refused_refund_answered');
    });
  });
}
