import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { getStock } from '../../src/store/repos/stock.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from './support.js';

/** What the returns desk, the warehouse and finance run into on a busy day, each once. */
for (const factory of storeFactories()) {
  describe(`returns on a busy day: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    const refundsOf = async (orderId: string) =>
      (await w.t.app.store.read.all<{ amount: number }>('SELECT amount FROM refunds WHERE order_id = ? ORDER BY created_ms, id', [orderId])).map((r) => Number(r.amount));

    it('an order line cannot be returned beyond what was delivered of it, even when another line holds the same sku', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['size_fit', 0.95], disposition: ['inspection_required', 0.9] }) });
      // Two lines of one sku, the second discounted: 120 + 60 paid for the two tents.
      await w.deliveredOrder('B-1', [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'TENT', qty: 1, unitPrice: 120, discount: 60 }]);
      w.now = T0 + 2 * DAY;
      const both = await w.requestReturn({ externalOrderId: 'B-1', lines: [{ lineId: '1', qty: 2 }], reason: 'too small for us' });
      expect(both.state).toBe('rejected');
      expect(both.problems).toEqual([expect.objectContaining({ code: 'quantity_exceeds', lineId: '1', requested: 2, returnable: 1 })]);
      // Each line on its own is fine, and then nothing is left of either.
      expect((await w.requestReturn({ externalOrderId: 'B-1', lines: [{ lineId: '1', qty: 1 }], reason: 'too small for us' })).state).toBe('awaiting_item');
      expect((await w.requestReturn({ externalOrderId: 'B-1', lines: [{ lineId: '2', qty: 1 }], reason: 'too small for us' })).state).toBe('awaiting_item');
      const third = await w.requestReturn({ externalOrderId: 'B-1', lines: [{ lineId: '2', qty: 1 }], reason: 'too small for us' });
      expect(third.state).toBe('rejected');
      expect(third.problems).toEqual([expect.objectContaining({ code: 'quantity_exceeds', lineId: '2', requested: 1, returnable: 0 })]);
    });

    it('a request naming one order line twice is one case line: the refund goes out instead of the case sticking', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['damaged_in_transit', 0.97], disposition: ['refund_without_return', 0.95] }) });
      const orderId = await w.deliveredOrder('B-2', [{ lineId: '1', sku: 'MUG', qty: 2, unitPrice: 10 }]);
      w.now = T0 + 2 * DAY;
      const c0 = await w.requestReturn({ externalOrderId: 'B-2', lines: [{ lineId: '1', qty: 1 }, { lineId: '1', qty: 1 }], reason: 'both mugs arrived in pieces' });
      const c = await w.caseOf(c0.id);
      expect(c.state).toBe('approved');
      expect(c.lines).toEqual([expect.objectContaining({ lineId: '1', qty: 2 })]);
      expect(c.refund).toMatchObject({ state: 'sent', amount: 20, lines: [{ lineId: '1', qty: 2, amount: 20 }] });
      expect(await refundsOf(orderId)).toEqual([20]);
      expect(await w.t.app.store.read.all(`SELECT id FROM events WHERE status = 'dead'`)).toEqual([]);
      // And it counts as two: a third mug was never delivered.
      expect((await w.requestReturn({ externalOrderId: 'B-2', lines: [{ lineId: '1', qty: 1 }], reason: 'broken' })).state).toBe('rejected');
    });

    it('a line discount shared over its units never refunds a cent more than was paid, over one return or several', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['damaged_in_transit', 0.97], disposition: ['refund_without_return', 0.95] }) });
      // 3 × 10 − 10 off the line = 20.00 paid: 6.666… a mug.
      const one = await w.deliveredOrder('B-3', [{ lineId: '1', sku: 'MUG', qty: 3, unitPrice: 10, discount: 10 }]);
      const two = await w.deliveredOrder('B-4', [{ lineId: '1', sku: 'MUG', qty: 3, unitPrice: 10, discount: 10 }]);
      w.now = T0 + 2 * DAY;
      const all = await w.caseOf((await w.requestReturn({ externalOrderId: 'B-3', lines: [{ lineId: '1', qty: 3 }], reason: 'all three arrived broken' })).id);
      expect(all.value).toBe(20);
      expect(all.refund).toMatchObject({ state: 'sent', amount: 20 });
      expect(await refundsOf(one)).toEqual([20]);

      await w.requestReturn({ externalOrderId: 'B-4', lines: [{ lineId: '1', qty: 1 }], reason: 'one arrived broken' });
      w.now += 60_000;
      await w.requestReturn({ externalOrderId: 'B-4', lines: [{ lineId: '1', qty: 2 }], reason: 'the other two arrived broken as well' });
      const paid = await refundsOf(two);
      expect(paid).toHaveLength(2);
      expect(Math.round((paid[0]! + paid[1]!) * 100)).toBe(2000);
    });

    it('a low-confidence replacement recommendation goes to a person who can decide it (not a case waiting for nobody)', async () => {
      // The real approval engine: the recommendation needs a person because the AI was unsure.
      await w.start(factory, { ai: scriptedAi({ reason: ['wrong_item', 0.93], disposition: ['replacement_shipment', 0.5] }) });
      await w.deliveredOrder('B-5', [{ lineId: '1', sku: 'SHOE', qty: 1, unitPrice: 80 }]);
      w.now = T0 + 2 * DAY;
      let c = await w.caseOf((await w.requestReturn({ externalOrderId: 'B-5', lines: [{ lineId: '1', qty: 1 }], reason: 'you sent a red one, I ordered blue' })).id);
      expect(c).toMatchObject({ state: 'awaiting_approval', disposition: 'replacement_shipment' });
      const ask = c.approvals.find((a: { subject: string }) => a.subject === 'ai_recommendation');
      expect(ask).toMatchObject({ required: true });
      expect(ask.approvalId).toBeTruthy();
      const requested = await w.t.app.store.read.get<{ payload: string }>(`SELECT payload FROM events WHERE type = 'approval.requested'`);
      expect(JSON.parse(requested!.payload)).toMatchObject({ subject: 'ai_recommendation', subjectRef: c.id, roles: ['service_agent'] });
      await w.decide(ask.approvalId, 'ai_recommendation', c.id, 'approved', 'agent-1');
      await w.drained();
      c = await w.caseOf(c.id);
      expect(c.state).toBe('replaced');
    });

    it('a line the customer did not send back can still be returned later, in a case of its own', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['changed_mind', 0.95], disposition: ['inspection_required', 0.9] }) });
      const orderId = await w.deliveredOrder('B-6', [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'SHOE', qty: 1, unitPrice: 80 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.requestReturn({ externalOrderId: 'B-6', lines: [{ lineId: '1', qty: 1 }, { lineId: '2', qty: 1 }], reason: 'changed my mind about both' });
      expect(c.state).toBe('awaiting_item');
      // Only the tent arrives: it is refunded; the shoe stays with the customer for now.
      const staff = await w.t.keyFor('warehouse');
      expect((await w.t.api('POST', `/v1/returns/${c.id}/receive`, staff, { lines: [{ lineId: '1', condition: 'resellable' }] })).status).toBe(200);
      await w.drained();
      expect(await w.caseOf(c.id)).toMatchObject({ state: 'received', refund: { amount: 120 } });
      // The shoe comes in a parcel of its own a week later: the desk opens a case for it.
      w.now = T0 + 9 * DAY;
      const shoe = await w.requestReturn({ externalOrderId: 'B-6', lines: [{ lineId: '2', qty: 1 }], reason: 'changed my mind, sending the shoe now' });
      expect(shoe.problems).toEqual([]);
      expect(shoe.state).toBe('awaiting_item');
      expect((await w.t.api('POST', `/v1/returns/${shoe.id}/receive`, staff, { lines: [{ lineId: '2', condition: 'resellable' }] })).status).toBe(200);
      await w.drained();
      expect(await refundsOf(orderId)).toEqual([120, 80]);
      // The tent, received once, cannot be asked back again.
      expect((await w.requestReturn({ externalOrderId: 'B-6', lines: [{ lineId: '1', qty: 1 }], reason: 'again' })).state).toBe('rejected');
    });

    it('a receipt at a location nobody knows is refused at the door, and the case still waits for the item', async () => {
      fakeApprovals();
      await w.start(factory);
      await w.deliveredOrder('B-7', [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.requestReturn({ externalOrderId: 'B-7', lines: [{ lineId: '1', qty: 1 }], reason: 'too small' });
      const staff = await w.t.keyFor('warehouse');
      const before = (await getStock(w.t.app.store.read, 'TENT', 'dc'))!.onHand;
      const r = await w.t.api('POST', `/v1/returns/${c.id}/receive`, staff, { lines: [{ lineId: '1', condition: 'resellable' }], locationId: 'dc-typo' });
      expect(r.status).toBe(422);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body).toMatchObject({ code: 'E_SCHEMA', errors: [expect.objectContaining({ path: 'locationId' })] });
      await w.drained();
      expect(await w.caseOf(c.id)).toMatchObject({ state: 'awaiting_item', refund: null });
      // Received where it really is: back on that shelf, refunded.
      expect((await w.t.api('POST', `/v1/returns/${c.id}/receive`, staff, { lines: [{ lineId: '1', condition: 'resellable' }], locationId: 'dc' })).status).toBe(200);
      await w.drained();
      expect((await getStock(w.t.app.store.read, 'TENT', 'dc'))!.onHand).toBe(before + 1);
      expect(await w.caseOf(c.id)).toMatchObject({ state: 'received', lines: [expect.objectContaining({ restockedAt: 'dc' })], refund: { amount: 120 } });
      expect(await w.t.app.store.read.all(`SELECT id FROM events WHERE status = 'dead'`)).toEqual([]);
    });

    it('a channel reporting a receipt at an unknown location does not mark the item restocked: it waits for the location', async () => {
      fakeApprovals();
      await w.start(factory);
      await w.deliveredOrder('B-8', [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.requestReturn({ externalOrderId: 'B-8', lines: [{ lineId: '1', qty: 1 }], reason: 'too small' });
      const r = await w.t.postEvents({ source: 'web', sourceEventId: 'rcv-b8', type: 'return.received', occurredAt: new Date(w.now).toISOString(), payload: { caseId: c.id, lines: [{ lineId: '1', condition: 'resellable' }], locationId: 'dc-typo' } });
      expect(r.status).toBe(202);
      // Retries wait for the (test) clock: move it on until the receipt has given up.
      for (let i = 0; i < 500; i++) {
        const e = await w.t.app.store.read.get<{ status: string }>('SELECT status FROM events WHERE id = ?', [r.body.eventId]);
        if (e?.status !== 'pending') break;
        w.now += 1000;
        w.t.app.dispatcher.wake();
        await new Promise((res) => setTimeout(res, 10));
      }
      await w.drained();
      const after = await w.caseOf(c.id);
      expect(after.state).toBe('awaiting_item');
      expect(after.lines[0].restockedAt).toBeUndefined();
      expect(after.refund).toBeNull();
      // The receipt is dead-lettered where an operator sees it (replayable once the location exists), never half-applied.
      expect((await w.t.app.store.read.all<{ type: string }>(`SELECT type FROM events WHERE status = 'dead'`)).map((e) => e.type)).toEqual(['return.received']);
    });
    it('a supplier claim for a product with no supplier falls back to inspection, and the customer gets the return label', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['defective', 0.96], disposition: ['supplier_claim', 0.92] }) });
      await w.deliveredOrder('B-9', [{ lineId: '1', sku: 'SHOE', qty: 1, unitPrice: 80 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.requestReturn({ externalOrderId: 'B-9', lines: [{ lineId: '1', qty: 1 }], reason: 'the sole came off on the first day' });
      expect(c).toMatchObject({ state: 'awaiting_item', supplierClaim: null });
      const labels = await w.t.app.store.read.all<{ payload: string }>(`SELECT payload FROM outbox WHERE kind = 'return.label'`);
      expect(labels.map((l) => JSON.parse(l.payload).caseId)).toEqual([c.id]);
    });

    it('a receipt reporting one line in two conditions is refused with E_SCHEMA; a double scan of the same condition is one receipt', async () => {
      fakeApprovals();
      await w.start(factory, { ai: scriptedAi({ reason: ['size_fit', 0.95], disposition: ['inspection_required', 0.9] }) });
      await w.deliveredOrder('B-10', [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }]);
      w.now = T0 + 2 * DAY;
      const c = await w.requestReturn({ externalOrderId: 'B-10', lines: [{ lineId: '1', qty: 1 }], reason: 'too small' });
      const staff = await w.t.keyFor('warehouse');
      const before = (await getStock(w.t.app.store.read, 'TENT', 'dc'))!.onHand;
      const r = await w.t.api('POST', `/v1/returns/${c.id}/receive`, staff, { lines: [{ lineId: '1', condition: 'resellable' }, { lineId: '1', condition: 'defective' }] });
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ code: 'E_SCHEMA' });
      await w.drained();
      expect(await w.caseOf(c.id)).toMatchObject({ state: 'awaiting_item', refund: null });
      expect((await w.t.api('POST', `/v1/returns/${c.id}/receive`, staff, { lines: [{ lineId: '1', condition: 'resellable' }, { lineId: '1', condition: 'resellable' }] })).status).toBe(200);
      await w.drained();
      expect((await getStock(w.t.app.store.read, 'TENT', 'dc'))!.onHand).toBe(before + 1);
      expect(await w.caseOf(c.id)).toMatchObject({ state: 'received', refund: { amount: 120 } });
    });
  });
}
