import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { exceptionById, saveExceptionItem } from '../../src/store/repos/exceptions.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from './support.js';

// A refused refund's case closes when finance resolves its item (`refusal_resolved`) — since the release
// that re-judges the case on that resolution. An item resolved before that release (no handler fired)
// left its case `refunded` for ever: nothing else re-judged refused cases. The hourly return-closing
// sweep now looks at refunded cases without a refund (the refused ones) too. Both stores.
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });
const TENT_MUG = [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }];

for (const factory of storeFactories()) {
  describe(`the closing sweep closes refused cases finance already answered: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    const closedEvents = async (caseId: string) =>
      Number((await w.t.app.store.read.get<{ n: number }>(`SELECT COUNT(*) AS n FROM events WHERE type = 'return.closed' AND subject = ?`, [`return:${caseId}`]))?.n);

    /** An order of 130 with 120 captured: the tent takes it all, the mug's return after it is refused (nothing left). */
    async function refusedMug(ext: string): Promise<{ caseId: string; itemId: string }> {
      await w.deliveredOrder(ext, TENT_MUG, T0 + 3_600_000, `c-${ext}`, 130);
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: ext, amount: 120, captureId: `tx-${ext}` } }));
      w.now = T0 + 2 * DAY;
      await w.requestReturn({ externalOrderId: ext, lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' });
      w.now = T0 + 3 * DAY;
      const c = await w.caseOf((await w.requestReturn({ externalOrderId: ext, lines: [{ lineId: '2', qty: 1 }], reason: 'arrived broken' })).id);
      expect(c).toMatchObject({ state: 'refunded', refund: null, refundRefused: { code: 'nothing_left_to_refund' } });
      return { caseId: c.id, itemId: c.refusalItem.id };
    }

    /** Resolves the item in the store only, as a release before `refusal_resolved` did: no event, no handler. */
    async function resolvedByAnOldRelease(itemId: string): Promise<void> {
      await w.t.app.store.transaction(async (tx) => {
        const item = (await exceptionById(tx, itemId))!;
        const resolved = { ...item, state: 'resolved' as const, resolution: { reason: 'refunded by bank transfer BT-9', by: 'finance-old', at: w.now } };
        expect(await saveExceptionItem(tx, resolved, item.state, w.now)).toBe(true);
      });
    }

    it('a case whose item was resolved without the handler is closed by the sweep (refusal_resolved); one still waiting stays open; a second sweep changes nothing', async () => {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      // Only the test's ticks sweep (the app's own hourly slot would add some).
      w.t.app.scheduler.stop();
      const answered = await refusedMug('SR-1');
      const waiting = await refusedMug('SR-2');
      await resolvedByAnOldRelease(answered.itemId);
      // Nothing re-judged it: still refunded, though finance answered.
      expect((await w.caseOf(answered.caseId)).state).toBe('refunded');

      w.now = T0 + 4 * DAY;
      await w.tick('return-closing', 'first');
      const closed = await w.caseOf(answered.caseId);
      expect(closed.state).toBe('closed');
      expect(closed.closing).toMatchObject({
        reason: 'refusal_resolved', from: 'refunded',
        why: `refund refused (nothing_left_to_refund), the goods were never sent back (refund without return); its finance item ${answered.itemId} resolved by finance-old: refunded by bank transfer BT-9`,
      });
      const open = await w.caseOf(waiting.caseId);
      expect(open).toMatchObject({ state: 'refunded', closing: null, refusalItem: { id: waiting.itemId, state: 'open' } });

      // Idempotent: another sweep closes nothing twice and leaves the waiting case as it was.
      w.now = T0 + 5 * DAY;
      await w.tick('return-closing', 'second');
      expect(await closedEvents(answered.caseId)).toBe(1);
      expect((await w.caseOf(answered.caseId)).history).toEqual(closed.history);
      expect(await closedEvents(waiting.caseId)).toBe(0);
      expect((await w.caseOf(waiting.caseId)).history).toEqual(open.history);
    });
  });
}
