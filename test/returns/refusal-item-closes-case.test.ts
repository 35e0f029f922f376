import { afterEach, describe, expect, it } from 'vitest';
import { storeFactories } from '../support/stores.js';
import { envelope } from '../support/app.js';
import { useApprovalEngine } from '../../src/engine/returns/approval.js';
import { DAY, ReturnsWorld, T0, fakeApprovals, scriptedAi } from './support.js';

// Finance resolving a refused refund's item in the reconciliation queue (the exceptions API) is its
// answer to the refusal: the case closes (`refusal_resolved`), unless top-ups it was told to pay are
// still open. Closing by hand still resolves the item, once. Real events, the real API, both stores.
const REFUND_NOW = scriptedAi({ reason: ['defective', 0.95], disposition: ['refund_without_return', 0.95] });
const TENT_MUG = [{ lineId: '1', sku: 'TENT', qty: 1, unitPrice: 120 }, { lineId: '2', sku: 'MUG', qty: 1, unitPrice: 10 }];

interface Item { id: string; subjectRef: string; state: string; resolution: { reason: string; by: string } | null }

for (const factory of storeFactories()) {
  describe(`a refused refund's case closes when finance resolves its item: ${factory.name}`, () => {
    const w = new ReturnsWorld();
    afterEach(async () => {
      useApprovalEngine(null);
      await w.t?.close();
    });

    const items = async (): Promise<Item[]> => {
      const all: Item[] = [];
      for (const state of ['open', 'resolved']) all.push(...(await w.t.api('GET', `/v1/exceptions?queue=reconciliation_discrepancy&state=${state}&limit=500`, w.t.adminKey)).body.items);
      return all;
    };
    const countOf = async (sql: string, args: unknown[]) => Number((await w.t.app.store.read.get<{ n: number }>(sql, args))?.n);
    const closedEvents = (caseId: string) => countOf(`SELECT COUNT(*) AS n FROM events WHERE type = 'return.closed' AND subject = ?`, [`return:${caseId}`]);
    const closedAudits = (caseId: string) => countOf(`SELECT COUNT(*) AS n FROM audit WHERE action = 'return.closed' AND subject = ?`, [`return:${caseId}`]);
    /** Runs the item's `exception.updated` (resolve) again, as a replay of the log would. */
    async function replayResolution(itemId: string): Promise<void> {
      const e = await w.t.app.store.read.get<{ id: string }>(`SELECT id FROM events WHERE type = 'exception.updated' AND subject = ? ORDER BY seq DESC LIMIT 1`, [`exception:${itemId}`]);
      expect(e).toBeTruthy();
      await w.t.app.store.transaction((tx) => tx.run(`UPDATE events SET status = 'pending', processed_at = NULL WHERE id = ?`, [e!.id]));
      await w.settled(e!.id);
      await w.drained();
    }

    /** 130 on the lines, 120 captured: the tent takes it all, the mug's refund is refused (nothing left). */
    async function refusedMug() {
      fakeApprovals();
      await w.start(factory, { ai: REFUND_NOW });
      await w.deliveredOrder('RI-1', TENT_MUG, T0 + 3_600_000, 'c-RI-1', 130);
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'RI-1', amount: 120, captureId: 'tx-1' } }));
      w.now = T0 + 2 * DAY;
      await w.requestReturn({ externalOrderId: 'RI-1', lines: [{ lineId: '1', qty: 1 }], reason: 'arrived broken' });
      w.now = T0 + 3 * DAY;
      const mug = await w.caseOf((await w.requestReturn({ externalOrderId: 'RI-1', lines: [{ lineId: '2', qty: 1 }], reason: 'arrived broken' })).id);
      expect(mug).toMatchObject({ state: 'refunded', refund: null, refundRefused: { code: 'nothing_left_to_refund', asked: 10 } });
      const item = (await items()).find((x) => x.subjectRef === `return:${mug.id}`)!;
      expect(mug.refusalItem).toEqual({ id: item.id, state: 'open' });
      return { mug, item, fin: await w.t.keyFor('finance') };
    }

    it('resolved by a finance user through the exceptions API: the case closes, saying who and why; a retry or replay changes nothing', async () => {
      const { mug, item, fin } = await refusedMug();
      const resolve = () => w.t.api('POST', `/v1/exceptions/${item.id}/resolve`, fin, { reason: 'refunded by bank transfer BT-7' }, { 'idempotency-key': 'resolve-mug' });
      const r = await resolve();
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      await w.drained();
      const closed = await w.caseOf(mug.id);
      expect(closed.state).toBe('closed');
      expect(closed.closing).toEqual({
        reason: 'refusal_resolved', from: 'refunded', at: closed.history.at(-1).at,
        why: expect.stringMatching(new RegExp(`^refund refused \\(nothing_left_to_refund\\), the goods were never sent back \\(refund without return\\); its finance item ${item.id} resolved by finance-\\d+: refunded by bank transfer BT-7$`)),
      });
      expect(closed.history.at(-1).note).toBe(`work done: ${closed.closing.why}`);
      expect(closed.refusalItem).toEqual({ id: item.id, state: 'resolved' });
      // The person's resolution stands (closing the case did not resolve it again as omniops).
      expect((await items()).find((x) => x.id === item.id)!.resolution).toMatchObject({ reason: 'refunded by bank transfer BT-7', by: expect.stringMatching(/^finance-/) });
      expect([await closedEvents(mug.id), await closedAudits(mug.id)]).toEqual([1, 1]);

      // The same command again (its Idempotency-Key), the item resolved again without one, the log replayed: nothing changes.
      const again = await resolve();
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      const other = await w.t.api('POST', `/v1/exceptions/${item.id}/resolve`, fin, { reason: 'once more' });
      expect(other.status).toBe(409);
      await replayResolution(item.id);
      const after = await w.caseOf(mug.id);
      expect(after.history).toEqual(closed.history);
      expect(after.closing).toEqual(closed.closing);
      expect([await closedEvents(mug.id), await closedAudits(mug.id)]).toEqual([1, 1]);
    });

    it('a refusal finance resolved is owed nothing more: room freed later tells no top-up for it', async () => {
      const { mug, item, fin } = await refusedMug();
      expect((await w.t.api('POST', `/v1/exceptions/${item.id}/resolve`, fin, { reason: 'refunded by bank transfer BT-7' })).status).toBe(200);
      await w.drained();
      expect((await w.caseOf(mug.id)).state).toBe('closed');
      // 5 more captured: before, the closed case was told 5 could be paid by hand — a second payment.
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'RI-1', amount: 5, captureId: 'tx-2' } }));
      await w.drained();
      expect((await items()).filter((x) => x.subjectRef.startsWith(`return:${mug.id}:owed:`))).toEqual([]);
      const after = await w.caseOf(mug.id);
      expect(after.refundOwedNow).toBeNull();
      expect(after.refundOwed ?? null).toBeNull();
    });

    it('a top-up finance was told and has not answered keeps the case open; answered, the case closes', async () => {
      const { mug, item, fin } = await refusedMug();
      // 5 more captured: the mug is told 5 can be paid by hand (an item of its own).
      await w.send(envelope({ type: 'payment.captured', payload: { externalOrderId: 'RI-1', amount: 5, captureId: 'tx-2' } }));
      await w.drained();
      const owed = (await items()).find((x) => x.subjectRef.startsWith(`return:${mug.id}:owed:`))!;
      expect(owed.state).toBe('open');

      expect((await w.t.api('POST', `/v1/exceptions/${item.id}/resolve`, fin, { reason: 'customer takes a voucher' })).status).toBe(200);
      await w.drained();
      const waiting = await w.caseOf(mug.id);
      expect(waiting).toMatchObject({ state: 'refunded', closing: null, refusalItem: { id: item.id, state: 'resolved' } });
      const note = waiting.history.at(-1).note as string;
      expect(note).toMatch(new RegExp(`^finance item ${item.id} \\(the refusal\\) resolved by finance-\\d+ \\(customer takes a voucher\\); still open: its finance item ${item.id} resolved by finance-\\d+, but finance has not answered ${owed.id} \\(owed on top; answered by settling it on the case, POST /v1/returns/\\{id\\}/owed/\\{exceptionId\\}/settle, not by resolving the item in the queue\\)$`));
      // Replayed, the note is not said twice.
      await replayResolution(item.id);
      expect((await w.caseOf(mug.id)).history).toEqual(waiting.history);

      // Finance answers the top-up (paid 5 of the 10 asked): the refusal's answer closes the case with it.
      const settle = await w.t.api('POST', `/v1/returns/${mug.id}/owed/${owed.id}/settle`, fin, { outcome: 'paid', reference: 'BANK-5' });
      expect(settle.status, JSON.stringify(settle.body)).toBe(200);
      await w.drained();
      const closed = await w.caseOf(mug.id);
      expect(closed.closing).toMatchObject({ reason: 'refusal_resolved', why: expect.stringMatching(/: customer takes a voucher \(5 paid by hand, 0 not paid of the 10 asked\)$/) });
      expect(await closedEvents(mug.id)).toBe(1);
    });

    it('closed by hand: the item is resolved with the closing, and that resolution does not close the case again', async () => {
      const { mug, item, fin } = await refusedMug();
      expect((await w.t.api('POST', `/v1/returns/${mug.id}/close`, fin, { reason: 'paid by bank transfer' })).status).toBe(200);
      await w.drained();
      const closed = await w.caseOf(mug.id);
      expect(closed.closing).toMatchObject({ reason: 'closed_by_hand' });
      expect(closed.refusalItem).toEqual({ id: item.id, state: 'resolved' });
      expect((await items()).find((x) => x.id === item.id)!.resolution).toMatchObject({ by: 'omniops' });
      expect(closed.history.filter((s: { to: string; from: string }) => s.to === 'closed' && s.from !== 'closed')).toHaveLength(1);
      await replayResolution(item.id);
      expect((await w.caseOf(mug.id)).history).toEqual(closed.history);
      expect(await closedAudits(mug.id)).toBe(1);
    });
  });
}
