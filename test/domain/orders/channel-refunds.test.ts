import { describe, expect, it } from 'vitest';
import { recordChannelRefund, refundedAtChannel, type ChannelRefundRecord } from '../../../src/domain/orders/channel-refunds.js';
import { paymentFlowOf } from '../../../src/domain/orders/payment-update.js';
import { paymentRefundedPayloadSchema } from '../../../src/domain/orders/events.js';
import { limitRefund } from '../../../src/domain/returns/refund-limit.js';

function fold(reports: Array<{ refundId: string; amount: number; currency?: string; reason?: string }>) {
  let refunds: ChannelRefundRecord[] = [];
  let note = '';
  reports.forEach((r, i) => {
    const now = recordChannelRefund(refunds, r, 'EUR', { at: 1000 + i, eventId: `e${i}` });
    refunds = now.refunds;
    note = now.note;
  });
  return { refunds, note };
}

describe('refunds made at the channel, on the order', () => {
  it('each refund id counts once; a replay under another event id changes nothing', () => {
    const d = fold([{ refundId: 'rf-1', amount: 20.1, reason: 'goodwill' }, { refundId: 'rf-2', amount: 5 }, { refundId: 'rf-1', amount: 20.1 }]);
    expect(d.refunds).toEqual([
      { refundId: 'rf-1', amount: 20.1, currency: 'EUR', reason: 'goodwill', at: 1000, eventId: 'e0' },
      { refundId: 'rf-2', amount: 5, currency: 'EUR', at: 1001, eventId: 'e1' },
    ]);
    expect(d.note).toMatch(/refund rf-1 already counted/);
    expect(refundedAtChannel(d.refunds, 'EUR')).toBe(25.1);
  });

  it('a refund reported again with another amount counts at its last report', () => {
    const d = fold([{ refundId: 'rf-1', amount: 20 }, { refundId: 'rf-1', amount: 15 }]);
    expect(d.refunds.map((r) => [r.refundId, r.amount])).toEqual([['rf-1', 15]]);
    expect(d.note).toMatch(/reported again with 15 \(was 20\)/);
  });

  it('a refund in another currency is kept as told and said so; the order-currency sum leaves it out', () => {
    const d = fold([{ refundId: 'rf-1', amount: 20, currency: 'USD' }]);
    expect(d.refunds[0]).toMatchObject({ currency: 'USD' });
    expect(d.note).toMatch(/not in the order's currency EUR/);
    expect(refundedAtChannel(d.refunds, 'EUR')).toBe(0);
  });

  it('the payload: amount and refundId are required, the amount never negative', () => {
    expect(paymentRefundedPayloadSchema.safeParse({ externalOrderId: 'W1', amount: 10, refundId: 'rf-1', currency: 'EUR', reason: 'x' }).success).toBe(true);
    for (const bad of [{ refundId: 'rf-1' }, { amount: 10 }, { amount: -1, refundId: 'rf-1' }, { amount: 10, refundId: '' }]) {
      expect(paymentRefundedPayloadSchema.safeParse({ externalOrderId: 'W1', ...bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('what a payment event means for the order flow', () => {
  it('refunds and voided captures are money only; the authorization voided fails the payment unless something was captured', () => {
    expect(paymentFlowOf('payment.captured', {}, 'authorized')).toEqual({ as: 'payment.captured' });
    expect(paymentFlowOf('payment.refunded', { refundId: 'rf-1' }, 'authorized')).toMatchObject({ recordOnly: expect.any(String) });
    expect(paymentFlowOf('payment.voided', { captureId: 'tx-1' }, 'authorized')).toMatchObject({ recordOnly: expect.any(String) });
    expect(paymentFlowOf('payment.voided', {}, 'authorized')).toEqual({ as: 'payment.failed' });
    expect(paymentFlowOf('payment.voided', {}, 'captured')).toEqual({ recordOnly: expect.stringMatching(/authorization voided after capture/) });
  });
});

describe('limitRefund counts refunds made at the channel as paid out', () => {
  const paid = { amount: 130, currency: 'EUR', status: 'captured' };
  const line = (lineId: string, amount: number) => ({ lineId, qty: 1, amount });

  it('a return after a channel refund pays only what is left, and says how much went out at the channel', () => {
    const r = limitRefund([line('1', 120), line('2', 10)], 'EUR', paid, [{ amount: 10, currency: 'EUR', state: 'settled' }], [{ amount: 100, currency: 'EUR' }]);
    expect(r).toMatchObject({ outcome: 'cut', amount: 20, limitedBy: { paid: 130, alreadyRefunded: 110, refundedAtChannel: 100 } });
  });

  it('more refunded at the channel than captured: nothing left, never below zero', () => {
    expect(limitRefund([line('1', 10)], 'EUR', paid, [], [{ amount: 200, currency: 'EUR' }])).toEqual({
      outcome: 'refused', refused: { code: 'nothing_left_to_refund', asked: 10, paid: 130, alreadyRefunded: 200, refundedAtChannel: 200, currency: 'EUR' },
    });
  });

  it('a channel refund in another currency cannot be weighed: refused for a person', () => {
    expect(limitRefund([line('1', 10)], 'EUR', paid, [], [{ amount: 5, currency: 'USD' }])).toMatchObject({ outcome: 'refused', refused: { code: 'currency_differs' } });
  });

  it('without channel refunds nothing changes (no refundedAtChannel in the facts)', () => {
    const r = limitRefund([line('1', 140)], 'EUR', paid, []);
    expect(r).toEqual({ outcome: 'cut', lines: [line('1', 130)], amount: 130, limitedBy: { reason: 'order_paid_amount', asked: 140, paid: 130, alreadyRefunded: 0, currency: 'EUR' } });
  });
});
