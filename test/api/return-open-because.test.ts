import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { exceptionById, saveExceptionItem } from '../../src/store/repos/exceptions.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from '../returns/support.js';

// `waitingFor` of GET /v1/returns/{id}: why a case that closes by itself (refunded, replaced, claimed)
// is still open, in the closing rule's words, read-only — so an agent or finance user need not read
// code to learn "the replacement order is allocated, not shipped" or "finance has not answered EX-…".
// Null once closed. Real events, the real API, both stores.
const REPLACE = scriptedAi({ reason: ['wrong_item', 0.93], disposition: ['replacement_shipment', 0.9] });
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });
const TENT_MUG = [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }];

for (const factory of storeFactories()) {
  describe(`a return case says why it is still open: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    it('replaced: waits for its replacement order to ship; shipped, its work is done until the sweep closes it; closed, null', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REPLACE });
      // Only the test's tick sweeps.
      w.t.app.scheduler.stop();
      await w.deliveredOrder('OB-1', [{ lineId: '1', sku: 'SHOE', qty: 1, unitPrice: 80 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.caseOf((await w.requestReturn({ externalOrderId: 'OB-1', lines: [{ lineId: '1', qty: 1 }], reason: 'you sent me the wrong shoe' })).id);
      expect(c.state).toBe('replaced');
      const replacement = await w.order(`RPL-${c.id}`, 'omniops');
      expect(['shipped', 'delivered']).not.toContain(replacement.state);
      expect(c.waitingFor).toBe(`the replacement order is ${replacement.state}, not shipped`);

      for (const f of replacement.fulfilments) {
        for (const type of ['fulfilment.accepted', 'fulfilment.picked', 'fulfilment.shipped']) {
          await w.send(envelope({ type, payload: { fulfilmentId: f.id, ...(type === 'fulfilment.shipped' ? { carrier: 'postnl', trackingNumber: `3S-RPL-${c.id}` } : {}) } }));
        }
      }
      await w.drained();
      // Shipped: its work is done, but only the hourly sweep closes a replaced case.
      const shipped = await w.caseOf(c.id);
      expect(shipped).toMatchObject({ state: 'replaced', waitingFor: 'its work is done (the replacement order is shipped); it closes with the next event or the hourly sweep' });
      w.now = T0 + 3 * DAY;
      await w.tick('return-closing', 'after-ship');
      expect(await w.caseOf(c.id)).toMatchObject({ state: 'closed', closing: { reason: 'replacement_shipped' }, waitingFor: null });

      // The OpenAPI document describes it (derived from its zod schema).
      const doc = (await w.t.api('GET', '/openapi.json', w.t.adminKey)).body;
      expect(JSON.stringify(doc.components.schemas.CaseWaitingFor)).toContain('does not close by itself');
    });

    it('refused: says which finance answer it waits for; answered but not yet re-judged, that it closes with the next event or sweep; closed, null', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      // Only the test moves the case (the app's own hourly sweep would close it on its own).
      w.t.app.scheduler.stop();
      // 130 on the lines, 120 captured: the tent takes it all, the mug's refund is refused (nothing left).
      await w.deliveredOrder('OB-2', TENT_MUG, T0 + 3_600_000, 'c-OB-2', 130);
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'OB-2', amount: 120, captureId: 'tx-1' } }));
      w.now = T0 + 2 * DAY;
      const tent = await w.caseOf((await w.requestReturn({ externalOrderId: 'OB-2', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' })).id);
      // Approved with its refund on its way: a state that does not close by itself (the refund's settlement moves it on).
      expect(tent).toMatchObject({ state: 'approved', refund: { state: 'sent' }, waitingFor: null });
      w.now = T0 + 3 * DAY;
      const mug = await w.caseOf((await w.requestReturn({ externalOrderId: 'OB-2', lines: [{ lineId: '2', qty: 1 }], reason: 'arrived broken' })).id);
      expect(mug).toMatchObject({ state: 'refunded', refund: null, refundRefused: { code: 'nothing_left_to_refund', asked: 10 } });
      expect(mug.waitingFor).toBe('the refund was refused and is 10 short of what was asked and finance has not settled it');

      // 5 more captured: finance is told 5 can be paid by hand, an item of its own; the case names it.
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'OB-2', amount: 5, captureId: 'tx-2' } }));
      await w.drained();
      const owed = (await w.t.api('GET', '/v1/exceptions?queue=reconciliation_discrepancy&limit=500', w.t.adminKey)).body.items
        .find((x: { subjectRef: string }) => x.subjectRef.startsWith(`return:${mug.id}:owed:`));
      expect(owed).toBeTruthy();
      expect((await w.caseOf(mug.id)).waitingFor).toBe(`finance has not answered ${owed.id} (owed on top; answered by settling it on the case, POST /v1/returns/{id}/owed/{exceptionId}/settle, not by resolving the item in the queue)`);
      // Finance pays the 5 by hand and resolves the refusal's item in the store only, as a release before
      // refusal_resolved did: nothing re-judged the case, and its work is done.
      const fin = await w.t.keyFor('finance');
      expect((await w.t.api('POST', `/v1/returns/${mug.id}/owed/${owed.id}/settle`, fin, { outcome: 'paid', reference: 'BANK-5' })).status).toBe(200);
      await w.drained();
      expect((await w.caseOf(mug.id)).waitingFor).toBe('the refund was refused and is 5 short of what was asked and finance has not settled it');
      await w.t.app.store.transaction(async (tx) => {
        const item = (await exceptionById(tx, mug.refusalItem.id))!;
        expect(await saveExceptionItem(tx, { ...item, state: 'resolved', resolution: { reason: 'voucher', by: 'finance-old', at: w.now } }, item.state, w.now)).toBe(true);
      });
      const done = await w.caseOf(mug.id);
      expect(done.state).toBe('refunded');
      expect(done.waitingFor).toBe(
        `its work is done (refund refused (nothing_left_to_refund), the goods were never sent back (refund without return); its finance item ${mug.refusalItem.id} resolved by finance-old: voucher (5 paid by hand, 0 not paid of the 10 asked)); it closes with the next event or the hourly sweep`,
      );

      // Closed (here by hand): nothing to wait for.
      expect((await w.t.api('POST', `/v1/returns/${mug.id}/close`, fin, { reason: 'answered' })).status).toBe(200);
      await w.drained();
      expect(await w.caseOf(mug.id)).toMatchObject({ state: 'closed', waitingFor: null });
    });
  });
}
