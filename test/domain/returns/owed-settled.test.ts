import { describe, expect, it } from 'vitest';
import { owedFigures, settleOwedItem, withdrawOwed } from '../../../src/domain/returns/owed-settled.js';
import { owedAfterRoomFreed, owedSummary, type RefundOwedTold, type RefundWeighed } from '../../../src/domain/returns/owed-after-room-freed.js';
import { refundRoom } from '../../../src/domain/returns/left-to-refund.js';

const paid = (amount: number) => ({ amount, currency: 'EUR', status: 'captured' });
const cut = (id: string, caseId: string, amount: number, asked: number, createdMs: number, state = 'sent'): RefundWeighed => ({ id, caseId, amount, currency: 'EUR', state, createdMs, limitedBy: { asked, currency: 'EUR' } });
const item = (exceptionId: string, payable: number, owed: number, at = 1) => ({ at, eventId: `cause-${exceptionId}`, exceptionId, payable, owed });
/** Told 10 then 10 more (20 in all). */
const TOLD: RefundOwedTold = { told: 20, items: [item('exc-a', 10, 10, 1), item('exc-b', 10, 20, 2)] };
const ctx = { now: 500, eventId: 'evt-settle' };

describe('settleOwedItem: finance records what became of a top-up', () => {
  it('paid keeps it held, with the reference, who and when; not paid releases it and waives it', () => {
    const p = settleOwedItem(TOLD, 'exc-a', { outcome: 'paid', reference: 'BANK-1' }, 'fin', ctx);
    expect(p).toMatchObject({ ok: true, before: 'open', item: { exceptionId: 'exc-a', payable: 10, settledAs: 'paid', reference: 'BANK-1', settledBy: 'fin', settledAt: 500, settledEventId: 'evt-settle' } });
    if (!p.ok) throw new Error('refused');
    expect(owedFigures(p.told)).toEqual({ held: 20, paid: 10, waived: 0, withdrawn: 0 });
    const n = settleOwedItem(p.told, 'exc-b', { outcome: 'not_paid', reason: 'voucher given' }, 'fin', ctx);
    if (!n.ok) throw new Error('refused');
    expect(n.item).toMatchObject({ settledAs: 'not_paid', reason: 'voucher given' });
    expect(owedFigures(n.told)).toEqual({ held: 10, paid: 10, waived: 10, withdrawn: 0 });
    // What finance was told in all never comes down: only what is held does.
    expect(n.told.told).toBe(20);
    // The input is not changed: a decision is a new value.
    expect(owedFigures(TOLD)).toEqual({ held: 20, paid: 0, waived: 0, withdrawn: 0 });
  });

  it('no such item: E_NOT_FOUND; paid or not paid is final: E_INVALID_STATE', () => {
    expect(settleOwedItem(TOLD, 'exc-x', { outcome: 'paid', reference: 'R' }, 'fin', ctx)).toMatchObject({ ok: false, code: 'E_NOT_FOUND' });
    expect(settleOwedItem(undefined, 'exc-a', { outcome: 'paid', reference: 'R' }, 'fin', ctx)).toMatchObject({ ok: false, code: 'E_NOT_FOUND' });
    const p = settleOwedItem(TOLD, 'exc-a', { outcome: 'paid', reference: 'R' }, 'fin', ctx);
    if (!p.ok) throw new Error('refused');
    expect(settleOwedItem(p.told, 'exc-a', { outcome: 'not_paid', reason: 'x' }, 'fin', ctx)).toMatchObject({ ok: false, code: 'E_INVALID_STATE', message: 'owed item exc-a is already paid' });
    expect(settleOwedItem(p.told, 'exc-a', { outcome: 'paid', reference: 'R2' }, 'fin', ctx)).toMatchObject({ ok: false, code: 'E_INVALID_STATE' });
  });
});

