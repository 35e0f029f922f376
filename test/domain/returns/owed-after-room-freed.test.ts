import { describe, expect, it } from 'vitest';
import { owedAfterRoomFreed, owedSummary, paymentRoomGrew, type RefundWeighed } from '../../../src/domain/returns/owed-after-room-freed.js';

const paid = (amount: number, status = 'captured') => ({ amount, currency: 'EUR', status });
const refund = (id: string, caseId: string, amount: number, state: string, createdMs: number, asked?: number, extra: Partial<RefundWeighed> = {}): RefundWeighed => ({
  id, caseId, amount, currency: 'EUR', state, createdMs, ...(asked !== undefined ? { limitedBy: { asked, currency: 'EUR' } } : {}), ...extra,
});
const told = (refundId: string, amount: number, currency = 'EUR') => ({ refundId, amount, currency });

describe('owedAfterRoomFreed: what cut and refused refunds are owed once the room grows', () => {
  it('nothing left: nothing owed, though a refund was cut', () => {
    // 130 paid; the mug's 10 settled and its echo told but not tied: both count, the tent cut from 120 to 110.
    const r = owedAfterRoomFreed({ payment: paid(130), refunds: [refund('m', 'c-m', 10, 'settled', 1), refund('t', 'c-t', 110, 'sent', 2, 120)], refused: [], atChannel: [told('9001', 10)] });
    expect(r).toEqual({ leftCents: 0, owed: [] });
  });

  it('the echo tied: the 10 that counted twice is owed to the cut refund', () => {
    const r = owedAfterRoomFreed({ payment: paid(130), refunds: [refund('m', 'c-m', 10, 'settled', 1, undefined, { channelRefundId: '9001' }), refund('t', 'c-t', 110, 'sent', 2, 120)], refused: [], atChannel: [told('9001', 10)] });
    expect(r.owed).toEqual([{ caseId: 'c-t', refundId: 't', of: 'cut_refund', state: 'sent', asked: 120, refunded: 110, short: 10, owed: 10, told: 0, payableNow: 10, currency: 'EUR' }]);
  });

  it('shares the room oldest first, never more than each was short nor than the room, to the cent', () => {
    // 100 paid; a refund of 20.01 turned down frees 20.01. Cut first: short 7.33; refused next: asked 30; cut last: short 5.
    const refunds = [refund('a', 'c-a', 30, 'settled', 1, 37.33), refund('x', 'c-x', 20.01, 'rejected', 2), refund('b', 'c-b', 49.99, 'awaiting_approval', 5, 54.99)];
    const r = owedAfterRoomFreed({ payment: paid(100), refunds, refused: [{ caseId: 'c-r', code: 'nothing_left_to_refund', asked: 30, currency: 'EUR', refusedMs: 3 }] });
    expect(r.leftCents).toBe(2001);
    expect(r.owed.map((o) => [o.caseId, o.owed, o.payableNow])).toEqual([['c-a', 7.33, 7.33], ['c-r', 12.68, 12.68]]);
    expect(r.owed[1]).toMatchObject({ refundId: null, of: 'refused_refund', asked: 30, refunded: 0, short: 30 });
  });

  it('what finance was told is not payable again: only what goes beyond; a room that shrank tells nothing new, and what was told stays held', () => {
    const refunds = [refund('t', 'c-t', 40, 'settled', 1, 100)];
    const first = owedAfterRoomFreed({ payment: paid(70), refunds, refused: [] });
    expect(first.owed[0]).toMatchObject({ owed: 30, payableNow: 30 });
    const more = owedAfterRoomFreed({ payment: paid(90), refunds, refused: [], told: new Map([['c-t', 30]]) });
    expect(more.owed[0]).toMatchObject({ owed: 50, told: 30, payableNow: 20 });
    const less = owedAfterRoomFreed({ payment: paid(50), refunds, refused: [], told: new Map([['c-t', 30]]) });
    expect(less.owed[0]).toMatchObject({ owed: 30, told: 30, payableNow: 0 });
  });

  it('a refund turned down, one not cut, one refused for currency, or another currency counting: nothing owed', () => {
    const refused = [{ caseId: 'c-u', code: 'currency_differs', asked: 30, currency: 'EUR', refusedMs: 1 }];
    const r = owedAfterRoomFreed({ payment: paid(200), refunds: [refund('t', 'c-t', 40, 'rejected', 1, 100), refund('f', 'c-f', 40, 'sent', 2)], refused });
    expect(r.owed).toEqual([]);
    const usd = owedAfterRoomFreed({ payment: paid(200), refunds: [refund('t', 'c-t', 40, 'sent', 1, 100)], refused: [], atChannel: [told('usd-1', 5, 'USD')] });
    expect(usd).toMatchObject({ owed: [], cannotWeigh: 'currency_differs' });
  });

  it('a replay decides the same: a tie in time goes by case id', () => {
    const refunds = [refund('b', 'c-b', 10, 'sent', 1, 20), refund('a', 'c-a', 10, 'sent', 1, 20)];
    const once = owedAfterRoomFreed({ payment: paid(25), refunds, refused: [] });
    const again = owedAfterRoomFreed({ payment: paid(25), refunds: [...refunds].reverse(), refused: [] });
    expect(once).toEqual(again);
    expect(once.owed.map((o) => [o.caseId, o.owed])).toEqual([['c-a', 5]]);
  });

  it("finance's summary says what was cut, what can be paid now and why", () => {
    const [o] = owedAfterRoomFreed({ payment: paid(90), refunds: [refund('t', 'c-t', 40, 'sent', 1, 100)], refused: [], told: new Map([['c-t', 30]]) }).owed;
    expect(owedSummary(o!, 'ord-1', 'the channel reported 90 EUR captured, 70 before'))
      .toBe('return case c-t of order ord-1: refund cut from 100 to 40 EUR; 20 EUR more can now be paid (50 in all, 30 told before) (the channel reported 90 EUR captured, 70 before)');
    // Cut while awaiting approval: owed whatever is decided but a refusal, and the item says so.
    const [w] = owedAfterRoomFreed({ payment: paid(300), refunds: [refund('w', 'c-w', 240, 'awaiting_approval', 1, 250)], refused: [] }).owed;
    expect(owedSummary(w!, 'ord-3', 'why')).toBe('return case c-w of order ord-3: refund cut from 250 to 240 EUR (still awaiting approval: owed only if it is paid); 10 EUR can now be paid (why)');
    const [r] = owedAfterRoomFreed({ payment: paid(10), refunds: [], refused: [{ caseId: 'c-r', code: 'nothing_left_to_refund', asked: 30, currency: 'EUR', refusedMs: 1 }] }).owed;
    expect(owedSummary(r!, 'ord-2', 'why')).toBe('return case c-r of order ord-2: refund of 30 EUR refused, nothing was left; 10 EUR can now be paid (why)');
  });
});

describe('paymentRoomGrew: whether a payment report can have freed room', () => {
  const room = (amount: number, status = 'captured', atChannel: Array<{ refundId: string; amount: number; currency: string }> = []) => ({ payment: paid(amount, status), atChannel });
  it('more captured, a failed payment captured, a channel refund told smaller: grew; the same or less: not', () => {
    expect(paymentRoomGrew(room(100), room(130))).toBe('the channel reported 130 EUR captured, 100 before');
    expect(paymentRoomGrew(room(130, 'failed'), room(130, 'captured'))).toBe('the payment is captured after it had failed: 130 EUR came in');
    expect(paymentRoomGrew(room(130, 'captured', [told('rf', 50)]), room(130, 'captured', [told('rf', 20)]))).toBe("the channel's own refunds now come to 20 EUR, 50 before");
    expect(paymentRoomGrew(room(130), room(130))).toBeUndefined();
    expect(paymentRoomGrew(room(130), room(100))).toBeUndefined();
    expect(paymentRoomGrew(room(130), room(130, 'captured', [told('rf', 20)]))).toBeUndefined();
  });
});
