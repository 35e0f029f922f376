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

describe('returnWindowStart', () => {
  it('the order delivered as a whole starts the window; else its last delivered parcel does', () => {
    expect(returnWindowStart([{ at: 5, to: 'delivered' }], 3)).toBe(5);
    expect(returnWindowStart([{ at: 5, to: 'shipped' }], 3)).toBe(3);
    expect(returnWindowStart([{ at: 5, to: 'shipped' }], null)).toBeNull();
  });
});