describe('withdrawOwed: a cut refund turned down is owed nothing on top', () => {
  it('releases what is not answered yet; what was paid stays held (the money went out)', () => {
    const p = settleOwedItem(TOLD, 'exc-a', { outcome: 'paid', reference: 'BANK-1' }, 'fin', ctx);
    if (!p.ok) throw new Error('refused');
    const w = withdrawOwed(p.told, 'withdrawn: the refund r was turned down', { now: 900, eventId: 'evt-reject' })!;
    expect(w.withdrawn.map((i) => i.exceptionId)).toEqual(['exc-b']);
    expect(w.told.items[1]).toMatchObject({ settledAs: 'withdrawn', reason: 'withdrawn: the refund r was turned down', settledBy: 'omniops', settledAt: 900, settledEventId: 'evt-reject' });
    expect(owedFigures(w.told)).toEqual({ held: 10, paid: 10, waived: 0, withdrawn: 10 });
    // Nothing left to withdraw: nothing to say (a replay of the turn-down changes nothing).
    expect(withdrawOwed(w.told, 'again', { now: 901, eventId: 'evt-2' })).toBeUndefined();
    // Paid by hand before the turn-down after all: recorded paid, it is held again; not paid is refused.
    expect(settleOwedItem(w.told, 'exc-b', { outcome: 'not_paid', reason: 'x' }, 'fin', ctx)).toMatchObject({ ok: false, code: 'E_INVALID_STATE', message: 'owed item exc-b is already withdrawn' });
    const again = settleOwedItem(w.told, 'exc-b', { outcome: 'paid', reference: 'BANK-2' }, 'fin', ctx);
    if (!again.ok) throw new Error('refused');
    expect(again.before).toBe('withdrawn');
    expect(owedFigures(again.told)).toEqual({ held: 20, paid: 20, waived: 0, withdrawn: 0 });
  });
});

describe('the order\'s room and what is owed after finance answers', () => {
  // The tent cut from 120 to 100 (short 20), then 10 more captured: told 10, held for it; a refused mug (asked 10) came after.
  const refunds = [cut('t', 'c-tent', 100, 120, 1)];
  const refused = [{ caseId: 'c-mug', code: 'nothing_left_to_refund', asked: 10, currency: 'EUR', refusedMs: 2 }];
  const told1: RefundOwedTold = { told: 10, items: [item('exc-t', 10, 10)] };

  it('not paid: the hold is released (the room grows by it) and the waived part is not owed to the case again: the next case gets it', () => {
    // 110 captured: 100 refunded and the 10 told held leave nothing.
    const before = owedAfterRoomFreed({ payment: paid(110), refunds, refused, told: new Map([['c-tent', owedFigures(told1).held]]) });
    expect(before).toMatchObject({ leftCents: 0, owed: [{ caseId: 'c-tent', owed: 10, told: 10, payableNow: 0 }] });
    const waivedAll = settleOwedItem({ told: 10, items: [item('exc-t', 10, 10)] }, 'exc-t', { outcome: 'not_paid', reason: 'voucher' }, 'fin', ctx);
    if (!waivedAll.ok) throw new Error('refused');
    const f = owedFigures(waivedAll.told);
    expect(f).toEqual({ held: 0, paid: 0, waived: 10, withdrawn: 0 });
    expect(refundRoom(paid(110), refunds, [], [{ caseId: 'c-tent', amount: owedFigures(told1).held }]).leftCents).toBe(0);
    expect(refundRoom(paid(110), refunds, [], f.held > 0 ? [{ caseId: 'c-tent', amount: f.held }] : []).leftCents).toBe(1000);
    // Short 20 of which 10 waived: only the other 10 can still be its, first in line; the refused mug next.
    const after = owedAfterRoomFreed({ payment: paid(110), refunds, refused, told: new Map(), waived: new Map([['c-tent', f.waived]]) });
    expect(after.owed.map((o) => [o.caseId, o.owed, o.payableNow, o.waived ?? 0])).toEqual([['c-tent', 10, 10, 10]]);
    // Short exactly what was told and waived: owed nothing more, the released room goes to the mug.
    const exact = owedAfterRoomFreed({ payment: paid(110), refunds: [cut('t', 'c-tent', 100, 110, 1)], refused, told: new Map(), waived: new Map([['c-tent', 10]]) });
    expect(exact.owed.map((o) => [o.caseId, o.payableNow])).toEqual([['c-mug', 10]]);
    // Without the waiver the tent would take it back: the same money told again.
    expect(owedAfterRoomFreed({ payment: paid(110), refunds: [cut('t', 'c-tent', 100, 110, 1)], refused, told: new Map() }).owed.map((o) => o.caseId)).toEqual(['c-tent']);
  });

  it("finance's summary says what was declined before, so the rest is not read as that money again", () => {
    const [o] = owedAfterRoomFreed({ payment: paid(110), refunds, refused: [], waived: new Map([['c-tent', 10]]) }).owed;
    expect(owedSummary(o!, 'ord-1', 'why')).toBe('return case c-tent of order ord-1: refund cut from 120 to 100 EUR; 10 EUR of it finance decided not to pay before; 10 EUR can now be paid (why)');
  });
});
