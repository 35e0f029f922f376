import { describe, expect, it } from 'vitest';
import { limitRefund } from '../../../src/domain/returns/refund-limit.js';
import { returnWindowStart } from '../../../src/domain/returns/case-state.js';

const paid = (amount: number, status = 'captured') => ({ amount, currency: 'EUR', status });
const line = (lineId: string, amount: number, qty = 1) => ({ lineId, qty, amount });

describe('limitRefund: never more back than was paid for the order', () => {
  it('a refund within what is left is paid in full', () => {
    expect(limitRefund([line('1', 120)], 'EUR', paid(130), [{ amount: 10, currency: 'EUR', state: 'settled' }])).toEqual({ outcome: 'full', lines: [line('1', 120)], amount: 120 });
  });

  it('a refund over what is left is cut, shared over its lines to the cent, and says why', () => {
    const r = limitRefund([line('1', 10), line('2', 10), line('3', 10)], 'EUR', paid(30), [{ amount: 10, currency: 'EUR', state: 'sent' }]);
    expect(r.outcome).toBe('cut');
    if (r.outcome !== 'cut') return;
    // 20.00 over three equal lines: 6.67 + 6.67 + 6.66, the odd cent to the first lines.
    expect(r.lines.map((l) => l.amount)).toEqual([6.67, 6.67, 6.66]);
    expect(r.amount).toBe(20);
    expect(r.limitedBy).toEqual({ reason: 'order_paid_amount', asked: 30, paid: 30, alreadyRefunded: 10, currency: 'EUR' });
  });

  it('refunds awaiting approval and blocked ones count; rejected ones do not', () => {
    const earlier = [{ amount: 50, currency: 'EUR', state: 'awaiting_approval' }, { amount: 30, currency: 'EUR', state: 'blocked' }, { amount: 100, currency: 'EUR', state: 'rejected' }];
    expect(limitRefund([line('1', 40)], 'EUR', paid(100), earlier)).toMatchObject({ outcome: 'cut', amount: 20 });
  });

  it('nothing left, or a failed payment: no refund', () => {
    expect(limitRefund([line('1', 10)], 'EUR', paid(100), [{ amount: 100, currency: 'EUR', state: 'settled' }])).toEqual({
      outcome: 'refused', refused: { code: 'nothing_left_to_refund', asked: 10, paid: 100, alreadyRefunded: 100, currency: 'EUR' },
    });
    expect(limitRefund([line('1', 10)], 'EUR', paid(100, 'failed'), [])).toMatchObject({ outcome: 'refused', refused: { code: 'nothing_left_to_refund', paid: 0 } });
  });

  it('a refund in another currency than the payment is not weighed against it', () => {
    expect(limitRefund([line('1', 10)], 'USD', paid(100), [])).toMatchObject({ outcome: 'refused', refused: { code: 'currency_differs' } });
  });
});

describe('limitRefund: our refund paid out through the channel counts once', () => {
  const settled = (amount: number, channelRefundId?: string, id = 'rfd-1') => ({ id, amount, currency: 'EUR', state: 'settled', ...(channelRefundId ? { channelRefundId } : {}) });
  const told = (refundId: string, amount: number, currency = 'EUR') => ({ refundId, amount, currency });

  it('the channel refund whose id is the channel refund id our settlement names is the same money: counted once, as ours', () => {
    expect(limitRefund([line('1', 120)], 'EUR', paid(130), [settled(10, '9001')], [told('9001', 10)])).toEqual({ outcome: 'full', lines: [line('1', 120)], amount: 120 });
    const r = limitRefund([line('1', 125)], 'EUR', paid(130), [settled(10, '9001')], [told('9001', 10)]);
    expect(r).toMatchObject({ outcome: 'cut', amount: 120, limitedBy: { alreadyRefunded: 10, matchedAtChannel: ['9001'] } });
    // Nothing of the channel's own: no refundedAtChannel (the note would say "0 by the channel itself").
    expect(r.outcome === 'cut' && 'refundedAtChannel' in r.limitedBy).toBe(false);
  });

  it('before the settlement names it (sent, no channel refund id), or naming another, both count: the bound is low, never high', () => {
    const sent = { id: 'rfd-1', amount: 10, currency: 'EUR', state: 'sent' };
    expect(limitRefund([line('1', 120)], 'EUR', paid(130), [sent], [told('9001', 10)])).toMatchObject({ outcome: 'cut', amount: 110, limitedBy: { alreadyRefunded: 20, refundedAtChannel: 10 } });
    expect(limitRefund([line('1', 120)], 'EUR', paid(130), [settled(10, 'ERP-1')], [told('9001', 10)])).toMatchObject({ outcome: 'cut', amount: 110 });
  });

  it('told larger, the larger went out and counts once (the excess as the channel\'s own); told smaller, ours counts whole', () => {
    expect(limitRefund([line('1', 120)], 'EUR', paid(130), [settled(10, '9001')], [told('9001', 12)])).toMatchObject({
      outcome: 'cut', amount: 118, limitedBy: { alreadyRefunded: 12, refundedAtChannel: 2, matchedAtChannel: ['9001'] },
    });
    expect(limitRefund([line('1', 125)], 'EUR', paid(130), [settled(10, '9001')], [told('9001', 7)])).toMatchObject({ outcome: 'cut', amount: 120, limitedBy: { alreadyRefunded: 10 } });
  });

  it('one channel refund paying out two of ours counts as the larger of it and their sum; a refund of the channel\'s own beside it counts in full', () => {
    const ours = [settled(10, '9001', 'rfd-1'), settled(20, '9001', 'rfd-2')];
    expect(limitRefund([line('1', 100)], 'EUR', paid(130), ours, [told('9001', 30), told('9002', 5)])).toMatchObject({
      outcome: 'cut', amount: 95, limitedBy: { alreadyRefunded: 35, refundedAtChannel: 5, matchedAtChannel: ['9001'] },
    });
  });

  it('a rejected refund pays nothing and ties nothing; an echo in another currency is not tied and goes to a person', () => {
    const rejected = { id: 'rfd-1', amount: 10, currency: 'EUR', state: 'rejected', channelRefundId: '9001' };
    expect(limitRefund([line('1', 125)], 'EUR', paid(130), [rejected], [told('9001', 10)])).toMatchObject({ outcome: 'cut', amount: 120, limitedBy: { alreadyRefunded: 10, refundedAtChannel: 10 } });
    expect(limitRefund([line('1', 10)], 'EUR', paid(130), [settled(10, '9001')], [told('9001', 11, 'USD')])).toMatchObject({ outcome: 'refused', refused: { code: 'currency_differs' } });
  });

  it('a channel refund id told twice (the order keeps one) is tied once: the second counts as the channel\'s own', () => {
    expect(limitRefund([line('1', 125)], 'EUR', paid(130), [settled(10, '9001')], [told('9001', 10), told('9001', 10)])).toMatchObject({ outcome: 'cut', amount: 110, limitedBy: { alreadyRefunded: 20 } });
  });
});

describe('returnWindowStart', () => {
  it('the order delivered as a whole starts the window; else its last delivered parcel does', () => {
    expect(returnWindowStart([{ at: 5, to: 'delivered' }], 3)).toBe(5);
    expect(returnWindowStart([{ at: 5, to: 'shipped' }], 3)).toBe(3);
    expect(returnWindowStart([{ at: 5, to: 'shipped' }], null)).toBeNull();
  });
});
